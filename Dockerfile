# Capacitarr container: the controller and its API on port 2187.
#
# Desired state: mount your manifests read-only at /manifests (see docs/container.md).
# Runtime state (SQLite database, JWT secret): the /config volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PUID=1000 \
    PGID=1000 \
    CAPACITARR_DB=/config/capacitarr.db \
    CAPACITARR_MANIFESTS=/manifests

WORKDIR /app
COPY pyproject.toml README.md ./
COPY controller ./controller
COPY api ./api
COPY simulators ./simulators
COPY examples ./examples
COPY manifests /manifests

# The same install step as the README's quick start.
RUN pip install --no-cache-dir . \
    && useradd --system --uid 1000 --user-group --home-dir /config capacitarr \
    && mkdir -p /config && chown capacitarr:capacitarr /config

COPY docker/entrypoint.sh /usr/local/bin/entrypoint.sh
RUN chmod 0755 /usr/local/bin/entrypoint.sh

VOLUME ["/config"]
EXPOSE 2187
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:2187/api/v1/health', timeout=4).status == 200 else 1)"

ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
CMD ["capacitarr", "serve", "--host", "0.0.0.0", "--port", "2187"]
