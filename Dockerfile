# One image for web (gunicorn), worker and beat (see docker-compose.yml); settings come from the environment.

# Browser libraries (ECharts) from the npm registry, pinned by frontend/package-lock.json; only their built files
# reach the image, as `make frontend` copies them on a developer's machine.
FROM node:22-slim AS frontend
WORKDIR /frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=portal.settings.production \
    PRIVATE_MEDIA_ROOT=/data/private-media

# gettext: msgfmt for compilemessages. Every Python dependency ships a wheel, so no compiler is needed.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 --user-group portal \
    && mkdir -p /data/private-media \
    && chown portal:portal /data/private-media

WORKDIR /app
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY . .
COPY --from=frontend /frontend/node_modules/echarts/dist/echarts.min.js /frontend/node_modules/echarts/LICENSE \
     static/vendor/echarts/
# Static files and translations are built into the image. The throw-away key and host only let the
# production settings load; nothing built here is secret.
RUN DJANGO_SECRET_KEY="build-only-$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    DJANGO_ALLOWED_HOSTS=build.invalid \
    sh -c "python manage.py compilemessages --ignore=.venv -v 0 && python manage.py collectstatic --noinput -v 0"

USER portal
VOLUME ["/data/private-media"]
EXPOSE 8000
# WEB_CONCURRENCY sets the number of gunicorn workers (gunicorn reads it); TLS ends at the proxy in front.
CMD ["gunicorn", "portal.wsgi", "--bind", "0.0.0.0:8000", "--worker-tmp-dir", "/dev/shm", "--timeout", "60"]
