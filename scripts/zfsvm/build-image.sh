#!/usr/bin/env bash
# Builds the qemu guest image the real-OpenZFS tests run in (Debian 12 + OpenZFS from
# bookworm-backports, see README "Testing"). The image is cached outside the repository, keyed by a
# hash of the files that build it, so a warm machine reuses it and any change here rebuilds it.
#
# usage: build-image.sh            prints the image directory (building it if needed)
# env:   AXIOM_VM_CACHE            cache root (default /var/cache/axiom-reconcile)
#        DEBIAN_MIRROR             default http://deb.debian.org/debian
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache_root=${AXIOM_VM_CACHE:-/var/cache/axiom-reconcile}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
key=$(cat "$here/build-image.sh" "$here/guest-init" | sha256sum | cut -c1-16)
image_dir="$cache_root/zfsvm-$key"

log() { printf 'zfsvm: %s\n' "$*" >&2; }

if [ -f "$image_dir/ready" ]; then
	echo "$image_dir"
	exit 0
fi

[ "$(id -u)" = 0 ] || { log "building the test VM image needs root (debootstrap, chroot)"; exit 1; }

"$here/host-deps.sh"

mkdir -p "$cache_root"
# One builder at a time per machine; a second caller waits and then finds the image ready.
exec 9>"$cache_root/.build.lock"
flock 9
if [ -f "$image_dir/ready" ]; then
	echo "$image_dir"
	exit 0
fi

work=$(mktemp -d "$cache_root/.build-$key.XXXXXX")
root="$work/root"
cleanup() {
	for m in dev/pts dev sys proc; do umount -l "$root/$m" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

start=$SECONDS
log "debootstrap bookworm (minbase) from $mirror"
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
	{ tail -n 40 "$work/debootstrap.log" >&2; exit 1; }

cat >"$root/etc/apt/sources.list" <<SRC
deb $mirror bookworm main contrib
deb $mirror bookworm-updates main contrib
deb $mirror bookworm-backports main contrib
deb http://deb.debian.org/debian-security bookworm-security main contrib
SRC
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"
mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
mount --bind /dev "$root/dev"
mount -t devpts devpts "$root/dev/pts"

in_root() { DEBIAN_FRONTEND=noninteractive chroot "$root" "$@"; }
apt_install() { in_root apt-get install -y --no-install-recommends -o Dpkg::Use-Pty=0 "$@"; }

log "guest kernel and headers"
in_root apt-get update -o Dpkg::Use-Pty=0 >"$work/apt.log" 2>&1 || { tail -n 40 "$work/apt.log" >&2; exit 1; }
apt_install linux-image-amd64 linux-headers-amd64 kmod udev procps iproute2 >>"$work/apt.log" 2>&1 ||
	{ tail -n 40 "$work/apt.log" >&2; exit 1; }
# The fleet test (contrib/ansible) drives three stores from one Git repository with ansible-playbook.
log "ansible-core and git for the fleet test"
apt_install ansible-core git >>"$work/apt.log" 2>&1 || { tail -n 40 "$work/apt.log" >&2; exit 1; }
log "OpenZFS from bookworm-backports (DKMS build, a few minutes)"
apt_install -t bookworm-backports zfs-dkms zfsutils-linux >>"$work/apt.log" 2>&1 ||
	{ tail -n 60 "$work/apt.log" >&2; exit 1; }

kver=$(ls "$root/lib/modules" | sort -V | tail -n 1)
if ! ls "$root/lib/modules/$kver/updates/dkms/"zfs.ko* >/dev/null 2>&1; then
	log "zfs.ko was not built for guest kernel $kver"
	tail -n 60 "$work/apt.log" >&2
	exit 1
fi

# Slim the image a little. The compiler stays: removing it would take DKMS and the module with it.
in_root apt-get clean
rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/* "$root"/var/lib/apt/lists/*

install -m 0755 "$here/guest-init" "$root/sbin/axiom-init"
mkdir -p "$root/mnt/share"
echo axiomvm >"$root/etc/hostname"

for m in dev/pts dev sys proc; do umount -l "$root/$m"; done
out="$work/out"
mkdir -p "$out"
cp "$root/boot/vmlinuz-$kver" "$out/vmlinuz"
cp "$root/boot/initrd.img-$kver" "$out/initrd.img"
log "making the root filesystem image"
truncate -s 2G "$out/disk.img"
mkfs.ext4 -q -F -L axiomroot -d "$root" "$out/disk.img"
echo "$kver" >"$out/kernel-version"
touch "$out/ready"

rm -rf "$image_dir"
mv "$out" "$image_dir"
# Images built by earlier versions of these scripts are dead weight (about 1 GiB each).
find "$cache_root" -maxdepth 1 -name 'zfsvm-*' ! -name "zfsvm-$key" -exec rm -rf {} +
log "image ready in $image_dir after $((SECONDS - start)) s"
echo "$image_dir"
