#!/usr/bin/env python3
"""Writes tests/golden/filters.json: for each case of tests/filters/cases.tsv,
the frame numbers `tshark -r FIXTURE -Y FILTER` matches (tshark 4.0; where a
case gives a third column, that spelling is what tshark runs, for operators
tshark 4.0 lacks). Run from the repository root after changing the cases."""
import json
import os
import subprocess
import sys

out = []
failed = False
for line in open("tests/filters/cases.tsv", encoding="utf-8"):
    line = line.rstrip("\n")
    if not line or line.startswith("#"):
        continue
    parts = line.split("\t")
    fixture, flt = parts[0], parts[1]
    theirs = parts[2] if len(parts) > 2 else flt
    r = subprocess.run(
        ["tshark", "-r", f"tests/fixtures/{fixture}", "-Y", theirs, "-T", "fields", "-e", "frame.number"],
        capture_output=True, text=True,
        # Absolute times in filters are read in the local zone by tshark and
        # in UTC by wirelens.
        env={**os.environ, "TZ": "UTC"},
    )
    if r.returncode != 0:
        print(f"tshark rejects {theirs!r}: {r.stderr.strip()}", file=sys.stderr)
        failed = True
        continue
    case = {"fixture": fixture, "filter": flt}
    if theirs != flt:
        case["tshark_filter"] = theirs
    case["frames"] = [int(x) for x in r.stdout.split()]
    out.append(case)
with open("tests/golden/filters.json", "w", encoding="utf-8") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print(f"{len(out)} cases", file=sys.stderr)
sys.exit(1 if failed else 0)
