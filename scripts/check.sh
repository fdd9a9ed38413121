#!/bin/sh
# Sets up (Debian packages) and runs every test; ends with "N passed, N failed".
set -e
cd "$(dirname "$0")/.."
scripts/deps.sh
exec tests/run.sh "$@"
