#!/usr/bin/env bash
# Makes sure the tools the unit tests run are there: a C compiler (`go test -race` needs cgo, and
# a fresh Debian 12 has no gcc), git (internal/gitrev and contrib/git-sync
# build repositories with it), ssh-keygen (git-sync's signed-commit test signs with an SSH key),
# flock (axiom-config-sync), python3 (contrib/ansible's module tests), bzip2 (Go has no bzip2
# writer: the .tar.bz2 tests make their archives with it), zsh and fish (the generated shell
# completions are syntax-checked by the shells that read them). Installs Debian's packages
# (root) for any that is missing; prints nothing on success.
set -euo pipefail
missing=()
command -v "${CC:-gcc}" >/dev/null || missing+=(gcc libc6-dev)
command -v git >/dev/null || missing+=(git)
command -v ssh-keygen >/dev/null || missing+=(openssh-client)
command -v flock >/dev/null || missing+=(util-linux)
command -v python3 >/dev/null || missing+=(python3)
command -v bzip2 >/dev/null || missing+=(bzip2)
command -v zsh >/dev/null || missing+=(zsh)
command -v fish >/dev/null || missing+=(fish)
[ ${#missing[@]} -eq 0 ] && exit 0
[ "$(id -u)" = 0 ] || { echo "ensure-test-tools: the unit tests need ${missing[*]}; install them (as root: apt-get install ${missing[*]})" >&2; exit 1; }
echo "ensure-test-tools: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
