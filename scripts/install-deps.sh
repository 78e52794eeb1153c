#!/bin/sh
# Installs the Debian packages Tirek builds against, if any is missing. Run as root.
set -e
PACKAGES="libsqlite3-dev libopus-dev libvpx-dev libqrencode-dev libssl-dev openssl pkg-config"
missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "Installing:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi
command -v swift >/dev/null 2>&1 || { echo "swift is not on PATH (Swift 6.3 toolchain expected, e.g. /opt/swift/usr/bin)"; exit 1; }
