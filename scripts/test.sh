#!/bin/sh
# Builds everything the tests need, the `tirek` binary included (the process tests run it as a
# subprocess from .build/debug/tirek), then runs the whole suite.
set -e
cd "$(dirname "$0")/.."
swift build --build-tests
swift build --product tirek
swift test --skip-build "$@"
