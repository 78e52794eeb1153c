#!/bin/sh
# Installs what is missing and runs every test: the protocol schema check, the nginx TLS proxy check,
# the browser tests, and the Swift test suite (unit, protocol vectors, real servers over real
# WebSockets, the SIGKILL process test, which runs the `tirek` binary built here), and a short
# libFuzzer run over the control decoder and the media envelope (scripts/fuzz.sh; seconds per
# target from TIREK_FUZZ_SECONDS, default 20; 0 builds the fuzzers without running them).
set -e
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
swift build --build-tests
swift build --product tirek
python3 -c "import jsonschema" 2>/dev/null || pip install -q jsonschema
python3 Protocols/vectors/check_schema.py
bash scripts/fuzz.sh "${TIREK_FUZZ_SECONDS:-20}"
bash scripts/check-nginx-proxy.sh
bash scripts/browser-tests.sh
swift test --skip-build "$@"
