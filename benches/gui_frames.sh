#!/usr/bin/env bash
# Frame times of the desktop app under Xvfb with Mesa's software GL
# (issue 5: scrolling the list and panning a chart on a large capture;
# issue 6: a live capture on lo under load).
#
#   benches/gui_frames.sh file CAPTURE FRAME   # FRAME: a packet of a big TCP stream
#   benches/gui_frames.sh live [SECONDS [RATE]] # needs capture rights; RATE
#                                               # datagrams/s, default: flat out
#
# The app logs every frame (WIRELENS_FRAME_LOG, see src/ui/frame_log.rs);
# this script drives it with xdotool, stamps each phase, and prints per
# phase the median, 95th percentile and worst of two measures: the app's
# frame (UI, tessellation and GL calls) and the interval between frames
# (the whole frame, llvmpipe's rasterisation at the buffer swap included).
# Coordinates assume the 1400x900 window at the top left of the screen and
# the TCP charts' own window at 260,180 (ui::tcp_charts::show_window).
# While the charts' window is open the app's window repaints only when it
# must (as when nobody measures), and the pan phases time the charts' window.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${WIRELENS_BIN:-target/release/wirelens}  # another build to compare with
[ -x "$BIN" ] || cargo build --release
for t in Xvfb xdotool; do
    command -v $t >/dev/null || { echo "needs $t (apt-get install -y xvfb xdotool)"; exit 1; }
done
DISP=:97
Xvfb $DISP -screen 0 1600x1000x24 >/dev/null 2>&1 &
XVFB=$!
WORK=$(mktemp -d)
APP=
cleanup() {
    [ -n "$APP" ] && kill "$APP" 2>/dev/null || true
    kill $XVFB 2>/dev/null || true
}
trap cleanup EXIT
sleep 1
export DISPLAY=$DISP WIRELENS_CONFIG_DIR=$WORK/config WIRELENS_FRAME_LOG=$WORK/frames.csv
mark() { echo "$1,$(date +%s%3N)" >>"$WORK/marks.csv"; }
x() { xdotool "$@"; }
wait_loaded() {
    for _ in $(seq 600); do
        if [ -s "$WORK/frames.csv" ] && tail -1 "$WORK/frames.csv" | grep -q '^[0-9.]*,root,[0-9]*,1,'; then
            return
        fi
        sleep 0.5
    done
    echo "never loaded"; exit 1
}
drag() { # drag from X Y by DX per step, STEPS steps
    x mousemove "$1" "$2" mousedown 1
    for _ in $(seq "$4"); do x mousemove_relative -- "$3" 0; sleep 0.016; done
    x mouseup 1
}

FILE=
case "${1:-}" in
file)
    FILE=$2 FRAME=$3
    "$BIN" -g "$FRAME" "$FILE" &
    APP=$!
    mark start
    wait_loaded
    grep -E '^(VmRSS|RssAnon|RssFile)' /proc/$APP/status | tr -s ' ' | tr '\n' ' ' >"$WORK/rss"
    mark idle; sleep 3
    mark scroll_wheel
    x mousemove 700 300
    x click --repeat 200 --delay 16 5
    mark page_down
    x key --repeat 100 --delay 30 Next
    mark open_chart
    # Statistics › TCP Stream Graphs (the fourth item).
    x mousemove 223 12 click 1; sleep 0.5
    x mousemove 259 108 click 1; sleep 2
    mark pan_stevens
    drag 714 461 -4 120
    mark open_throughput
    x mousemove 446 198 click 1; sleep 1
    mark pan_throughput
    drag 714 461 -4 120
    mark end
    ;;
live)
    SECS=${2:-10} RATE=${3:-0}
    PORT=47999
    "$BIN" -i lo -k -f "udp port $PORT" &
    APP=$!
    mark start; sleep 3
    mark idle_capture; sleep 2
    mark capture_load
    # Small datagrams for SECS seconds, RATE a second (0: as fast as one
    # process sends them).
    python3 - "$PORT" "$SECS" "$RATE" <<'PY'
import socket, sys, time
port, secs, rate = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
start = time.time()
end, n = start + secs, 0
while time.time() < end:
    for _ in range(100):
        s.sendto(b"x" * 32, ("127.0.0.1", port))
    n += 100
    if rate:
        ahead = start + n / rate - time.time()
        if ahead > 0:
            time.sleep(ahead)
print(f"sent {n} datagrams ({n / secs:.0f}/s)", file=sys.stderr)
PY
    mark end
    ;;
*)
    sed -n 2,16p "$0"; exit 2 ;;
esac
sleep 1
kill "$APP"; APP=
[ -s "$WORK/rss" ] && echo "resident after load: $(cat "$WORK/rss")(file: $(stat -c %s "$FILE") bytes)"
python3 - "$WORK/frames.csv" "$WORK/marks.csv" <<'PY'
import csv, sys
frames = list(csv.DictReader(open(sys.argv[1])))
marks = [l.strip().split(",") for l in open(sys.argv[2])]
start = int(marks[0][1])
first = next((r for r in frames if r["viewport"] == "root" and int(r["packets"]) > 0), None)
if first:
    # Logged as the frame began; on screen once it was drawn.
    t = float(first["unix_ms"]) + float(first["frame_ms"]) - start
    print(f"first rows on screen {t:.0f} ms after start ({first['packets']} packets)")
def q(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * len(v)))]
print(f"{'phase':<16}{'frames':>7}  {'app frame ms p50/p95/max':>26}  {'interval ms p50/p95/max':>26}")
for (name, t0), (_, t1) in zip(marks, marks[1:]):
    if name.startswith("open_") or name == "start":
        continue
    # Panning is timed in the charts' window, the rest in the app's.
    viewport = "chart" if name.startswith("pan_") else "root"
    rows = [r for r in frames if r["viewport"] == viewport and int(t0) <= float(r["unix_ms"]) < int(t1)]
    if not rows:
        continue
    f = [float(r["frame_ms"]) for r in rows]
    i = [float(r["interval_ms"]) for r in rows]
    fs = f"{q(f,.5):.1f}/{q(f,.95):.1f}/{max(f):.1f}"
    is_ = f"{q(i,.5):.1f}/{q(i,.95):.1f}/{max(i):.1f}"
    print(f"{name:<16}{len(rows):>7}  {fs:>26}  {is_:>26}")
PY
