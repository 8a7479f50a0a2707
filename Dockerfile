# The production image: gunicorn serving Newsdesk, static files through whitenoise.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app

# GNU gettext: the build checks the interface's catalogues (README, Languages).
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# Collecting static files reads the settings but never connects to a database.
RUN SECRET_KEY=collectstatic-only DATABASE_URL=postgres://unused@localhost/unused \
    python manage.py collectstatic --noinput -v0
# An image whose catalogues are incomplete, or whose .mo files do not match their .po, is not built.
RUN SECRET_KEY=check-only DATABASE_URL=postgres://unused@localhost/unused \
    python manage.py check_translations

RUN useradd --system --no-create-home newsdesk
USER newsdesk

EXPOSE 8000
# migrate runs as DATABASE_OWNER_URL's role (when set) and grants DATABASE_URL's role what the app
# needs; gunicorn starts without DATABASE_OWNER_URL in its environment, so the serving processes
# never hold the owner's password.
CMD ["sh", "-c", "DATABASE_STATEMENT_TIMEOUT=0 python manage.py migrate --noinput && exec env -u DATABASE_OWNER_URL gunicorn newsdesk.wsgi --bind 0.0.0.0:${PORT:-8000} --workers ${WEB_CONCURRENCY:-3} --access-logfile -"]
