#!/usr/bin/env bash
# Captures the testdata of internal/zfs from real OpenZFS: boots the test VM, runs
# capture-guest.sh there and copies what it wrote into internal/zfs/testdata. Run it again when
# the guest's OpenZFS changes; the parser and classify tests then check the new output.
#
# usage: capture-fixtures.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
run=.build/capture
rm -rf "$run"
mkdir -p "$run"
cat >"$run/payload" <<'PAYLOAD'
#!/bin/sh
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
sh "$repo/scripts/zfsvm/capture-guest.sh" "$here/out"
PAYLOAD
scripts/zfsvm/run.sh . "$run"
cp "$run"/out/* internal/zfs/testdata/
echo "capture-fixtures: $(head -n 1 "$run/out/version.txt"): wrote $(cd "$run/out" && echo *) to internal/zfs/testdata"
