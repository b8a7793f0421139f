#!/bin/sh
# Fetches the Linux guest the tests use, the way a user would, into
# .cache/guests/linux-arm64/ (ignored by git):
#   Image      Debian's cloud arm64 kernel (an uncompressed arm64 Image)
#   initrd.gz  a gzip'd newc cpio with busybox-static and Tests/Guests/init.sh as /init
#   VERSION    the kernel and busybox package versions
# Idempotent: with both files present it does nothing and needs no network.
# Needs root for dpkg --add-architecture and apt-get; otherwise it prints
# the commands to run and fails.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/.cache/guests/linux-arm64"
if [ -s "$out/Image" ] && [ -s "$out/initrd.gz" ]; then
    exit 0
fi

need_setup=""
dpkg --print-foreign-architectures | grep -qx arm64 || need_setup="arch"
command -v cpio >/dev/null 2>&1 || need_setup="$need_setup cpio"
if [ -n "$need_setup" ] || ! apt-cache show busybox-static:arm64 >/dev/null 2>&1; then
    if [ "$(id -u)" != "0" ]; then
        echo "fetch.sh: the Linux test guest needs Debian's arm64 packages; run as root:" >&2
        echo "  sudo dpkg --add-architecture arm64 && sudo apt-get update && sudo apt-get install -y cpio" >&2
        echo "then run make test again." >&2
        exit 1
    fi
    dpkg --add-architecture arm64
    apt-get update -qq
    command -v cpio >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cpio >/dev/null
fi

# The metapackage names the current kernel package.
kernel=$(apt-cache depends linux-image-cloud-arm64:arm64 | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\).*/\1/p' | head -n 1)
if [ -z "$kernel" ]; then
    echo "fetch.sh: apt-cache depends linux-image-cloud-arm64:arm64 names no linux-image package" >&2
    exit 1
fi
kernel=${kernel%:arm64}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chown _apt "$work" 2>/dev/null || true  # apt-get download runs as _apt when it can
cd "$work"
apt-get download -q "$kernel:arm64" busybox-static:arm64 >/dev/null
for deb in ./*.deb; do dpkg-deb -x "$deb" tree; done

vmlinuz=$(ls tree/boot/vmlinuz-* | head -n 1)
# An uncompressed arm64 Image carries "ARM\x64" at offset 0x38.
magic=$(dd if="$vmlinuz" bs=1 skip=56 count=4 2>/dev/null | od -An -tx1 | tr -d ' \n')
if [ "$magic" != "41524d64" ]; then
    echo "fetch.sh: $vmlinuz is not an uncompressed arm64 Image (magic $magic)" >&2
    exit 1
fi

mkdir -p initramfs/bin initramfs/proc initramfs/sys initramfs/dev
cp tree/bin/busybox initramfs/bin/busybox
ln -s busybox initramfs/bin/sh
cp "$root/Tests/Guests/init.sh" initramfs/init
chmod 755 initramfs/init initramfs/bin/busybox
(cd initramfs && find . | LC_ALL=C sort | cpio -o -H newc --quiet --owner=0:0) | gzip -9n > initrd.gz

mkdir -p "$out"
cp "$vmlinuz" "$out/Image.tmp" && mv "$out/Image.tmp" "$out/Image"
mv initrd.gz "$out/initrd.gz"
{
    dpkg-deb -f ./linux-image-*.deb Package Version
    dpkg-deb -f ./busybox-static*.deb Package Version
} > "$out/VERSION"
echo "fetch.sh: $(tr '\n' ' ' < "$out/VERSION")-> $out"
