#!/bin/sh
# /init of Chimera's Linux test initramfs (Tests/Guests/fetch.sh packs it
# with busybox-static). Prints one marker line the tests wait for, then
# runs the commands typed on the console; "poweroff" powers off (PSCI SYSTEM_OFF).
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mkdir -p /proc /sys /dev
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "CHIMERA-INIT: cpus=$(grep -c ^processor /proc/cpuinfo)"
while true; do
    printf '# '
    read -r line || break
    case "$line" in
        poweroff) poweroff -f ;;
        *) sh -c "$line" ;;
    esac
done
poweroff -f
