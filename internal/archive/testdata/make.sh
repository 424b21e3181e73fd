#!/bin/sh
# Regenerates the committed test archives with GNU tar (1.34), gzip, zstd, xz and bzip2, so that the tests
# also see archives written by a real tar rather than only by archive/tar. Needs root (mknod).
# Run from this directory: sh make.sh. The tests never run this script.
set -eu
here=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
T="tar -b 1 --owner=0 --group=0 --numeric-owner --mtime=2020-01-01 --sort=name"

# Accepted: a package under a single top-level folder, with a setuid file (kept, bit kept),
# a symlink, a hard link and a name too long for ustar (GNU long-name header); and the same with
# an absolute symlink, as real packages ship them, compressed with xz and bzip2.
long=root/share/$(printf 'very-long-directory-name-%s/' 1 2 3 4)file.txt
mkdir -p pkg-1.0/root/bin "pkg-1.0/$(dirname "$long")"
printf 'name: hello\nversion: 1.0.0\n' > pkg-1.0/manifest.yaml
printf '#!/bin/sh\necho hello\n' > pkg-1.0/root/bin/hello
chmod 4755 pkg-1.0/root/bin/hello
ln -s hello pkg-1.0/root/bin/hi
ln pkg-1.0/root/bin/hello pkg-1.0/root/bin/hello2
echo long > "pkg-1.0/$long"
$T --format=gnu -cf - pkg-1.0 | zstd -q -19 > "$here/good-gnu.tar.zst"
$T --format=pax -czf "$here/good-pax.tgz" -C pkg-1.0 .
ln -s /etc/ssl/certs/ca-certificates.crt pkg-1.0/root/cert.pem
$T --format=gnu -cf - pkg-1.0 | xz -9 > "$here/good-gnu.tar.xz"
$T --format=pax -cf - pkg-1.0 | bzip2 -9 > "$here/good-pax.tar.bz2"

# Rejected, one attack each.
echo x > f
$T -P --transform 's,^f$,/etc/passwd,' -cf "$here/absolute.tar" f
$T -P --transform 's,^f$,a/../../x,' -czf "$here/dotdot.tar.gz" f
mkdir -p s/root && ln -s /etc s/root/etc
$T -P --transform 's,^f$,s/root/etc/passwd,' -cf "$here/through-symlink.tar" s f
$T -P --transform 's,^f$,s/root/etc/passwd,' -cf - s f | xz > "$here/through-symlink.tar.xz"
$T -P --transform 's,^f$,a/../../x,' -cf - f | bzip2 > "$here/dotdot.tar.bz2"
# Broken streams: a flipped byte inside the xz data, a bzip2 stream cut short.
head -c 20000 /dev/urandom > noise
$T -cf - noise | xz > good.xz
size=$(stat -c %s good.xz)
{ head -c $((size / 2)) good.xz; printf '\377'; tail -c +$((size / 2 + 2)) good.xz; } > "$here/corrupt.tar.xz"
$T -cf - noise | bzip2 > good.bz2
head -c $(($(stat -c %s good.bz2) - 100)) good.bz2 > "$here/truncated.tar.bz2"
echo y > a && ln a b
$T -P --transform 's,^a$,../outside,RSh' -cf "$here/hardlink-escape.tar" a b
mkfifo fifo && $T -cf "$here/fifo.tar" fifo
mknod null c 1 3 && $T -cf "$here/chardev.tar" null
$T -cf "$here/duplicate.tar" f f
