# The two commands: `make run` and `make test`. Both create .venv and install the pinned
# requirements, again only when a requirements file changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed
DEV := DEBUG=1

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

run: $(STAMP)
	$(DEV) $(BIN)/python manage.py prepare_dev
	$(DEV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: $(STAMP) $(AXE)
	SECRET_KEY=tests-only-not-secret $(BIN)/python -m pytest $(PYTEST_ARGS)
