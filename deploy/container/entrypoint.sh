#!/bin/sh
# The image's entrypoint: reads the hub's two secret settings from files, then runs the command.
#
# HUB_STORE_URL (it holds the database password) and HUB_METRICS_TOKEN are environment
# variables to the hub. In a container they are better kept out of the environment the
# runtime shows (`docker inspect`, compose files): mount them as files (compose secrets,
# Kubernetes Secret volumes) and name the file in HUB_STORE_URL_FILE or HUB_METRICS_TOKEN_FILE.
# This script reads each such file into the variable the hub reads. Setting both a variable
# and its _FILE is refused. Other variables pass through as they are; HUB_KAFKA_SASL_PASSWORD_FILE
# is the hub's own setting (a path the hub reads itself) and is left alone.
#
# The image also installs it as /opt/hub/bin/hub, first on PATH, so that every `hub` command
# reads the files the same way, including one run by `docker exec` or `kubectl exec`, which
# bypass the entrypoint: without it, such a command would find no HUB_STORE_URL at all.
set -eu

for name in HUB_STORE_URL HUB_METRICS_TOKEN; do
    eval "file=\${${name}_FILE:-}"
    [ -n "$file" ] || continue
    eval "given=\${${name}:-}"
    if [ -n "$given" ]; then
        echo "hub-entrypoint: set ${name} or ${name}_FILE, not both" >&2
        exit 2
    fi
    if [ ! -r "$file" ]; then
        echo "hub-entrypoint: cannot read ${name}_FILE ($file)" >&2
        exit 2
    fi
    value=$(cat "$file")
    export "$name=$value"
    unset "${name}_FILE"
done

if [ "$(basename "$0")" = hub ]; then
    exec /opt/hub/venv/bin/hub "$@"
fi
if [ "$#" -eq 0 ]; then
    set -- hub serve --host 0.0.0.0 --port 8000
fi
exec "$@"
