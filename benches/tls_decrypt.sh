#!/usr/bin/env bash
# What decryption costs: loading an all-TLS capture (made by
# benches/tls_bulk_capture.py: 40 TLS 1.3 downloads of 5 MB on loopback,
# 1500-byte packets) as the app does (`wirelens bench`), without and with
# its key log, interleaved, RUNS times (default 9); prints each run's
# analysis seconds and the medians' ratio. Then tshark's protocol
# hierarchy (which dissects every packet) the same two ways, same run.
#
#   benches/tls_decrypt.sh [STEM] [RUNS]   (default /tmp/wirelens-tls-bulk)
set -eu
cd "$(dirname "$0")/.."
stem=${1:-/tmp/wirelens-tls-bulk}
runs=${2:-9}
[ -f "$stem.pcap" ] || python3 benches/tls_bulk_capture.py "$stem" 40 5
cargo build --release -q
w=target/release/wirelens
analysis() { "$w" bench "$@" | sed -n 's/.*"seconds": \([0-9.]*\).*/\1/p'; }
plain=() keyed=()
for i in $(seq "$runs"); do
  plain+=("$(analysis "$stem.pcap")")
  keyed+=("$(analysis "$stem.pcap" --keylog "$stem.keys")")
  echo "run $i: wirelens ${plain[-1]} s, with keys ${keyed[-1]} s"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
p=$(median "${plain[@]}") k=$(median "${keyed[@]}")
awk -v p="$p" -v k="$k" 'BEGIN {printf "median: %.3f s, with keys %.3f s: decryption adds %.0f %%\n", p, k, (k / p - 1) * 100}'
secs() { /usr/bin/time -f %e "$@" 2>&1 >/dev/null | tail -n 1; }
for i in 1 2; do
  echo "run $i: tshark -z io,phs $(secs tshark -r "$stem.pcap" -q -z io,phs) s, with keys $(secs tshark -r "$stem.pcap" -q -z io,phs -o "tls.keylog_file:$stem.keys") s"
done
