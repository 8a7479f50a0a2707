"""Import benchmark: throughput and peak memory of import_articles on generated JSON Lines.

    .venv/bin/python bench/import_speed.py [--stories 100000] [--small 10000]

Generates the stories (in several languages, with URLs, so nothing is detected or skipped),
imports them into a fresh database (`newsdesk_bench` on the embedded server, or DATABASE_URL),
and prints stories per second and the importer's peak memory for the small and the full file:
streaming means the peak must not grow with the file.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
from bench.server import fresh_database  # noqa: E402
JOBS = 2
WORDS = {
    "en": "the minister said talks would continue next week after officials met in the capital".split(),
    "id": "menteri mengatakan pembicaraan akan berlanjut pekan depan setelah para pejabat bertemu".split(),
    "ru": "министр заявил что переговоры продолжатся на следующей неделе после встречи чиновников".split(),
    "ko": "장관은 관리들이 수도에서 만난 뒤 다음 주에 회담이 계속될 것이라고 말했다".split(),
}


def generate(path: Path, count: int, seed: int = 7, batch: str = "a") -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            language = rng.choice(list(WORDS))
            words = WORDS[language]
            paragraphs = [" ".join(rng.choices(words, k=40)).capitalize() + "." for _ in range(4)]
            record = {
                "title": f"{' '.join(rng.choices(words, k=6)).capitalize()} {n}",
                "body": "\n\n".join(paragraphs), "url": f"https://bench.example/{batch}/{language}/{n}",
                "language": language, "published_at": f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}T08:00:00+00:00",
                "status": "published", "publisher": {"name": f"Bench {language}", "kind": "publication", "country": "ID"},
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def run(path: Path, env: dict) -> tuple[float, float]:
    """Seconds taken and peak RSS in MiB of one import_articles process."""
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "manage.py", "import_articles", str(path), "--quiet", "--jobs", str(JOBS)],
        cwd=BASE_DIR, env=env, check=True,
    )
    seconds = time.monotonic() - started
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=2, help="import processes (import_articles --jobs)")
    options = parser.parse_args()
    global JOBS
    JOBS = options.jobs
    env = fresh_database("newsdesk_bench", os.environ | {"DEBUG": "0", "SECRET_KEY": "bench-only-" + "x" * 40, "LOG_LEVEL": "WARNING"})
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=BASE_DIR, env=env, check=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-") as folder:
        for batch, count in (("small", options.small), ("large", options.stories)):
            path = Path(folder) / f"stories-{count}.jsonl"
            generate(path, count, batch=batch)  # every story of both files is new to the database
            seconds, peak = run(path, env)
            rows.append((count, path.stat().st_size / 2**20, seconds, peak))
    print(f"\nimport_articles --jobs {JOBS}")
    print(f"{'stories':>9}{'file MiB':>10}{'seconds':>9}{'stories/s':>11}{'peak MiB':>10}")
    for count, size, seconds, peak in rows:
        print(f"{count:>9,}{size:>10.1f}{seconds:>9.1f}{count / seconds:>11,.0f}{peak:>10.0f}")


if __name__ == "__main__":
    main()
