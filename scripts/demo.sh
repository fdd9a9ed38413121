#!/bin/sh
# Sets up (Debian packages, build) and runs the demo of what exists: the
# runtime on its own, the engine driven by the real docker CLI, and the
# control plane driven by the real kubectl.
set -e
cd "$(dirname "$0")/.."
scripts/deps.sh
make -s -j"$(nproc)" build/gantry-runtime build/gantry build/gantry-monitor build/gantry-init build/gantry-cni-bridge
tests/demo/runtime-demo.sh
tests/demo/engine-demo.sh
exec tests/demo/kube-demo.sh
