#!/usr/bin/env bash
# What decryption costs: loading an all-TLS capture (made by
# benches/tls_bulk_capture.py: 40 TLS 1.3 AES-128-GCM downloads of 5 MB on
# loopback) as the app does (`wirelens bench`), without and with its key
# log, interleaved, three times; and tshark's protocol hierarchy (which
# dissects every packet) the same two ways, same run.
#
#   benches/tls_decrypt.sh [STEM]   (default /tmp/wirelens-tls-bulk)
set -eu
cd "$(dirname "$0")/.."
stem=${1:-/tmp/wirelens-tls-bulk}
[ -f "$stem.pcap" ] || python3 benches/tls_bulk_capture.py "$stem" 40 5
cargo build --release -q
w=target/release/wirelens
secs() { /usr/bin/time -f %e "$@" 2>&1 >/dev/null | tail -n 1; }
for i in 1 2 3; do
  echo "run $i: wirelens $(secs $w bench "$stem.pcap") s, with keys $(secs $w bench "$stem.pcap" --keylog "$stem.keys") s"
done
for i in 1 2; do
  echo "run $i: tshark -z io,phs $(secs tshark -r "$stem.pcap" -q -z io,phs) s, with keys $(secs tshark -r "$stem.pcap" -q -z io,phs -o "tls.keylog_file:$stem.keys") s"
done
