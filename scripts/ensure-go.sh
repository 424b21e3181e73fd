#!/usr/bin/env bash
# Prints the path of a Go toolchain new enough for this module (go.mod's `go` line), installing
# one first if the machine has none: a fresh Debian 12 ships Go 1.19, far too old. The toolchain
# is the official one, fetched as the module golang.org/toolchain from the Go module proxy (the
# same zip `GOTOOLCHAIN=auto` would fetch), checked against the SHA-256 pinned below, and unpacked
# into a cache outside the repository, so a warm machine never downloads it again.
#
# usage: ensure-go.sh        prints the go binary to use; progress goes to stderr
# env:   GO                  a go binary to use if it is new enough
#        AXIOM_GO_CACHE      where to unpack (default /var/cache/axiom-reconcile/go-<version>)
#        GOPROXY             the module proxy (default https://proxy.golang.org)
set -euo pipefail

# The pinned toolchain. To move to a newer one, change both lines: the sum is `sha256sum` of
# $GOPROXY/golang.org/toolchain/@v/v0.0.1-go<version>.linux-amd64.zip.
version=1.26.8
zip_sha256=30c2b1bf7dcc88d3eb0a1364e47ddd9128edb3110a30e8a0ef61cd5856b31de7

here=$(cd "$(dirname "$0")" && pwd)
want=$(sed -n 's/^go \([0-9][0-9.]*\).*/\1/p' "$here/../go.mod")
log() { printf 'ensure-go: %s\n' "$*" >&2; }

# new_enough GO: GO runs and its version is at least go.mod's.
new_enough() {
	local v
	v=$("$1" env GOVERSION 2>/dev/null) || return 1
	v=${v#go}
	[ "$(printf '%s\n%s\n' "$want" "$v" | sort -V | head -n 1)" = "$want" ]
}

cache=${AXIOM_GO_CACHE:-/var/cache/axiom-reconcile/go-$version}
for cand in ${GO:-} "$(command -v go 2>/dev/null || true)" /usr/local/go/bin/go "$cache/bin/go"; do
	if [ -n "$cand" ] && [ -x "$(command -v "$cand" 2>/dev/null || echo "$cand")" ] && new_enough "$cand"; then
		command -v "$cand" 2>/dev/null || echo "$cand"
		exit 0
	fi
done

case "$(uname -s)/$(uname -m)" in
Linux/x86_64) ;;
*) log "no Go >= $want found, and this script only installs one on Linux/x86_64; install Go $want or newer"; exit 1 ;;
esac
need=()
command -v curl >/dev/null || need+=(curl ca-certificates)
command -v unzip >/dev/null || need+=(unzip)
if [ ${#need[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || { log "no Go >= $want found; installing one needs ${need[*]} (run as root)"; exit 1; }
	log "installing ${need[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

proxy=${GOPROXY:-https://proxy.golang.org}
proxy=${proxy%%,*}
[ "$proxy" != direct ] && [ "$proxy" != off ] || proxy=https://proxy.golang.org
mod=golang.org/toolchain@v0.0.1-go$version.linux-amd64
url=$proxy/golang.org/toolchain/@v/v0.0.1-go$version.linux-amd64.zip
mkdir -p "$(dirname "$cache")"
work=$(mktemp -d "$(dirname "$cache")/.go-$version.XXXXXX")
trap 'rm -rf "$work"' EXIT
log "no Go >= $want found: fetching Go $version from $url"
curl -sSfL --retry 3 -o "$work/go.zip" "$url"
got=$(sha256sum "$work/go.zip" | cut -d' ' -f1)
if [ "$got" != "$zip_sha256" ]; then
	log "checksum mismatch for $url: got $got, want $zip_sha256"
	exit 1
fi
unzip -q "$work/go.zip" -d "$work/x"
chmod -R a+rX "$work/x/$mod"
"$work/x/$mod/bin/go" version >&2
rm -rf "$cache"
mv "$work/x/$mod" "$cache"
log "Go $version installed in $cache"
echo "$cache/bin/go"
