# The two commands: `make run` and `make test`. Both create .venv and install the pinned
# requirements, again only when a requirements file changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit("Newsdesk needs Python 3.11 or newer" if sys.version_info < (3, 11) else 0)'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -r requirements.txt -r requirements-dev.txt
	touch $(STAMP)

# axe-core for the accessibility tests, from the npm registry; without npm those tests skip.
AXE := node_modules/axe-core/axe.min.js
$(AXE): package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm is not installed: the accessibility tests will be skipped"; fi

# Development settings for every manage.py command (manage.py reads .env; the environment wins).
.env:
	@printf '%s\n' \
	  '# Development settings, written by `make run`. Only manage.py reads this file (never' \
	  '# gunicorn), and a variable set in the environment wins over it. Never deploy with it.' \
	  'DEBUG=1' > .env
	@echo "Wrote .env (DEBUG=1) for development: manage.py reads it."

# The web server and a worker of the job queue (feeds, uploads); Ctrl-C stops both and the
# embedded PostgreSQL they started.
run: $(STAMP) .env
	$(BIN)/python manage.py prepare_dev
	$(BIN)/python manage.py serve 127.0.0.1:$(PORT)

test: $(STAMP) $(AXE)
	SECRET_KEY=tests-only-not-secret $(BIN)/python -m pytest $(PYTEST_ARGS)
