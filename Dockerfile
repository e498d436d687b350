# Orders Office production image: gunicorn + whitenoise for web, the same image runs the Celery
# worker and beat (see docker-compose.yml). Build: docker build -t orders-office .

# --- source: the application files only --------------------------------------------------------
# Copies the build context, then drops what must never reach the image (a local virtualenv, the
# demo database, a developer's .env, git data) and compiles the translations. Only the pruned
# tree is copied into the final image; a .dockerignore with the same entries just makes the
# build context smaller.
FROM python:3.11-slim AS source
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN rm -rf .venv venv .git var .env .env.* .pytest_cache .ruff_cache tests bench docs \
        docker-compose.yml Dockerfile .dockerignore \
    && find . -name __pycache__ -type d -prune -exec rm -rf {} + \
    && find . -name '*.po' -exec sh -c 'msgfmt --check-format -o "${1%.po}.mo" "$1"' _ {} \;

# --- runtime -------------------------------------------------------------------------------------
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=orders_office.settings

WORKDIR /app
RUN useradd --create-home --uid 10001 --user-group app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY --from=source /src /app

# Static files are collected once, at build time, into STATIC_ROOT (var/static) and served by
# whitenoise with hashed names (DEBUG off selects CompressedManifestStaticFilesStorage). The
# secret is a placeholder: collectstatic needs one, nothing is signed with it.
RUN DJANGO_SECRET_KEY=collectstatic-build-only-not-a-secret \
    DJANGO_DEBUG=false \
    CELERY_BROKER_URL=memory:// \
    python manage.py collectstatic --no-input \
    && chown -R app:app /app/var

USER app
EXPOSE 8000

# docker-compose.yml runs `migrate` first; WEB_CONCURRENCY (read by gunicorn) sets the workers.
CMD ["gunicorn", "orders_office.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
