#!/usr/bin/env bash
# The official postgres image's contract: POSTGRES_USER/PASSWORD(_FILE)/DB, POSTGRES_INITDB_ARGS,
# POSTGRES_HOST_AUTH_METHOD, /docker-entrypoint-initdb.d (*.sh, *.sql, *.sql.gz), args to postgres.
set -Eeo pipefail

file_env() {
	local var="$1" file_var="${1}_FILE" default="${2:-}" value
	if [ "${!var:-}" ] && [ "${!file_var:-}" ]; then
		echo >&2 "error: both $var and $file_var are set (but are exclusive)"
		exit 1
	fi
	value="$default"
	if [ "${!var:-}" ]; then
		value="${!var}"
	elif [ "${!file_var:-}" ]; then
		value="$(<"${!file_var}")"
	fi
	export "$var"="$value"
	unset "$file_var"
}

if [ "${1:0:1}" = '-' ]; then
	set -- postgres "$@"
fi

if [ "$1" = 'postgres' ] && [ "$(id -u)" = '0' ]; then
	mkdir -p "$PGDATA" /var/run/postgresql
	find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
	chown postgres:postgres /var/run/postgresql
	chmod 700 "$PGDATA"
	chmod 3777 /var/run/postgresql
	exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

if [ "$1" = 'postgres' ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
	file_env POSTGRES_PASSWORD
	file_env POSTGRES_USER postgres
	file_env POSTGRES_DB "$POSTGRES_USER"
	file_env POSTGRES_INITDB_ARGS
	: "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
	if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != 'trust' ]; then
		echo >&2 'error: database is uninitialized and superuser password is not specified.'
		echo >&2 '       set POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE) to a non-empty value,'
		echo >&2 '       or POSTGRES_HOST_AUTH_METHOD=trust to allow connections without one.'
		exit 1
	fi
	# shellcheck disable=SC2086
	if [ -n "$POSTGRES_PASSWORD" ]; then
		initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
			$POSTGRES_INITDB_ARGS >/dev/null
	else
		initdb --username="$POSTGRES_USER" $POSTGRES_INITDB_ARGS >/dev/null
	fi
	printf "\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"
	printf '\nhost all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >>"$PGDATA/pg_hba.conf"

	PGUSER="$POSTGRES_USER" pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start >/dev/null
	export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"
	psql=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
	if [ "$POSTGRES_DB" != 'postgres' ]; then
		"${psql[@]}" --dbname postgres --set db="$POSTGRES_DB" <<-'EOSQL'
			CREATE DATABASE :"db" ;
		EOSQL
	fi
	psql+=(--dbname "$POSTGRES_DB")
	for f in /docker-entrypoint-initdb.d/*; do
		case "$f" in
			*.sh)
				if [ -x "$f" ]; then "$f"; else . "$f"; fi
				;;
			*.sql) "${psql[@]}" -f "$f" ;;
			*.sql.gz) gunzip -c "$f" | "${psql[@]}" ;;
			*/\*) ;;
			*) echo "$0: ignoring $f" ;;
		esac
	done
	pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
	unset PGPASSWORD
	echo 'PostgreSQL init process complete; ready for start up.'
fi

exec "$@"
