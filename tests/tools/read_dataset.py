#!/usr/bin/env python3
"""Reads a wirelens Parquet dataset with DuckDB and prints every table as
JSON: {TABLE: {"columns": {NAME: DUCKDB_TYPE}, "rows": [{NAME: VALUE}]}}.
Timestamps are given as integer nanoseconds since the epoch (epoch_ns),
so the test compares them exactly. Usage: read_dataset.py DIR"""
import json
import sys

import duckdb

TABLES = ["packets", "flows", "dns", "http", "http_timing", "tls"]


def main():
    root = sys.argv[1]
    con = duckdb.connect()
    out = {}
    for table in TABLES:
        source = (f"read_parquet('{root}/{table}/*/*.parquet', "
                  "hive_partitioning = true, hive_types_autocast = false)")
        described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
        names = [d[0] for d in described]
        select = ", ".join(
            f'epoch_ns("{n}") AS "{n}"' if t.startswith("TIMESTAMP") else f'"{n}"'
            for n, t, *_ in described)
        rows = con.execute(f"SELECT {select} FROM {source}").fetchall()
        out[table] = {
            "columns": {n: t for n, t, *_ in described},
            "rows": [dict(zip(names, r)) for r in rows],
        }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
