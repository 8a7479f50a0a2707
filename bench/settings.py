"""Production settings plus the bench's own pages (a bare view, a reference page), so the load
benchmark compares like with like."""

from newsdesk.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
MIDDLEWARE = [  # noqa: F405
    "bench.urls.page_cache_but_for_the_floor" if name == "articles.page_cache.middleware" else name
    for name in MIDDLEWARE  # noqa: F405
]
TEMPLATES = [  # noqa: F405
    template | {"DIRS": [*template["DIRS"], BASE_DIR / "bench" / "templates"]}  # noqa: F405
    for template in TEMPLATES  # noqa: F405
]
