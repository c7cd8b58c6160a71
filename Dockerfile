# The hub's container image: one image for `hub serve`, `hub ingest`, `hub relay` and every
# operator command (`hub keys init`, `hub users add`, ...). See deploy/README.md, "Containers".
#
#   podman build --format docker -t safeguarding-hub .        # or: docker build -t ... .
#   make image                                                # the same, via the Makefile
#
# BASE_IMAGE is any Debian-like image with Python 3.11 and its venv module at the same path
# in both stages. The default is the official slim Python image; where no public registry is
# reachable, build a local one (deploy/container/make-local-base.sh) and pass
# --build-arg BASE_IMAGE=localhost/debian-python:bookworm. Pin it by digest for releases.
#
# Nothing secret is in the image: keys live in HUB_HOME (a volume), and the database URL,
# the metrics token and Kafka credentials come from the runtime (files or the environment).
# The root filesystem can be read-only: everything the hub writes is under HUB_HOME, and /tmp
# should be a tmpfs. HEALTHCHECK needs the Docker image format (podman: --format docker).
ARG BASE_IMAGE=docker.io/library/python:3.11-slim

# ---- builder: a wheel of the project, then a virtual environment holding it ----------------
# psycopg needs libpq. The project's dependencies leave it to the host (libpq5 beside a
# systemd install); the image takes psycopg's binary wheel, pinned by constraints.txt, which
# carries its own libpq, so the runtime stage needs no system packages at all.
FROM ${BASE_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
# Only what the wheel needs (.dockerignore keeps the rest, and anything secret, out).
COPY pyproject.toml README.md constraints.txt ./
COPY hub ./hub
COPY domain ./domain
COPY adapters ./adapters
COPY policies ./policies
COPY simulation ./simulation
# PyPI through a TLS-intercepting proxy: pass its CA bundle as a build secret
# (--secret id=pip_cert,src=/etc/ssl/certs/ca-certificates.crt); it is never stored in a layer.
RUN --mount=type=secret,id=pip_cert,required=false \
    if [ -s /run/secrets/pip_cert ]; then export PIP_CERT=/run/secrets/pip_cert; fi \
 && python3 -m venv /opt/build \
 && /opt/build/bin/pip install --quiet "pip>=24" \
 && /opt/build/bin/pip wheel --quiet --no-deps --wheel-dir /dist . \
 && python3 -m venv /opt/hub/venv \
 && /opt/hub/venv/bin/pip install --quiet --upgrade "pip>=24" \
 && /opt/hub/venv/bin/pip install --quiet --constraint constraints.txt /dist/*.whl \
        "psycopg[binary]" \
 && /opt/hub/venv/bin/pip check \
 && /opt/hub/venv/bin/python -m compileall -q /opt/hub/venv/lib \
 && /opt/hub/venv/bin/pip uninstall --quiet --yes pip \
 && /opt/hub/venv/bin/hub --help > /dev/null

# ---- runtime: the interpreter, the virtual environment, a non-root user ---------------------
FROM ${BASE_IMAGE} AS runtime
ARG HUB_UID=10001
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="safeguarding-hub" \
      org.opencontainers.image.description="An event-sourced hub for lawful, audited sharing of safeguarding information about children" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}"
# A fixed uid and gid, so that volumes, Kubernetes' runAsUser/fsGroup and file secrets can
# name them. HUB_HOME is the user's only writable place: keys, projections, a SQLite store.
RUN groupadd --system --gid "${HUB_UID}" hub \
 && useradd --system --uid "${HUB_UID}" --gid hub --home-dir /var/lib/hub --no-create-home \
            --shell /usr/sbin/nologin hub \
 && install -d -o hub -g hub -m 0700 /var/lib/hub
COPY --from=builder /opt/hub/venv /opt/hub/venv
COPY deploy/container/entrypoint.sh /usr/local/bin/hub-entrypoint
COPY deploy/container/healthcheck.py /usr/local/bin/hub-healthcheck
# `hub` itself, first on PATH, goes through the entrypoint too: `docker exec CONTAINER hub ...`
# then reads HUB_STORE_URL_FILE and HUB_METRICS_TOKEN_FILE like the container's own command.
RUN chmod 0755 /usr/local/bin/hub-entrypoint /usr/local/bin/hub-healthcheck \
 && install -d -m 0755 /opt/hub/bin \
 && ln -s /usr/local/bin/hub-entrypoint /opt/hub/bin/hub
ENV PATH=/opt/hub/bin:/opt/hub/venv/bin:$PATH \
    HUB_HOME=/var/lib/hub \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MPLCONFIGDIR=/tmp/matplotlib
WORKDIR /var/lib/hub
USER ${HUB_UID}:${HUB_UID}
EXPOSE 8000
STOPSIGNAL SIGTERM
# The process answers (it does not touch the store: /readyz does). `hub ingest` and
# `hub relay` override it: `hub-healthcheck --metrics PORT` (their metrics, with the token).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["hub-healthcheck"]
ENTRYPOINT ["hub-entrypoint"]
# In a container the runtime publishes the port, so the server listens on every interface of
# the container's own network namespace. Publish it on the host's loopback only
# (-p 127.0.0.1:8000:8000) behind the TLS-terminating proxy (deploy/README.md).
CMD ["hub", "serve", "--host", "0.0.0.0", "--port", "8000"]
