#!/bin/sh
# The official nats image's contract: flags alone (`-js -sd /data -m 8222`) go to nats-server.
set -e
if [ "${1#-}" != "$1" ]; then
	set -- nats-server "$@"
fi
exec "$@"
