#!/usr/bin/env bash
# Boots the ZFS test VM with SHARE mounted at /mnt/share, runs SHARE/RUNDIR/payload inside it (as
# root, zfs module loaded, /tmp a tmpfs), streams its output and exits with its exit code.
#
# usage: run.sh SHARE RUNDIR
# env:   AXIOM_VM_TIMEOUT  seconds before the VM is killed (default 3000)
#        AXIOM_VM_MEMORY   guest memory in MiB (default 3072)
#        AXIOM_VM_CPU      qemu's CPU model (default qemu64)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
share=$(cd "$1" && pwd)
rundir=$2
[ -f "$share/$rundir/payload" ] || { echo "zfsvm: no payload at $share/$rundir/payload" >&2; exit 1; }

# A cached image does not mean this host can boot it: a fresh machine with a restored cache has no
# qemu yet (build-image.sh installs the host packages only when it builds).
command -v qemu-system-x86_64 >/dev/null || "$here/host-deps.sh"
image=$("$here/build-image.sh")
log="$share/$rundir/console.log"
rm -f "$share/$rundir/rc" "$log"
: >"$log"

# Only the payload's own output is shown: the firmware's and the guest's boot messages (SeaBIOS,
# screen clears, init's complaints) come before a marker, printed by a wrapper around the
# payload, and are kept in the console log only. Rewrapping is idempotent.
marker='@@axiom-payload-start@@'
if ! grep -q "$marker" "$share/$rundir/payload"; then
	mv "$share/$rundir/payload" "$share/$rundir/payload.inner"
	printf '#!/bin/sh\necho %s\nexec sh "$(dirname "$0")/payload.inner" "$@"\n' "$marker" >"$share/$rundir/payload"
	chmod +x "$share/$rundir/payload"
fi
echo "zfsvm: booting the OpenZFS guest (under emulation this takes a minute; its console is in $log)" >&2

# The CPU model: qemu64, not max. Under TCG, max's AVX and extended state make every context
# switch and vector loop cost more: a guest with max ran `zfs list` 25%, `zfs create` 15-20% and
# a Go SHA-256 loop 30% slower than with qemu64 (same host, side by side; AMD-style, so the
# guest kernel turns on no Meltdown or MDS mitigations either). Nothing the tests run needs
# more than baseline x86-64.
accel=(-accel tcg -cpu "${AXIOM_VM_CPU:-qemu64}")
# The clock: TSC. The guest kernel does not trust an emulated CPU's TSC and falls back to the
# emulated HPET, so every clock read (Go's scheduler reads it constantly, the kernel's timers too)
# is a system call and a device access: 200,000 time.Now() calls took 0.56-0.99 s with it and
# 0.06-0.08 s with the TSC. The TSC here follows the host's clock, so it is steady.
clock="clocksource=tsc tsc=reliable"
# No address-space randomization (norandmaps): QEMU 7.2's TCG finds a translated block by its
# virtual address too, so with ASLR every process's shared libraries land elsewhere and are
# translated again, in every process. Without it /bin/true took 15-26 ms instead of 52 and
# `zfs list` 91-107 ms instead of 221 (ten runs each in an idle guest; docs/benchmarks.md). The
# guest is a throwaway test machine; nothing in it needs ASLR.
timeout "${AXIOM_VM_TIMEOUT:-3000}" qemu-system-x86_64 "${accel[@]}" \
	-m "${AXIOM_VM_MEMORY:-3072}" -smp 2 -nographic -no-reboot -nodefaults \
	-serial "file:$log" -monitor none \
	-kernel "$image/vmlinuz" -initrd "$image/initrd.img" \
	-append "root=/dev/vda rw console=ttyS0 panic=-1 init=/sbin/axiom-init quiet loglevel=3 axiom.run=$rundir $clock norandmaps" \
	-drive "file=$image/disk.img,format=raw,if=virtio,snapshot=on" \
	-virtfs "local,path=$share,mount_tag=share,security_model=none,id=share" &
qemu=$!
# Stream the console while the guest runs: after the marker, without carriage returns.
# (sed -u, not awk: Debian's mawk reads a pipe in blocks, so lines would come late.)
# Kernel messages ("[  288.4] reboot: Power down") stay in the log too.
tail -n +1 -s 0.2 -f "$log" --pid="$qemu" | sed -u -n "/$marker/,\$ { /$marker/d; /^\[ *[0-9]*\.[0-9]*\] /d; s/\r\$//; p; }" &
tailer=$!
set +e
wait "$qemu"
status=$?
set -e
# tail ends by itself once qemu is gone and it has read the rest of the log; awk then.
wait "$tailer" 2>/dev/null || true

if [ ! -f "$share/$rundir/rc" ]; then
	echo "zfsvm: the guest stopped without reporting a result (qemu exit $status); the end of its console ($log):" >&2
	tail -n 40 "$log" | tr -d '\r' | sed 's/^/zfsvm:   /' >&2
	exit 1
fi
exit "$(cat "$share/$rundir/rc")"
