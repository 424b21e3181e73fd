#!/usr/bin/env bash
# Runs every fuzz target of the module, one after another, for FUZZTIME each (default 10m), and
# stops at the first failure (go test writes the failing input under the package's
# testdata/fuzz/<Target>/, where it stays as a regression case: commit it with the fix).
#
# usage: fuzz.sh [REGEXP]      only targets whose name matches REGEXP
# env:   FUZZTIME              per target, as go test's -fuzztime (10m, 30s, 1000x)
#        FUZZ_SAVE=1           afterwards, copy up to FUZZ_SAVE_MAX (default 20) of the new
#                              interesting inputs each target found into its testdata/fuzz, to
#                              commit as seeds
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
GO=${GO:-go}
fuzztime=${FUZZTIME:-10m}
filter=${1:-.}
cache=$("$GO" env GOCACHE)/fuzz/$("$GO" list -m)
targets=$(grep -rl --include='*_test.go' --exclude-dir=.build '^func Fuzz' . | sort |
	while read -r f; do
		grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed "s|^func ||; s|^|$(dirname "$f") |"
	done | grep -E " .*${filter}" || true)
[ -n "$targets" ] || { echo "fuzz: no target matches $filter" >&2; exit 1; }
n=$(echo "$targets" | wc -l)
echo "fuzz: $n targets, $fuzztime each"
start=$SECONDS
while read -r pkg name; do
	t0=$SECONDS
	printf 'fuzz: %-28s %s ... ' "$name" "${pkg#./}"
	corpus="$pkg/testdata/fuzz/$name"
	before=$(ls "$corpus" 2>/dev/null || true)
	if ! out=$("$GO" test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$pkg" 2>&1); then
		# Go's fuzzing coordinator (up to Go 1.26) can report its own -fuzztime deadline as a
		# failure, "context deadline exceeded" and no failing input (go.dev/issue/75804). A
		# real failure always writes its input to the corpus: without a new one, that is the
		# toolchain's race, not the target's.
		if [ "$(ls "$corpus" 2>/dev/null || true)" = "$before" ] && echo "$out" | grep -qx '    context deadline exceeded'; then
			echo "ok ($((SECONDS - t0)) s; the toolchain reported its own deadline, go.dev/issue/75804, with no failing input)"
			continue
		fi
		echo "FAILED"
		echo "$out" | tail -n 40
		exit 1
	fi
	execs=$(echo "$out" | grep -o 'execs: [0-9]*' | tail -n 1 | cut -d' ' -f2)
	echo "ok ($((SECONDS - t0)) s, ${execs:-?} execs)"
	if [ "${FUZZ_SAVE:-0}" = 1 ] && [ -d "$cache/${pkg#./}/$name" ]; then
		dest="$pkg/testdata/fuzz/$name"
		mkdir -p "$dest"
		# sed, not head: head would stop reading early, and find's SIGPIPE would end the run
		# under pipefail.
		find "$cache/${pkg#./}/$name" -type f | sort | sed -n "1,${FUZZ_SAVE_MAX:-20}p" | xargs -r cp -n -t "$dest"
	fi
done <<<"$targets"
echo "fuzz: $n targets passed in $((SECONDS - start)) s"
