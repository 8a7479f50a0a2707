"""The interface's catalogues: what is wrong with one, and which languages are complete.

English is the source. A catalogue (`locale/<code>/LC_MESSAGES/django.po`) is complete when it
holds every message of our templates and Python code, each one translated (not fuzzy, not the
English copied over, outside the short list of words that stay as they are), with the same
placeholders as its English, and when its compiled `.mo` says exactly what the `.po` says.
`problems()` names each fault with the message it is in; `check_translations` (CI) fails on any.
"""

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import polib
from django.conf import settings
from django.utils.translation import to_language

# Words every language writes as English does: a name, a key of the keyboard, a code. Reviewed:
# anything else whose translation equals its English is taken for English copied over.
SAME_IN_EVERY_LANGUAGE = {"Newsdesk", "Wikidata", "URL", "JSON Lines", "RSS", "Atom", "HTML", "ID", "OK"}

PLACEHOLDER = re.compile(r"%\(\w+\)[sdrf]|%[sdrf]|\{\{\s*[\w.]+\s*\}\}")


def placeholders(text: str) -> list[str]:
    return sorted(match.group(0) for match in PLACEHOLDER.finditer(text))


def reviewed_same(po_path: Path) -> set[str]:
    """A language's own reviewed list of messages it writes as English does ("Status" in
    Indonesian): `same-as-english.txt` beside its LC_MESSAGES folder, one message a line."""
    listed = po_path.parent.parent / "same-as-english.txt"
    if not listed.exists():
        return set()
    return {line.strip() for line in listed.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")}


def catalogue_path(code: str) -> Path:
    return Path(settings.BASE_DIR) / "locale" / code / "LC_MESSAGES" / "django.po"


def key(entry) -> tuple[str, str]:
    return (entry.msgctxt or "", entry.msgid)


def problems(po_path: Path, *, expected: set[tuple[str, str]] | None = None, compile_check: bool = True) -> list[str]:
    """Every fault of one catalogue, one sentence each. `expected`: the (context, message) pairs
    of the sources, when known; `compile_check`: also ask msgfmt -c and compare the `.mo`."""
    if not po_path.exists():
        return [f"{po_path}: no catalogue"]
    catalogue = polib.pofile(str(po_path))
    same_as_english = SAME_IN_EVERY_LANGUAGE | reviewed_same(po_path)
    found: list[str] = []
    entries = [entry for entry in catalogue if not entry.obsolete]
    for entry in entries:
        where = f"{po_path.name}: “{entry.msgid[:60]}”" + (f" ({entry.msgctxt})" if entry.msgctxt else "")
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        if "fuzzy" in entry.flags:
            found.append(f"{where} is fuzzy")
        if not all(translations):
            found.append(f"{where} is not translated")
            continue
        english = {entry.msgid, entry.msgid_plural} - {""}
        words = re.search(r"[A-Za-z]{2}", PLACEHOLDER.sub("", entry.msgid))  # not placeholders and commas alone
        if any(t in english for t in translations) and words and entry.msgid not in same_as_english:
            found.append(f"{where} is the English copied over")
        wanted = placeholders(entry.msgid)
        for translation in translations:
            # A plural's translation may leave out the number its singular leaves out.
            if placeholders(translation) not in (wanted, placeholders(entry.msgid_plural or entry.msgid)):
                found.append(f"{where} has the placeholders {placeholders(translation)}, not {wanted}")
                break
    if expected is not None:
        held = {key(entry) for entry in entries}
        for context, msgid in sorted(expected - held):
            found.append(f"{po_path.name}: “{msgid[:60]}”" + (f" ({context})" if context else "") + " is not in the catalogue")
    if compile_check:
        found += compile_problems(po_path, catalogue)
    return found


def compile_problems(po_path: Path, catalogue) -> list[str]:
    """msgfmt -c's complaints, and whether the committed `.mo` says what the `.po` says."""
    found = []
    if shutil.which("msgfmt"):
        with tempfile.TemporaryDirectory() as scratch:
            result = subprocess.run(["msgfmt", "-c", "-o", str(Path(scratch) / "check.mo"), str(po_path)],
                                    capture_output=True, text=True)
        if result.returncode:
            found.append(f"{po_path.name}: msgfmt -c refuses it: {result.stderr.strip()}")
    else:
        found.append("msgfmt is not installed (Debian's gettext package): the catalogue cannot be checked")
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        return found + [f"{mo_path.name}: not compiled (msgfmt -o {mo_path} {po_path})"]
    compiled = {(entry.msgctxt or "", entry.msgid): (entry.msgstr, dict(entry.msgstr_plural)) for entry in polib.mofile(str(mo_path))}
    written = {
        key(entry): (entry.msgstr, dict(entry.msgstr_plural))
        for entry in catalogue if not entry.obsolete and "fuzzy" not in entry.flags and entry.translated() and entry.msgid
    }
    if {k: v for k, v in compiled.items() if k[1]} != written:
        found.append(f"{mo_path.name} does not match {po_path.name}: compile it again (msgfmt -o {mo_path} {po_path})")
    return found


def source_messages() -> set[tuple[str, str]]:
    """The (context, message) pairs our templates and code mark for translation, as makemessages
    finds them (with xgettext, from Debian's gettext package), run on a scratch copy of the
    sources so that nothing is written beside the real catalogues."""
    import os

    from django.core.management import call_command

    base = Path(settings.BASE_DIR)
    ignored = shutil.ignore_patterns(".*", "__pycache__", "node_modules", "var", "staticfiles", "locale", "bench", "tests", "*.pyc")
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as scratch:
        for part in ("annotations", "articles", "newsdesk", "templates"):
            shutil.copytree(base / part, Path(scratch) / part, ignore=ignored)
        (Path(scratch) / "locale").mkdir()
        try:
            os.chdir(scratch)  # makemessages reads the folder it runs in, and writes to its locale/
            call_command("makemessages", locale=["xx"], verbosity=0)
        finally:
            os.chdir(here)
        pot = polib.pofile(str(Path(scratch) / "locale" / "xx" / "LC_MESSAGES" / "django.po"))
        return {key(entry) for entry in pot if entry.msgid}


def complete_languages(locale_dir: Path | None = None) -> list[str]:
    """The languages whose catalogue has no fault (English, the source, always): the ones the
    interface may offer, as Django names them (the folder pt_BR is pt-br). Compiled catalogues
    only are read here, as a running site has them."""
    locale_dir = locale_dir or Path(settings.BASE_DIR) / "locale"
    codes = ["en"]
    for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/django.po")):
        if not problems(po_path, compile_check=False) and po_path.with_suffix(".mo").exists():
            codes.append(to_language(po_path.parent.parent.name))
    return codes
