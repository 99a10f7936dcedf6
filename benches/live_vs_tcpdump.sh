#!/usr/bin/env bash
# Live capture on lo under a bounded load made here (examples/loopback_load:
# small UDP datagrams as fast as one thread can send, plus a bulk TCP
# transfer), captured by `wirelens capture` and then by `tcpdump -w` with
# the same filter, buffer and load. Prints packets captured, packets per
# second, kernel drops, our drops and CPU per packet for each. Needs root
# (or the capture capabilities) and tcpdump.
#
#   cargo build --release --examples && sudo benches/live_vs_tcpdump.sh [SECONDS [UDP_PPS TCP_MBPS]]
#
# Without a rate the load is as fast as the machine goes (drops then depend
# on how the two runs share the CPU with the load); with one, both tools
# see the same packet rate.
set -euo pipefail
secs=${1:-5}
pps=${2:-0} mbps=${3:-0}
bin=${WIRELENS:-target/release/wirelens}
load=${LOAD:-target/release/examples/loopback_load}
out=$(mktemp -d)
udp=47001 tcp=47002
filter="udp port $udp or tcp port $tcp"

run() {
  local name=$1; shift
  /usr/bin/time -f "%U %S" -o "$out/$name.cpu" "$@" 2> "$out/$name.err" &
  local pid=$!
  sleep 1
  "$load" "$secs" "$udp" "$tcp" "$pps" "$mbps" > "$out/$name.load"
  sleep 1
  # /usr/bin/time's child is the capture: interrupt it, as a user would.
  pkill -INT -P "$pid"
  wait "$pid" || true
  read -r user sys < <(tail -1 "$out/$name.cpu")
  local captured kdrop odrop
  if [ "$name" = wirelens ]; then
    captured=$(sed -n 's/^Packets captured: //p' "$out/$name.err")
    kdrop=$(sed -n 's/.*(pcap:\([0-9]*\)\/wirelens:\([0-9]*\).*/\1/p' "$out/$name.err")
    odrop=$(sed -n 's/.*(pcap:\([0-9]*\)\/wirelens:\([0-9]*\).*/\2/p' "$out/$name.err")
  else
    captured=$(sed -n 's/^\([0-9]*\) packets captured/\1/p' "$out/$name.err")
    kdrop=$(sed -n 's/^\([0-9]*\) packets dropped by kernel/\1/p' "$out/$name.err")
    odrop=-
  fi
  local sent; sent=$(cat "$out/$name.load")
  awk -v n="$name" -v c="$captured" -v k="$kdrop" -v o="$odrop" -v u="$user" -v s="$sys" -v t="$secs" -v l="$sent" 'BEGIN {
    printf "%-9s captured %9d  %8.0f pkt/s  kernel drops %7d (%.2f%%)  ours %s  cpu %.2f s = %.2f us/pkt   load %s\n",
      n, c, c / t, k, (c + k) ? 100 * k / (c + k) : 0, o, u + s, (u + s) * 1e6 / (c ? c : 1), l }'
}

run wirelens "$bin" capture -i lo -f "$filter" -B 16 -w "$out/wirelens.pcapng"
run tcpdump tcpdump -i lo -f "$filter" -B 16384 -s 262144 -w "$out/tcpdump.pcap" -Z root
ls -l "$out"/*.pcap* | awk '{print $5, $9}'
rm -rf "$out"
