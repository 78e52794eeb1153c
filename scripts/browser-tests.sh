#!/usr/bin/env bash
# Browser tests of the web client (Public/) through the real server with Debian's headless Chromium.
# Installs chromium, chromium-driver (apt) and selenium (pip) when missing, builds tirek if needed,
# and runs Tests/Browser/run_browser_tests.py. Screenshots go to $OUT_DIR (default /tmp/tirek-browser-shots).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium chromium-driver
fi
python3 -c "import selenium" 2>/dev/null || python3 -m pip install -q selenium
[ -x .build/debug/tirek ] || swift build --product tirek
exec python3 Tests/Browser/run_browser_tests.py "$@"
