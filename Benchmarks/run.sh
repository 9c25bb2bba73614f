#!/usr/bin/env bash
# Prints the benchmark figures of the README. Each runs in its own process so its peak RSS is
# its own. Set VERDANT_DATA to the shared data folder (default ../shared/data).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
swift build -c release --product verdant-bench
bench=.build/release/verdant-bench
$bench scheduler --images "${IMAGES:-100000}" --nb-task-max "${NB_TASK_MAX:-30}" --stages 1
$bench scheduler --images "${IMAGES:-100000}" --nb-task-max 3000 --stages 1
$bench scheduler --images "${IMAGES:-100000}" --nb-task-max "${NB_TASK_MAX:-30}" --stages 2
$bench fill --slots 3000 --latency 0.3 --unclear 0.1 --concurrency 24
$bench cycle --images "${IMAGES:-100000}" --in-flight 3000
# Earth Engine against the fake server: calls per image and per refresh (against the original's
# one status call per task per refresh), then the 3000-task queue filled from a server answering
# in 300 ms.
$bench earthengine --images 3000 --nb-task-max 500 --task-duration 3 --slots 3000 --latency 0.3
# Real inputs over HTTP against the loopback STAC API: 1,000 items listed in pages of 100; bytes
# a mask job fetches per image against its band files (samples, then a tile of real size).
$bench stac --items 1000 --page 100
# The store is built by one process, measured by another: the peak RSS is the dashboard's.
store=$($bench dashboard --prepare --images $(( ${IMAGES:-100000} / 2 )))
$bench dashboard --store "$store" --rows 60 --cols 200
data="${VERDANT_DATA:-../shared/data}"
if [ -d "$data/eolearn_slovenia" ]; then
  $bench hollstein "$data"
else
  echo "hollstein  skipped: $data/eolearn_slovenia not found (set VERDANT_DATA)"
fi
# The full cloud model: one image at 30 m against its reads, each stage in Mpx/s, and the numpy
# implementation of the same model on the same arrays.
dump=$(mktemp -d)
$bench cloudmodel --dump "$dump"
python3 Benchmarks/seed_model.py "$dump"
rm -rf "$dump"
# Gap filling: each method's px/s on the 68-date series, the seed cascade against numpy's
# float64 per-pixel lstsq (same input), numpy's own px/s, and a synthetic 10980-column tile's
# peak RSS (TILE_ROWS rows, default the full 10980).
ref=$(mktemp -d)
python3 Benchmarks/fill_reference.py --series samples/series --withheld samples/series/withheld.csv --out "$ref"
python3 Benchmarks/fill_reference.py --series samples/series --bench
$bench gapfill --reference "$ref" --tile-rows "${TILE_ROWS:-10980}"
rm -rf "$ref"
