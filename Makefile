# Two commands do all set-up on a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed

# `make stack`: the local PostgreSQL and Redis unless the environment names others.
STACK_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/union_portal
STACK_BROKER_URL ?= redis://127.0.0.1:6379/0

.PHONY: venv run test lint bench journeys stack compiled-messages migrate seed messages lock clean frontend

$(STAMP): requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 or newer is needed (PYTHON=$(PYTHON))"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $(STAMP)

venv: $(STAMP)

# Browser libraries the portal serves itself (no CDN): ECharts for the statistics dashboard, pinned in
# frontend/package-lock.json, installed with npm ci and copied into static/vendor/echarts (git ignores it).
ECHARTS := static/vendor/echarts/echarts.min.js
$(ECHARTS): frontend/package.json frontend/package-lock.json
	npm ci --prefix frontend --no-audit --no-fund --loglevel=error
	mkdir -p static/vendor/echarts
	cp frontend/node_modules/echarts/dist/echarts.min.js frontend/node_modules/echarts/LICENSE static/vendor/echarts/
	touch $(ECHARTS)

frontend: $(ECHARTS)

# The English catalogue needs gettext's msgfmt. Installed with apt when missing and we are root; otherwise
# the portal still runs, in Chinese only, and says so.
compiled-messages: $(STAMP)
	@command -v msgfmt >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing gettext (msgfmt) with apt-get"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q gettext >/dev/null 2>&1 || \
	    { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q gettext >/dev/null 2>&1; } || true; \
	  fi; }
	@if command -v msgfmt >/dev/null 2>&1; then \
	  $(PY) manage.py compilemessages --ignore=.venv -v 0; \
	else \
	  echo "warning: msgfmt (gettext) not found: translations not compiled, pages show in Chinese only." \
	       "Install gettext (apt-get install gettext / brew install gettext) and run make again."; \
	fi

run: compiled-messages $(ECHARTS)
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

lint: $(STAMP)
	$(BIN)/ruff check .
	# The house plan (pyproject.toml, [tool.importlinter]): floors, independent apps, no cycles.
	$(BIN)/lint-imports --no-cache
	DJANGO_SETTINGS_MODULE=portal.settings.test $(PY) manage.py makemigrations --check --dry-run -v 0

test: $(STAMP) lint compiled-messages $(ECHARTS)
	$(BIN)/pytest

bench: $(STAMP)
	$(PY) -m bench

# The browser journeys (tests/browser): PostgreSQL in DATABASE_URL, Chromium installed (apt-get install chromium),
# a real Celery worker and beat when CELERY_BROKER_URL is set. `.ci/run` runs them as its last step.
journeys: $(STAMP) compiled-messages $(ECHARTS)
	npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
	$(BIN)/pytest -m browser tests/browser --create-db

# web (gunicorn), worker and beat against the local PostgreSQL and Redis, without Docker (see README), on the
# production settings: DEBUG off, static files collected and compressed, a secret key generated once into
# .stack-secret-key (git ignores it). Only what a loopback stack on plain HTTP needs differs from a real
# deployment: no HTTPS redirect or secure-only cookies, and the console SMS backend allowed explicitly.
# DATABASE_URL / CELERY_BROKER_URL / SITE_URL from the environment win over the defaults above.
STACK_PORT ?= 8000
stack: compiled-messages $(ECHARTS)
	@test -s .stack-secret-key || $(PY) -c 'import secrets; print(secrets.token_urlsafe(64))' > .stack-secret-key
	@chmod 600 .stack-secret-key
	@export DJANGO_SETTINGS_MODULE=portal.settings.production \
	  DJANGO_SECRET_KEY="$$(cat .stack-secret-key)" \
	  DJANGO_ALLOWED_HOSTS="$${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost}" \
	  DJANGO_SECURE_SSL_REDIRECT=false DJANGO_SECURE_COOKIES=false DJANGO_SECURE_HSTS_SECONDS=0 \
	  SMS_ALLOW_CONSOLE_BACKEND=true \
	  STACK_PORT="$(STACK_PORT)" \
	  SITE_URL="$${SITE_URL:-http://127.0.0.1:$(STACK_PORT)}" \
	  DATABASE_URL="$${DATABASE_URL:-$(STACK_DATABASE_URL)}" CELERY_BROKER_URL="$${CELERY_BROKER_URL:-$(STACK_BROKER_URL)}"; \
	echo "stack: production settings, DATABASE_URL=$$DATABASE_URL CELERY_BROKER_URL=$$CELERY_BROKER_URL SITE_URL=$$SITE_URL"; \
	$(PY) manage.py collectstatic --noinput -v 0 && \
	$(PY) manage.py ensure_database && \
	$(PY) manage.py migrate --noinput -v 0 && \
	$(PY) manage.py seed_demo && \
	exec $(BIN)/honcho -f Procfile.stack start

migrate: $(STAMP)
	$(PY) manage.py migrate

seed: $(STAMP)
	$(PY) manage.py seed_demo

messages: $(STAMP)
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=staticfiles --ignore=tests --ignore=bench --ignore=frontend --ignore=static/vendor --ignore=node_modules --no-obsolete
	$(PY) manage.py makemessages -d djangojs -l en --ignore=.venv --ignore=staticfiles --ignore=tests --ignore=bench --ignore=frontend --ignore=static/vendor --ignore=node_modules --no-obsolete

lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --group dev -o requirements.lock -q --python-version 3.11 --universal

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 frontend/node_modules static/vendor/echarts
