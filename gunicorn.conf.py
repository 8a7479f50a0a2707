"""gunicorn's settings for Newsdesk, read from the working directory (the Dockerfile's /app).

Django alone decides a request's scheme: from X-Forwarded-Proto only when SECURE_PROXY_SSL_HEADER
says a proxy sets it (README, Configuration). gunicorn would otherwise believe X-Forwarded-Proto,
X-Forwarded-Ssl and X-Forwarded-Protocol from any client on 127.0.0.1 (its forwarded_allow_ips),
and a page's links, feed and sitemap would name https:// for whoever sent one.
"""

forwarded_allow_ips = ""

# One thread for numerical libraries in each web worker (the language detector runs on numpy):
# OpenBLAS starts a thread per core in every worker, and with the workers already using every
# core those threads wait on each other. Under load, with editors writing, a claim page's render
# took half a second at p99 instead of a tenth (bench/load.py). The environment wins.
import os  # noqa: E402

for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")
