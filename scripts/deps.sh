#!/bin/sh
# Installs, from Debian's packages, what Gantry needs to build, test and
# benchmark.  Idempotent and quick when everything is present.
#   scripts/deps.sh            build + test dependencies
#   scripts/deps.sh --bench    also the peers the benchmarks compare against
# The lists are scripts/packages/{build,test,bench}.txt, one package a line
# (a "#" starts a comment).
set -eu
dir=$(dirname "$0")/packages
list() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$dir/$1.txt"; }

want="$(list build) $(list test)"
[ "${1:-}" = "--bench" ] && want="$want $(list bench)"

missing=""
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "deps: missing packages:$missing (run as root to install them)" >&2
    exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
# Debian's docker-registry and etcd start services on install; tests run
# their own instances on their own ports, so stop the packaged ones.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl disable --now docker-registry etcd >/dev/null 2>&1 || true
fi
