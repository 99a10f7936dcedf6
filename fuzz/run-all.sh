#!/usr/bin/env bash
# Runs fuzz targets for SECONDS each (default 180), one after another:
# every target, or only those named after SECONDS.
set -u
cd "$(dirname "$0")"
secs=${1:-180}
shift || true
targets=${*:-$(RUSTC_BOOTSTRAP=1 cargo fuzz list)}
for t in $targets; do
  echo "== $t"
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$t" -- -max_total_time="$secs" -rss_limit_mb=2048 2>&1 | grep -E "Done [0-9]+ runs|ERROR|panicked|SUMMARY|crash-|deadly signal" | tail -3
done
