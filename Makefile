# Two commands do all set-up on a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench stack migrate seed messages lock clean

$(STAMP): requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(PY) manage.py compilemessages --ignore=.venv -v 0
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

lint: $(STAMP)
	$(BIN)/ruff check .
	DJANGO_SETTINGS_MODULE=portal.settings.test $(PY) manage.py makemigrations --check --dry-run -v 0

test: $(STAMP) lint
	$(PY) manage.py compilemessages --ignore=.venv -v 0
	$(BIN)/pytest

bench: $(STAMP)
	$(PY) -m bench

# web, worker and beat against the local PostgreSQL and Redis (see README), without Docker.
stack: $(STAMP)
	$(BIN)/honcho -f Procfile.stack start

messages: $(STAMP)
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=staticfiles --ignore=tests --ignore=bench --no-obsolete
	$(PY) manage.py makemessages -d djangojs -l en --ignore=.venv --ignore=staticfiles --ignore=tests --ignore=bench --no-obsolete

lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --group dev -o requirements.lock -q --python-version 3.11 --universal

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
