#!/bin/sh
# Runs inside the ZFS test VM (see capture-fixtures.sh): builds a small tree on a throwaway pool
# "tp", and writes into OUTDIR the exact output of the commands internal/zfs parses, and the
# stderr of the failures it classifies. Nothing here is edited by hand afterwards: the parser and
# classify tests read these files as real OpenZFS wrote them.
#
# usage: capture-guest.sh OUTDIR
set -u
out=$1
mkdir -p "$out"
img=/tmp/tp.img img2=/tmp/tp2.img
truncate -s 256M "$img" "$img2"
zpool create -f -O mountpoint=/tp -O compression=lz4 -O atime=off tp "$img" || exit 1
zpool create -f -O mountpoint=/tp2 tp2 "$img2" || exit 1

zfs version >"$out/version.txt"
weird=$(printf 'a\tb\nc \303\274')
set -e
zfs create -o "axiom:weird=$weird" -o axiom:managed-by=axiom-reconcile tp/a
zfs create -o axiom:x=007 -o readonly=on tp/a/b
zfs snapshot tp/a@s1
zfs hold keep tp/a@s1
zfs create tp/b
zfs clone -o mountpoint=none tp/a@s1 tp/c
zfs clone tp/a@s1 tp/b/d
# Names libzfs allows and our command-line rule does not: a component and a snapshot beginning
# with '-'.
zfs create tp/b/-x
zfs snapshot tp/b/-x@-daily
set +e

cols=name,type,guid,createtxg,creation,origin,userrefs,clones,mountpoint
zfs list -H -p -r -t filesystem,volume,snapshot -o "$cols" tp >"$out/list-2.3.txt"
zfs list -j -p -r -t filesystem,volume,snapshot -o "$cols" tp >"$out/list-2.3.json"
zfs get -H -p -r -t filesystem,volume -s local,inherited,received -o name,property,source,value all tp/a >"$out/get-2.3.txt"
zfs get -j -p -r -t filesystem,volume -s local,inherited,received -o name,property,source,value all tp/a >"$out/get-2.3.json"
props=type,guid,createtxg,creation,origin,userrefs,clones,mountpoint,readonly,axiom:managed-by,axiom:weird,axiom:x
zfs get -H -p -r -t filesystem,volume,snapshot -o name,property,source,value "$props" tp >"$out/getcols-2.3.txt"
zfs get -j -p -r -t filesystem,volume,snapshot -o name,property,source,value "$props" tp >"$out/getcols-2.3.json"

set -e
# For the failures below: a held snapshot with a child, and a tree whose top snapshot is held
# under a child that is not.
zfs create tp/h
zfs snapshot tp/h@s
zfs hold keep tp/h@s
zfs create tp/h/child
zfs snapshot tp/h/child@s
zfs create tp/r
zfs snapshot tp/r@s
zfs hold keep tp/r@s
zfs create tp/r/child
zfs snapshot tp/r/child@s
set +e

# cap KIND ARGS...: runs zfs ARGS and appends its stderr and exit status to stderr-2.3.txt under
# a header naming the condition internal/zfs must classify it as.
errs="$out/stderr-2.3.txt"
: >"$errs"
cap() {
	kind=$1
	shift
	echo "== $kind: zfs $*" >>"$errs"
	zfs "$@" 2>>"$errs" >/dev/null
	echo "== exit $?" >>"$errs"
}
cap ErrExist create tp/a
cap ErrExist snapshot tp/a@s1
cap ErrExist rename tp/c tp/b
cap ErrExist hold keep tp/a@s1
cap ErrNotExist create tp/x/y/z
cap ErrNotExist destroy tp/nope
cap ErrNotExist destroy tp/a@nope
cap ErrNotExist release nokeep tp/a@s1
cap ErrNotExist hold t tp/a@nope
cap ErrNotExist hold t tp/nope@s
cap ErrNotExist release t tp/a@nope
cap ErrNotExist list tp/nope
cap ErrNotExist clone tp/a@nope tp/q
cap ErrNotExist rename tp/c tp/n/m
cap ErrNotExist set axiom:x=1 tp/nope
cap ErrBusy destroy tp/b
cap ErrBusy destroy tp/h@s
cap ErrBusy destroy tp/a@s1
cap ErrBusy destroy -r tp/a
cap ErrBusy destroy -r tp/r
cap ErrInvalidName create 'tp/bad$name'
cap ErrInvalidName rename tp/c tp/c/sub
cap ErrInvalidName rename tp/c tp2/c
cap ErrInvalidName rename tp/a@s1 tp/b@s1
cap ErrInvalidName rename tp/c tp/c@x
cap ErrNotMounted create -o mountpoint=/tmp/tp.img tp/nm
cap Partial hold keep tp/h@s tp/h/child@s
cap Partial release keep tp/h@s tp/h/child@s tp/h@nope tp/nope@s

zpool destroy -f tp2
zpool destroy -f tp
rm -f "$img" "$img2"
