#!/bin/sh
# Sets up (Debian packages, build) and runs the demo: a busybox container
# started by gantry-runtime in its own namespaces and cgroup.
set -e
cd "$(dirname "$0")/.."
scripts/deps.sh
make -s -j"$(nproc)" build/gantry-runtime build/gantry
exec tests/demo/runtime-demo.sh
