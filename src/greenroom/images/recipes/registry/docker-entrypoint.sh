#!/bin/sh
# The official registry image's contract: a config path (or `serve ...`) runs the registry.
set -e
case "$1" in
	*.yaml | *.yml) set -- registry serve "$@" ;;
	serve | garbage-collect | help | -*) set -- registry "$@" ;;
esac
exec "$@"
