#!/usr/bin/env bash
# What QUIC costs beside TLS: loading ~1M packets of QUIC with HTTP/3 and
# ~1M packets of TLS over TCP, each with its key log, as the app does
# (`wirelens bench -Y frame`: every packet dissected and decrypted, its
# tape and decrypted bytes kept for re-dissection; the load's seconds),
# interleaved, RUNS times (default 5); prints each run's analysis seconds,
# the medians and their ratio (issue 19 asks for at most 1.5), per packet
# too. Then tshark's protocol hierarchy over both, with the keys, once.
#
#   benches/quic_vs_tls.sh [DIR] [RUNS]   (captures made in DIR if missing,
#                                          default /tmp; ~1.2 GB each)
#
# The captures: benches/quic_bulk_capture.py (aioquic, 10 connections of
# 100 MB, ~1200-byte datagrams) and benches/tls_bulk_capture.py (Python's
# ssl, 100 connections of 10 MB, 1500-byte packets).
set -eu
cd "$(dirname "$0")/.."
dir=${1:-/tmp}
runs=${2:-5}
quic=$dir/wirelens-quic-bulk tls=$dir/wirelens-tls-bulk
[ -f "$quic.pcapng" ] || python3 benches/quic_bulk_capture.py "$quic" 10 100
[ -f "$tls.pcap" ] || python3 benches/tls_bulk_capture.py "$tls" 100 10
cargo build --release -q
w=target/release/wirelens
field() { sed -n "s/.*\"$1\": \([0-9.]*\).*/\1/p"; }
analysis() { "$w" bench "$@" -Y frame | field seconds | head -n 1; }
packets() { "$w" bench "$@" | field packets; }
nq=$(packets "$quic.pcapng") nt=$(packets "$tls.pcap")
q=() t=()
for i in $(seq "$runs"); do
  q+=("$(analysis "$quic.pcapng" --keylog "$quic.keys")")
  t+=("$(analysis "$tls.pcap" --keylog "$tls.keys")")
  echo "run $i: QUIC ${q[-1]} s, TLS ${t[-1]} s"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mq=$(median "${q[@]}") mt=$(median "${t[@]}")
awk -v q="$mq" -v t="$mt" -v nq="$nq" -v nt="$nt" 'BEGIN {
  printf "median: QUIC %.3f s (%d packets, %.0f ns a packet), TLS %.3f s (%d packets, %.0f ns a packet)\n", q, nq, q / nq * 1e9, t, nt, t / nt * 1e9
  printf "QUIC / TLS: %.2f (per packet %.2f)\n", q / t, (q / nq) / (t / nt) }'
secs() { /usr/bin/time -f %e "$@" 2>&1 >/dev/null | tail -n 1; }
echo "tshark -z io,phs with keys: QUIC $(secs tshark -r "$quic.pcapng" -q -z io,phs -o "tls.keylog_file:$quic.keys") s, TLS $(secs tshark -r "$tls.pcap" -q -z io,phs -o "tls.keylog_file:$tls.keys") s"
