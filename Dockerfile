# The service in a container: migrations first, then uvicorn, as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin cohorts
WORKDIR /app

# The pinned, hash-checked dependencies (requirements.lock, from `make lock`) in their own
# layer; then the project itself, without resolving anything again.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock && rm -rf /root/.cache
COPY pyproject.toml README.md ./
COPY service ./service
COPY scoring ./scoring
COPY schemas ./schemas
COPY migrations ./migrations
COPY seed_data ./seed_data
RUN pip install --no-deps . && rm -rf /root/.cache

RUN mkdir -p /home/cohorts/var && chown cohorts:cohorts /home/cohorts/var
USER cohorts
WORKDIR /home/cohorts
# The SQLite file (the default database) lives here: mount a volume to keep it.
VOLUME ["/home/cohorts/var"]
# The embedded default; set COHORTS_DATABASE_URL to a PostgreSQL URL in production.
ENV COHORTS_DATABASE_URL=sqlite:////home/cohorts/var/cohorts.db \
    WORKERS=2
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4).status == 200 else 1)"

CMD ["sh", "-c", "cohorts db upgrade && exec cohorts serve --host 0.0.0.0 --port 8000 --workers \"$WORKERS\" --no-migrate"]
