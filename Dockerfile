# Connector: `connector serve` as an unprivileged user, healthy when /healthz answers.
#
#   docker build -t connector .
#   docker run --rm connector --version
#   docker run -v "$PWD/connector.yaml:/etc/connector/connector.yaml:ro" \
#       -e CONNECTOR_ENCRYPTION_KEY -p 127.0.0.1:8000:8000 connector
#
# Packages come from the package index pip is configured with; pass another one with
# --build-arg PIP_INDEX_URL=... (and PIP_EXTRA_INDEX_URL). compose.yaml adds PostgreSQL.

FROM python:3.11-slim AS build
ARG PIP_INDEX_URL
ARG PIP_EXTRA_INDEX_URL
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY . .
# One wheel of Connector, with its schemas, shipped specs and templates as package data.
RUN pip wheel --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ARG PIP_INDEX_URL
ARG PIP_EXTRA_INDEX_URL
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CONNECTOR_CONFIG=/etc/connector/connector.yaml
COPY --from=build /wheels /wheels
RUN pip install /wheels/*.whl && rm -rf /wheels \
    && useradd --system --uid 10001 --user-group --create-home --home-dir /srv/connector connector
# The working folder is the user's: a relative SQLite URL (sqlite:///connector.db)
# lands here, writable, while connector.yaml is mounted read-only.
WORKDIR /srv/connector
USER connector
EXPOSE 8000
# Plain HTTP inside the container: TLS ends at the reverse proxy (docs/deploy.md).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
ENTRYPOINT ["connector"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
