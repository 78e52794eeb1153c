#!/bin/sh
# Micro-benchmarks of the hot paths (Benchmarks/, ordo-one/benchmark): envelope parse/serialise,
# fan-out of one frame to N subscriber queues, the queue drop policy under overflow, and JSON
# encoding of a broadcast control message — each next to a peer measured in the same run.
# Prints the benchmark tool's progress, then one table: wall-clock p50 per operation, mallocs,
# and the ratio to its peer. Results of the last run stay in Benchmarks/.build/bench-results/.
#
#   sh scripts/bench.sh                      # all benchmarks (~1 min after the first build)
#   sh scripts/bench.sh --filter 'fan-out.*' # extra arguments go to `swift package benchmark`
#
# The first run builds the Benchmarks package in release (~15 min on the 2-core machine).
set -eu
cd "$(dirname "$0")/.."

# The parent package's system libraries (its manifest needs them to resolve, TirekServer links them).
missing=""
for p in libopus-dev libvpx-dev libqrencode-dev pkg-config python3; do
  dpkg -s "$p" > /dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing > /dev/null
fi

out=Benchmarks/.build/bench-results
rm -rf "$out" && mkdir -p "$out"
swift package --package-path Benchmarks --allow-writing-to-directory "$out" \
  benchmark --format jmh --path "$out" --no-progress "$@"
python3 - "$out" <<'PY'
import glob, json, re, sys
rows = {}
for path in glob.glob(sys.argv[1] + "/*.jmh.json"):
    for e in json.load(open(path)):
        name = e["benchmark"].split(".", 3)[-1].replace("_", " ")
        m = re.search(r"×(\d+)$", name)
        k = int(m.group(1)) if m else 1
        sec = e.get("secondaryMetrics", {})
        wall = next((v for key, v in sec.items() if "wall clock" in key), None)
        mallocs = next((v for key, v in sec.items() if key.startswith("Malloc (total)")), None)
        if wall is None:
            continue
        p50 = wall["scorePercentiles"]["50.0"] * 1000 / k   # μs per iteration -> ns per operation
        p90 = wall["scorePercentiles"]["90.0"] * 1000 / k
        mal = mallocs["scorePercentiles"]["50.0"] / k if mallocs else None
        rows[name] = (p50, p90, mal, k)

# Each measured path and the peer it is compared with (ratio = path / peer; > 1: slower than the peer).
pairs = [
    ("envelope: MediaHeader.parse ×1000", "envelope peer: raw 16-byte read ×1000"),
    ("envelope: MediaHeader.frame(4.2 KB payload) ×1000", "envelope peer: 4.2 KB payload copy ×1000"),
    ("fan-out: MediaFanout.publish 1 frame to 100 ×1", "fan-out peer: Array.append to 100 ×1"),
    ("fan-out: Outbound.sendMedia to 100 ×1", "fan-out peer: Array.append to 100 ×1"),
    ("fan-out: Outbound.sendMedia to 100 ×1", "fan-out peer: AsyncStream.yield to 100 ×1"),
    ("fan-out: SubscriberQueue.pushMedia to 100 ×1", "fan-out peer: Array.append to 100 ×1"),
    ("fan-out: MediaFanout.publish 1 frame to 1000 ×1", "fan-out peer: Array.append to 1000 ×1"),
    ("fan-out: Outbound.sendMedia to 1000 ×1", "fan-out peer: Array.append to 1000 ×1"),
    ("fan-out: Outbound.sendMedia to 1000 ×1", "fan-out peer: AsyncStream.yield to 1000 ×1"),
    ("fan-out: SubscriberQueue.pushMedia to 1000 ×1", "fan-out peer: Array.append to 1000 ×1"),
    ("fan-out: MediaFanout.publish 1 frame to 1000 ×1", "fan-out: Outbound.sendMedia to 1000 ×1"),
    ("drop: 1 s of media (80 frames) into a stalled queue ×80", "drop peer: 1 s of media (80 frames) into a drained queue ×80"),
    ("control: ServerEncoder.encode(presence) once ×1", "control peer: reused sorted JSONEncoder ×1"),
    ("control peer: encode per recipient + sendControl to 1000 ×1", "control: broadcast encode once + sendControl to 1000 ×1"),
]
def fmt(ns):
    return f"{ns/1e6:.2f} ms" if ns >= 1e6 else f"{ns/1e3:.2f} µs" if ns >= 1e4 else f"{ns:.1f} ns"
print()
print("| benchmark | p50 per op | p90 per op | mallocs per op |")
print("|---|---|---|---|")
for name, (p50, p90, mal, k) in rows.items():
    print(f"| {name} | {fmt(p50)} | {fmt(p90)} | {'n/a' if mal is None else f'{mal:g}'} |")
print()
print("| path | peer | path p50 | peer p50 | ratio (path / peer) |")
print("|---|---|---|---|---|")
for a, b in pairs:
    if a in rows and b in rows:
        print(f"| {a} | {b} | {fmt(rows[a][0])} | {fmt(rows[b][0])} | {rows[a][0] / rows[b][0]:.2f} |")
PY
