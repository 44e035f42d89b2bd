# syntax=docker/dockerfile:1
# Production-like image for IWP Casework: gunicorn (default CMD), Celery worker and beat all run from it.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=iwp.settings

# Unprivileged runtime user; the code itself stays root-owned and read-only for it.
RUN groupadd --system --gid 10001 iwp \
    && useradd --system --uid 10001 --gid iwp --create-home --home-dir /home/iwp \
       --shell /usr/sbin/nologin iwp

WORKDIR /app

# The whole tree is needed for `pip install .` (setuptools packages.find over the project's apps).
COPY . /app
RUN pip install --no-cache-dir -c requirements.lock .

# Static files are baked into the image for WhiteNoise. The settings need these variables to import,
# so dummy values are given to this one step only; nothing connects to a database or broker here.
RUN DJANGO_SECRET_KEY=build-only-not-a-secret \
    DJANGO_DEBUG=false \
    DJANGO_ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://build:build@localhost:5432/build \
    REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput

USER 10001:10001

EXPOSE 8000

# No HEALTHCHECK here: the same image runs the worker, beat and the one-shot migrate service,
# so each long-running service gets its own healthcheck in docker-compose.yml.
CMD ["gunicorn", "iwp.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "2", \
     "--worker-class", "gthread", "--access-logfile", "-"]
