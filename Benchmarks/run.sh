#!/usr/bin/env bash
# Prints the benchmark figures of the README: scheduler bookkeeping over 100,000 images with an
# instant engine, and the Hollstein tests on the real 13-band scenes (I/O excluded).
# Each runs in its own process so the peak RSS is the scheduler's alone.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
swift build -c release --product verdant-bench
bench=.build/release/verdant-bench
$bench scheduler "${IMAGES:-100000}" "${NB_TASK_MAX:-30}"
data="${VERDANT_DATA:-../shared/data}"
if [ -d "$data/eolearn_slovenia" ]; then
  $bench hollstein "$data"
else
  echo "hollstein  skipped: $data/eolearn_slovenia not found (set VERDANT_DATA)"
fi
