#!/bin/sh
# Run the controller as the user named by PUID/PGID (default 1000:1000), never as
# root: adjust the service account, make /config writable for it, drop privileges.
set -eu

PUID="${PUID:-1000}"
PGID="${PGID:-1000}"

if [ "$(id -u)" = "0" ]; then
    if [ "$PUID" = "0" ] || [ "$PGID" = "0" ]; then
        echo "entrypoint: refusing to run as root (PUID/PGID 0); pick another id" >&2
        exit 1
    fi
    groupmod --non-unique --gid "$PGID" capacitarr
    usermod --non-unique --uid "$PUID" --gid "$PGID" capacitarr
    chown capacitarr:capacitarr /config
    exec setpriv --reuid "$PUID" --regid "$PGID" --init-groups "$@"
fi
exec "$@"
