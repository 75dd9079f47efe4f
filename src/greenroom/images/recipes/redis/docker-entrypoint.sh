#!/bin/sh
# The official redis image's contract: `redis-server --opt value ...`, run as user redis in /data,
# protected mode off (the official build disables it) unless a config file is given.
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
	set -- redis-server "$@"
fi
if [ "$1" = 'redis-server' ]; then
	shift
	case "${1:-}" in
		*.conf) ;;
		*) set -- --protected-mode no "$@" ;;
	esac
	set -- redis-server "$@"
	if [ "$(id -u)" = '0' ]; then
		find . \! -user redis -exec chown redis '{}' +
		exec setpriv --reuid=redis --regid=redis --init-groups "$@"
	fi
fi
exec "$@"
