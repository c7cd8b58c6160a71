#!/usr/bin/env bash
# Builds a local base image for the Dockerfile where no public image registry is reachable:
# a minimal Debian bookworm root (debootstrap, from the Debian mirror) with Python 3.11 and
# its venv module, imported into Podman as localhost/debian-python:bookworm.
#
#   sudo deploy/container/make-local-base.sh              # needs root, debootstrap, podman
#   podman build --format docker --build-arg BASE_IMAGE=localhost/debian-python:bookworm .
#
# Settings, from the environment, with their defaults:
#   BASE_IMAGE   localhost/debian-python:bookworm   the name to import as
#   SUITE        bookworm                           Debian release (bookworm has Python 3.11)
#   MIRROR       http://deb.debian.org/debian
#   WORK         /tmp/hub-base-image                where the root is made (removed after)
#   PODMAN       podman                             the command, with any global options
#                                                   (e.g. "podman --runtime runc")
#   PODMAN_RUN_FLAGS  (none)                        options for the check run at the end
#   SMOKE_TEST   1                                  0: skip that check run
#
# The root is made outside the repository and removed once imported; nothing of it is kept.
set -euo pipefail

BASE_IMAGE="${BASE_IMAGE:-localhost/debian-python:bookworm}"
SUITE="${SUITE:-bookworm}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
WORK="${WORK:-/tmp/hub-base-image}"
PODMAN="${PODMAN:-podman}"
PODMAN_RUN_FLAGS="${PODMAN_RUN_FLAGS:-}"
SMOKE_TEST="${SMOKE_TEST:-1}"

if [[ "$(id -u)" != 0 ]]; then
  echo "make-local-base.sh: debootstrap needs root" >&2
  exit 2
fi
for tool in debootstrap "${PODMAN%% *}"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "make-local-base.sh: $tool not found (apt-get install -y $tool)" >&2
    exit 2
  fi
done

root="$WORK/rootfs"
rm -rf "$root"
mkdir -p "$WORK"
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
  "$SUITE" "$root" "$MIRROR"
# What an image does not need: package lists and caches, logs, documentation.
chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/var/log/* \
       "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/*
# shellcheck disable=SC2086  # PODMAN and PODMAN_RUN_FLAGS are words on purpose
tar --numeric-owner -C "$root" -c . |
  $PODMAN import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["python3"]' \
    - "$BASE_IMAGE"
if [[ "$SMOKE_TEST" != 0 ]]; then
  # shellcheck disable=SC2086
  $PODMAN run --rm --network none $PODMAN_RUN_FLAGS "$BASE_IMAGE" \
    python3 -c 'import sys, venv; print(sys.version)'
fi
echo "make-local-base.sh: $BASE_IMAGE ready"
