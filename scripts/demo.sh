#!/bin/sh
# Installs what is missing, builds Tirek, and starts it on its embedded SQLite store with a demo
# lesson (three small schools, a hub teacher, students, an observer); prints the join links.
# Options after the script name go to `tirek serve` (e.g. --port 9000 --public-url http://school.kz).
set -e
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
swift build --product tirek
mkdir -p data
exec .build/debug/tirek serve --demo --db data/tirek.sqlite --host "${TIREK_HOST:-127.0.0.1}" "$@"
