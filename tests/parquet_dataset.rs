//! `export --format parquet`: every fixture into one dataset, read back
//! by DuckDB (tests/tools/read_dataset.py), must say what the CLI says of
//! each capture: `packets --format json`'s rows, `flows --format json`'s
//! conversations (which golden.rs holds to tshark's) with `tcp`'s
//! analysis, and the rows of `dns`, `http`, `http --timing` and `tls`.
//! Every key the CLI prints must have its column.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::live::wirelens_json;
use common::{Fixture, Report, fixtures};
use serde_json::Value;

fn export(files: &[&Path], dir: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_wirelens"))
        .arg("export")
        .args(files)
        .args(["--format", "parquet", "-w"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// DuckDB's reading of the dataset: table → capture → rows in file order.
type Tables = BTreeMap<String, BTreeMap<String, Vec<Value>>>;

fn read_back(dir: &Path) -> (Tables, Value) {
    let script = common::root().join("tests/tools/read_dataset.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(dir)
        .output()
        .expect("python3 (with the duckdb package, as .ci/run installs)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut tables = Tables::new();
    for (table, t) in v.as_object().unwrap() {
        let by_capture = tables.entry(table.clone()).or_default();
        for row in t["rows"].as_array().unwrap() {
            let capture = row["capture"].as_str().unwrap().to_string();
            by_capture.entry(capture).or_default().push(row.clone());
        }
    }
    let types = v
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, t)| (k.clone(), t["columns"].clone()))
        .collect();
    (tables, types)
}

/// The partition name the CLI gives a fixture: its stem, or its file
/// name where two stems are alike.
fn capture_name(fx: &Fixture, all: &[Fixture]) -> String {
    let stem = |f: &Fixture| f.path.file_stem().unwrap().to_string_lossy().into_owned();
    if all.iter().filter(|f| stem(f) == stem(fx)).count() > 1 {
        fx.name.clone()
    } else {
        stem(fx)
    }
}

/// Equal, floats to within rounding.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            (x - y).abs() <= 1e-12 * x.abs().max(1.0)
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// A CLI row against the dataset's row: each key by its column (objects
/// and lists of objects as JSON text; `phases_ms` spread into `*_ms`).
fn compare_row(cli: &Value, ours: &Value, what: &str, report: &mut Report, fx: &str) {
    for (k, v) in cli.as_object().unwrap() {
        match (k.as_str(), v) {
            ("phases_ms", Value::Object(m)) => {
                for (p, x) in m {
                    compare_value(&format!("{p}_ms"), x, ours, what, report, fx);
                }
            }
            ("start", _) => {
                // http --timing: epoch seconds; the dataset's is a time.
                let ns = ours["start"].as_i64().unwrap_or(0);
                if (ns as f64 / 1e9 - v.as_f64().unwrap_or(0.0)).abs() > 1e-6 {
                    report.fail(fx, format!("{what}: start {v} vs {ns} ns"));
                }
            }
            _ => compare_value(k, v, ours, what, report, fx),
        }
    }
}

fn compare_value(
    column: &str,
    expected: &Value,
    ours: &Value,
    what: &str,
    r: &mut Report,
    fx: &str,
) {
    let Some(got) = ours.get(column) else {
        r.fail(fx, format!("{what}: no column {column}"));
        return;
    };
    // Objects and lists of objects are kept as their JSON text.
    let got = match (expected, got) {
        (Value::Object(_) | Value::Array(_), Value::String(s)) => {
            serde_json::from_str(s).unwrap_or(Value::Null)
        }
        _ => got.clone(),
    };
    if !same(expected, &got) {
        r.fail(fx, format!("{what}: {column} CLI {expected} dataset {got}"));
    }
}

/// `time_epoch` ("S.FFFFFF", as many digits as the interface keeps)
/// against nanoseconds: equal to the digits shown.
fn same_time(epoch: &str, ns: &Value) -> bool {
    if epoch.is_empty() {
        return ns.is_null();
    }
    let Some(ns) = ns.as_i64() else { return false };
    let (s, f) = epoch.split_once('.').unwrap_or((epoch, ""));
    let unit = 10i128.pow(9 - f.len() as u32);
    let shown = s.parse::<i128>().unwrap() * 1_000_000_000
        + f.parse::<i128>().unwrap_or(0) * unit * if s.starts_with('-') { -1 } else { 1 };
    (i128::from(ns) - shown).abs() < unit
}

fn compare_packets(cli: &Value, ours: &[Value], report: &mut Report, fx: &str) {
    let cli = cli.as_array().unwrap();
    if cli.len() != ours.len() {
        report.fail(fx, format!("{} packets, dataset {}", cli.len(), ours.len()));
        return;
    }
    for (c, o) in cli.iter().zip(ours) {
        let n = &c["number"];
        for k in [
            "number", "src", "dst", "protocol", "length", "info", "layers",
        ] {
            if c[k] != o[k] {
                report.fail(fx, format!("frame {n} {k}: CLI {} dataset {}", c[k], o[k]));
            }
        }
        // The CLI's rows say which numbering a stream is by TCP's
        // analysis; a packet in none (a header cut short) may still
        // name its transport in the dataset.
        let stream = c.get("stream").cloned().unwrap_or(Value::Null);
        let analysis = c.get("analysis").cloned().unwrap_or(Value::Null);
        let transport = match (&analysis, &stream) {
            (Value::Null, Value::Null) => o["transport"].clone(),
            (Value::Null, _) => Value::from("udp"),
            _ => Value::from("tcp"),
        };
        if (&transport, &stream, &analysis) != (&o["transport"], &o["stream"], &o["tcp_analysis"]) {
            report.fail(
                fx,
                format!("frame {n}: CLI {transport} {stream} {analysis}, dataset {o}"),
            );
        }
        if !same_time(c["time_epoch"].as_str().unwrap(), &o["time"]) {
            report.fail(
                fx,
                format!("frame {n}: time {} vs {}", c["time_epoch"], o["time"]),
            );
        }
    }
}

/// `flows` rows, then `tcp`'s analysis of each TCP one.
fn compare_flows(file: &Path, ours: &[Value], first_ns: Option<i64>, r: &mut Report, fx: &str) {
    let cli = wirelens_json(&["flows", "--format", "json"], file);
    let cli = cli.as_array().unwrap();
    if cli.len() != ours.len() {
        r.fail(fx, format!("{} flows, dataset {}", cli.len(), ours.len()));
        return;
    }
    let tcp: BTreeMap<u64, Value> = wirelens_json(&["tcp", "--format", "json"], file)
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["stream"].as_u64().unwrap(), t.clone()))
        .collect();
    for (c, o) in cli.iter().zip(ours) {
        let what = format!("{} stream {}", c["proto"], c["stream"]);
        compare_row(c, o, &what, r, fx);
        let start = o["start"].as_i64().unwrap_or(0) - first_ns.unwrap_or(0);
        if (start as f64 / 1e9 - c["start_rel"].as_f64().unwrap()).abs() > 1e-6 {
            r.fail(
                fx,
                format!(
                    "{what}: start {} vs start_rel {}",
                    o["start"], c["start_rel"]
                ),
            );
        }
        let Some(t) = (c["proto"] == "tcp").then(|| &tcp[&c["stream"].as_u64().unwrap()]) else {
            continue;
        };
        let mut expected = t["analysis"].clone();
        let o_ = expected.as_object_mut().unwrap();
        for (k, at) in [
            ("handshake_complete", "/handshake/ack"),
            ("end_state", "/end_state"),
            ("window_scaling", "/window_scaling"),
            ("mss_a", "/options/a/mss"),
            ("mss_b", "/options/b/mss"),
            ("fin_a", "/fin_a"),
            ("fin_b", "/fin_b"),
            ("rst_a", "/rst_a"),
            ("rst_b", "/rst_b"),
            ("initial_rtt", "/initial_rtt"),
            ("ack_rtt_count", "/ack_rtt/count"),
            ("ack_rtt_min", "/ack_rtt/min"),
            ("ack_rtt_median", "/ack_rtt/median"),
            ("ack_rtt_max", "/ack_rtt/max"),
        ] {
            o_.insert(k.into(), t.pointer(at).cloned().unwrap_or(Value::Null));
        }
        compare_row(&expected, o, &what, r, fx);
    }
}

/// A summary subcommand's rows (`args`, the array under `key`).
fn compare_rows(args: &[&str], key: &str, file: &Path, ours: &[Value], r: &mut Report, fx: &str) {
    let v = wirelens_json(args, file);
    let cli = v[key].as_array().cloned().unwrap_or_default();
    let what = args.join(" ");
    if cli.len() != ours.len() {
        r.fail(
            fx,
            format!("{what}: {} rows, dataset {}", cli.len(), ours.len()),
        );
        return;
    }
    for (i, (c, o)) in cli.iter().zip(ours).enumerate() {
        compare_row(c, o, &format!("{what} row {i}"), r, fx);
    }
}

#[test]
fn duckdb_reads_every_fixture_as_the_cli_prints_it() {
    let all = fixtures();
    let dir = std::env::temp_dir().join(format!("wirelens-dataset-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let paths: Vec<&Path> = all.iter().map(|f| f.path.as_path()).collect();
    export(&paths, &dir);
    let (tables, types) = read_back(&dir);
    for (table, column) in [
        ("packets", "time"),
        ("flows", "start"),
        ("http_timing", "start"),
    ] {
        // DuckDB 1.x says TIMESTAMP WITH TIME ZONE; 2.x keeps the nanoseconds.
        let t = types[table][column].as_str().unwrap();
        assert!(
            ["TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ_NS"].contains(&t),
            "{table}.{column}: {t}"
        );
    }
    assert_eq!(types["packets"]["layers"], "VARCHAR[]");
    let mut report = Report::default();
    let empty = Vec::new();
    for fx in &all {
        let name = capture_name(fx, &all);
        let rows = |t: &str| tables[t].get(&name).unwrap_or(&empty);
        let f = &fx.path;
        let packets = wirelens_json(&["packets", "--format", "json"], f);
        compare_packets(&packets, rows("packets"), &mut report, &fx.name);
        let first_ns = rows("packets").first().and_then(|p| p["time"].as_i64());
        compare_flows(f, rows("flows"), first_ns, &mut report, &fx.name);
        let dns = ["dns", "--format", "json"];
        compare_rows(&dns, "transactions", f, rows("dns"), &mut report, &fx.name);
        let http = ["http", "--format", "json"];
        compare_rows(&http, "messages", f, rows("http"), &mut report, &fx.name);
        let timing = ["http", "--timing", "--format", "json"];
        compare_rows(
            &timing,
            "requests",
            f,
            rows("http_timing"),
            &mut report,
            &fx.name,
        );
        let tls = ["tls", "--format", "json"];
        compare_rows(&tls, "sessions", f, rows("tls"), &mut report, &fx.name);
    }
    report.finish();

    // Converting a capture again replaces its partition: nothing doubles.
    let again = &all[0];
    export(&[again.path.as_path()], &dir);
    let (after, _) = read_back(&dir);
    for (table, by_capture) in &tables {
        assert_eq!(&after[table], by_capture, "{table} after converting again");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
