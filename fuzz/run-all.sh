#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 180), one after another.
set -u
cd "$(dirname "$0")"
secs=${1:-180}
for t in $(RUSTC_BOOTSTRAP=1 cargo fuzz list); do
  echo "== $t"
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$t" -- -max_total_time="$secs" -rss_limit_mb=2048 2>&1 | grep -E "Done [0-9]+ runs|ERROR|panicked|SUMMARY|crash-|deadly signal" | tail -3
done
