#!/usr/bin/env bash
# Downloads a set of real Debian packages (sets/SET.list) with `apt-get download` and converts
# them into Axiom packages with debian-to-axiom, caching both outside the repository like the VM
# image (scripts/zfsvm/build-image.sh): the .deb files keyed by a hash of the set's names, the
# converted packages by a hash of the set and of the sources that convert it (this script and
# every Go file the converter is built from), so a warm machine reuses them and a change to the
# converter converts again. Prints the converted source directory.
#
# usage: fetch.sh SET         SET is small, large, or a path to a list of package names
# env:   AXIOM_REALPKGS_CACHE  cache root (default /var/cache/axiom-reconcile)
#        GO                    the go command (default: go)
#
# It needs root (dpkg-deb keeps owners and set-uid bits only for root), apt-get and dpkg-deb;
# it installs nothing. Apt's package lists are updated first when there are none.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
GO=${GO:-go}
cache_root=${AXIOM_REALPKGS_CACHE:-/var/cache/axiom-reconcile}
log() { printf 'realpkgs: %s\n' "$*" >&2; }

[ $# = 1 ] || { echo "usage: fetch.sh small|large|LIST" >&2; exit 2; }
list=$1
[ -f "$list" ] || list=$here/sets/$1.list
[ -f "$list" ] || { log "no set $1 (no file $list)"; exit 1; }
names=$(sed 's/#.*//' "$list" | tr -s ' \t' '\n\n' | sed '/^$/d' | sort -u)
[ -n "$names" ] || { log "$list names no packages"; exit 1; }

setkey=$(printf '%s\n' "$names" | sha256sum | cut -c1-16)
# The converter's sources: every non-test Go file of every package of this module it is built
# from, and go.mod/go.sum.
srcdirs=$(cd "$top" && "$GO" list -deps -f '{{if not .Standard}}{{.Dir}}{{end}}' ./scripts/realpkgs/debian-to-axiom | grep "^$top/")
key=$( {
	echo "$setkey"
	cat "$here/fetch.sh" "$top/go.mod" "$top/go.sum"
	for d in $srcdirs; do find "$d" -maxdepth 1 -name '*.go' ! -name '*_test.go' | sort | xargs cat; done
} | sha256sum | cut -c1-16)
out=$cache_root/realpkgs-$key
if [ -f "$out/ready" ]; then
	echo "$out/pkgs"
	exit 0
fi

[ "$(id -u)" = 0 ] || { log "converting needs root (dpkg-deb keeps owners and set-uid bits only for root)"; exit 1; }
for t in apt-get dpkg-deb flock; do
	command -v "$t" >/dev/null || { log "$t is missing (this script needs a Debian host)"; exit 1; }
done
mkdir -p "$cache_root"
# One fetcher at a time per machine; a second caller waits and then finds the set ready.
exec 9>"$cache_root/.realpkgs.lock"
flock 9
if [ -f "$out/ready" ]; then
	echo "$out/pkgs"
	exit 0
fi

debs=$cache_root/realpkgs-debs-$setkey
if [ ! -f "$debs/ready" ]; then
	if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then
		log "no apt package lists: apt-get update"
		apt-get update -qq >&2
	fi
	rm -rf "$debs.tmp"
	mkdir -p "$debs.tmp"
	log "downloading $(echo "$names" | wc -l) packages of $list"
	# shellcheck disable=SC2086 # one argument per name
	(cd "$debs.tmp" && apt-get download -q $names >&2 2>"$debs.tmp/apt.log") ||
		{ cat "$debs.tmp/apt.log" >&2; exit 1; }
	rm -f "$debs.tmp/apt.log"
	sha256sum "$debs.tmp"/*.deb | sed "s|$debs.tmp/||" >"$debs.tmp/SHA256SUMS"
	touch "$debs.tmp/ready"
	rm -rf "$debs"
	mv "$debs.tmp" "$debs"
fi

work=$(mktemp -d "$cache_root/.realpkgs-$key.XXXXXX")
trap 'rm -rf "$work"' EXIT
(cd "$top" && CGO_ENABLED=0 "$GO" build -o "$work/debian-to-axiom" ./scripts/realpkgs/debian-to-axiom)
log "converting into $out"
mkdir "$work/out"
"$work/debian-to-axiom" "$debs" "$work/out/pkgs" >"$work/summary.txt"
mv "$work/summary.txt" "$work/out/summary.txt"
cp "$debs/SHA256SUMS" "$work/out/SHA256SUMS"
tail -n 1 "$work/out/summary.txt" | sed 's/^/realpkgs: /' >&2
echo "$setkey" >"$work/out/setkey"
touch "$work/out/ready"
chmod 0755 "$work/out"
rm -rf "$out"
mv "$work/out" "$out"
# Conversions of this set by older converters are never used again.
for old in "$cache_root"/realpkgs-*/setkey; do
	d=${old%/setkey}
	if [ "$d" != "$out" ] && [ "$(cat "$old")" = "$setkey" ]; then
		rm -rf "$d"
	fi
done
echo "$out/pkgs"
