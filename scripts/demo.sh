#!/usr/bin/env bash
# make demo: a throwaway file-backed pool, every configuration in examples/ applied to it (with
# the sample packages in examples/packages), `status` shown, and a second `plan` showing no
# changes. Natively when this host has ZFS, otherwise inside the qemu test VM (scripts/zfsvm).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bin=bin/axiom-reconcile
[ -x "$bin" ] || { echo "demo: $bin is missing; run make build" >&2; exit 1; }

out=.build/demo
rm -rf "$out"
mkdir -p "$out"
cp -r examples "$out/examples"
examples=$(cd examples && ls -d */ | tr -d / | grep -v -e "^packages$" -e "^fleet$" | tr "\n" " ")
pool=axdemo

# Point each example at its own root in the demo pool (examples/ name zroot/axiom, as a real
# host would).
for ex in $examples; do
	for f in "$out/examples/$ex"/*.hcl; do
		sed -i -e "s|dataset *= *\"[^\"]*\"|dataset    = \"$pool/$ex\"|" \
			-e "s|mountpoint *= *\"[^\"]*\"|mountpoint = \"/$pool/$ex\"|" "$f"
	done
done

cat >"$out/payload" <<PAYLOAD
#!/bin/sh
set -eu
here=\$(cd "\$(dirname "\$0")" && pwd)
repo=\$(cd "\$here/../.." && pwd)
ar="\$repo/$bin"
pool=$pool
img=\${DEMO_POOL_DIR:-/tmp}/\$pool.img
step() { printf '\n\033[1m==> %s\033[0m\n' "\$*"; }
step "ZFS: \$(zfs version | head -n 1); a throwaway pool \$pool on \$img"
truncate -s 2G "\$img"
zpool create -f -O mountpoint=none "\$pool" "\$img"
trap 'zpool destroy -f "\$pool"; rm -f "\$img"' EXIT
cd "\$here/examples"
for ex in $examples; do
	step "axiom-reconcile apply -c examples/\$ex"
	"\$ar" apply -c "\$ex" --lock-file /tmp/axdemo.lock --gc-lock-file /tmp/axdemo-gc.lock --log-level warn
	step "axiom-reconcile status -c examples/\$ex"
	"\$ar" status -c "\$ex"
	step "axiom-reconcile plan -c examples/\$ex --detailed-exitcode   (a second plan: no changes)"
	"\$ar" plan -c "\$ex" --detailed-exitcode --lock-file /tmp/axdemo.lock
done
step "using an environment: . /$pool/workstation/env/dev/activate"
sh -c ". /$pool/workstation/env/dev/activate && echo \"PATH=\\\$PATH\" && bash && vim"
step "done: every example applied, and a second plan found nothing to change"
PAYLOAD
chmod +x "$out/payload"

if command -v zfs >/dev/null 2>&1 && [ -e /dev/zfs ] && zfs version >/dev/null 2>&1; then
	[ "$(id -u)" = 0 ] || { echo "demo: needs root (it creates a pool)" >&2; exit 1; }
	if zpool list -H "$pool" >/dev/null 2>&1; then
		echo "demo: a pool named $pool already exists on this host; the demo needs that name for its throwaway pool" >&2
		exit 1
	fi
	dir=$(mktemp -d)
	trap 'rm -rf "$dir"' EXIT
	DEMO_POOL_DIR="$dir" sh "$out/payload"
else
	echo "demo: this host has no ZFS kernel module; running the demo inside the ZFS test VM" >&2
	scripts/zfsvm/run.sh . "$out"
fi
