#!/usr/bin/env bash
# export --format parquet against flows on the same capture, same run:
# wall time of each, and the dataset's size against the capture's.
# Usage: benches/parquet_export.sh CAPTURE
set -euo pipefail
cd "$(dirname "$0")/.."
cap=${1:?capture}
cargo build --release -q
w=target/release/wirelens
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
t() { local s; s=$(date +%s.%N); "$@" >/dev/null 2>&1; echo "$(date +%s.%N) - $s" | bc; }
flows=$(t "$w" flows "$cap" --format json)
export=$(t "$w" export "$cap" --format parquet -w "$out/ds")
size=$(du -sb "$out/ds" | cut -f1)
capsize=$(stat -c %s "$cap")
echo "flows  ${flows} s"
echo "export ${export} s ($(echo "scale=2; $export / $flows" | bc)x flows)"
echo "dataset ${size} B = $(echo "scale=2; 100 * $size / $capsize" | bc) % of the capture"
