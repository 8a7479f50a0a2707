import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.settings")

application = get_wsgi_application()

# Each web process loads the language detector's model as it starts, not in the first request
# that needs it (a claim page, a story's language): about a second, which every request queued
# behind that one waited too (bench/load.py: a claim page's p99 while editors write, 450–590 ms
# in the runs where a worker first needed it then).
from articles.text import language_scores  # noqa: E402

language_scores("Newsdesk")
