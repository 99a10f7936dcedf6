#!/usr/bin/env python3
"""Flatten tshark's `-T json -x` dissection into one line per field:

    FRAME  NAME  OFFSET  LENGTH  SHOW

OFFSET/LENGTH are tshark's byte range for the field (-1 when tshark gives none);
SHOW is tshark's display value. Used to make and inspect the field goldens.

    tshark_fields.py CAPTURE [--prefix ip.,tcp.] [-- extra tshark args]
"""
import json
import signal
import subprocess
import sys


def walk(obj, out):
    """(name, show, offset, length) for every field under a tshark json layer."""
    if isinstance(obj, dict):
        raws = {}
        for k, v in obj.items():
            if k.endswith("_raw") and isinstance(v, list):
                raws[k[:-4]] = v
        for k, v in obj.items():
            if k.endswith("_raw"):
                continue
            if k.endswith("_tree") or k == "_ws.expert" or not isinstance(v, (str, list)):
                walk(v, out)
                continue
            raw = raws.get(k)
            shows = v if isinstance(v, list) else [v]
            # duplicated names: tshark groups values (and raws) in lists
            if raw and raw and isinstance(raw[0], list):
                raw_list = raw
            else:
                raw_list = [raw] * len(shows) if raw else [None] * len(shows)
            for i, s in enumerate(shows):
                if isinstance(s, (dict, list)):
                    walk(s, out)
                    continue
                r = raw_list[i] if i < len(raw_list) else None
                off, ln = (r[1], r[2]) if r and len(r) >= 3 else (-1, -1)
                out.append((k, s, off, ln))
    elif isinstance(obj, list):
        for v in obj:
            walk(v, out)


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    args = sys.argv[1:]
    extra = []
    if "--" in args:
        i = args.index("--")
        extra = args[i + 1:]
        args = args[:i]
    prefixes = None
    if "--prefix" in args:
        i = args.index("--prefix")
        prefixes = tuple(args[i + 1].split(","))
        del args[i:i + 2]
    cap = args[0]
    res = subprocess.run(["tshark", "-n", "-r", cap, "-T", "json", "-x", "--no-duplicate-keys"] + extra,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    pkts = json.loads(res.stdout) if res.stdout.strip() else []
    for p in pkts:
        layers = p["_source"]["layers"]
        no = layers["frame"]["frame.number"]
        out = []
        for lname, lval in layers.items():
            if lname.endswith("_raw") or lname == "frame_raw":
                continue
            walk(lval, out)
        for name, show, off, ln in out:
            if prefixes and not name.startswith(prefixes):
                continue
            print("%s\t%s\t%s\t%s\t%s" % (no, name, off, ln, show))


if __name__ == "__main__":
    main()
