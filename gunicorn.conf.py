"""gunicorn's settings for Newsdesk, read from the working directory (the Dockerfile's /app).

Django alone decides a request's scheme: from X-Forwarded-Proto only when SECURE_PROXY_SSL_HEADER
says a proxy sets it (README, Configuration). gunicorn would otherwise believe X-Forwarded-Proto,
X-Forwarded-Ssl and X-Forwarded-Protocol from any client on 127.0.0.1 (its forwarded_allow_ips),
and a page's links, feed and sitemap would name https:// for whoever sent one.
"""

forwarded_allow_ips = ""
