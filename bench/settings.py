"""Production settings plus one bare view, so the load benchmark compares like with like."""

from newsdesk.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
