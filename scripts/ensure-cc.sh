#!/usr/bin/env bash
# Makes sure a C compiler is there for the race detector: `go test -race` needs cgo, and a fresh
# Debian 12 has no gcc. Installs Debian's gcc (root) when none is found; prints nothing on success.
set -euo pipefail
command -v "${CC:-gcc}" >/dev/null && exit 0
[ "$(id -u)" = 0 ] || { echo "ensure-cc: go test -race needs a C compiler; install gcc (as root: apt-get install gcc)" >&2; exit 1; }
echo "ensure-cc: installing gcc for the race detector" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends gcc libc6-dev >/dev/null
