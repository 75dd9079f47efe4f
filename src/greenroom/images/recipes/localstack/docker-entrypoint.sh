#!/bin/sh
# LocalStack in host mode (no container-in-container, no token needed): port 4566, SERVICES honoured.
set -e
if [ "$#" -eq 0 ]; then
	set -- python3 -m localstack.runtime.main
fi
exec "$@"
