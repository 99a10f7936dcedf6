#!/usr/bin/env bash
# Times wirelens against tshark on one capture, in the same run, and prints
# the figures the issues ask for. Run it on an otherwise idle machine:
#
#   python3 ../shared/tools/gen_capture.py --packets 5000000 --flows 25000 --out big5m.pcap
#   cargo build --release && benches/vs_tshark.sh big5m.pcap
#
# Each command runs once, with its page cache warmed by a first read.
set -euo pipefail
file=${1:?usage: benches/vs_tshark.sh CAPTURE}
bin=${WIRELENS:-target/release/wirelens}
out=$(mktemp -d)

# seconds and peak RSS (KiB) of a command, its output discarded
measure() {
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$out/$name.time" "$@" > "$out/$name.out" 2> "$out/$name.err" || {
    echo "$name failed:"; cat "$out/$name.err"; exit 1; }
  read -r secs rss < "$out/$name.time"
  printf '%-28s %8.2f s  peak RSS %6d MiB\n' "$name" "$secs" $((rss / 1024))
  eval "t_${name//[^a-z0-9]/_}=$secs"
}

cat "$file" > /dev/null
echo "capture: $file ($(stat -c %s "$file") bytes)"
measure wirelens_flows "$bin" flows "$file" --format csv
measure wirelens_bench_flows "$bin" bench "$file" --analysis flows
cat "$out/wirelens_bench_flows.out"
measure wirelens_bench_full "$bin" bench "$file" --analysis full
cat "$out/wirelens_bench_full.out"
measure wirelens_tcp "$bin" tcp "$file" --format json
measure tshark_conv_tcp tshark -r "$file" -q -z conv,tcp
measure tshark_expert tshark -r "$file" -q -z expert

ratio() { python3 -c "print(f'{$1 / $2:.1f}')"; }
echo
echo "flows vs tshark -z conv,tcp:        $(ratio "$t_tshark_conv_tcp" "$t_wirelens_flows")x faster"
echo "full analysis vs tshark -z expert:  $(ratio "$t_tshark_expert" "$t_wirelens_bench_full")x faster"
echo "tcp subcommand vs tshark -z expert: $(ratio "$t_tshark_expert" "$t_wirelens_tcp")x faster"
echo "full load / flows-only load:        $(python3 -c "print(f'{$t_wirelens_bench_full / $t_wirelens_bench_flows:.2f}')")"
rm -rf "$out"
