//! The engine reads in steps: no function in `dissectors/src` runs longer
//! than [`MAX_LINES`] lines, so a dissector's flow fits on a screen or two
//! and each step has a name (issue 17 split the 200–300-line ones).

use std::path::{Path, PathBuf};

/// The longest a function may be, counted from its `fn` line to its
/// closing brace.
const MAX_LINES: usize = 150;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Each function of a rustfmt-formatted source: its name, its first line
/// (counted from one) and its length in lines. A function ends at the
/// first line that is its indentation and a closing brace.
fn functions(source: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = source.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let indent = line.len() - line.trim_start().len();
        let Some(name) = fn_name(line.trim_start()) else {
            continue;
        };
        if line.trim_end().ends_with('}') {
            // `fn f() {}`: a line of its own.
            continue;
        }
        let close = format!("{}}}", " ".repeat(indent));
        // The signature ends where its body opens; a declaration without a
        // body (a trait's) ends with `;` instead.
        let Some(open) = lines[i..]
            .iter()
            .position(|l| l.trim_end().ends_with('{') || l.trim_end().ends_with(';'))
            .map(|k| i + k)
            .filter(|&k| lines[k].trim_end().ends_with('{'))
        else {
            continue;
        };
        if let Some(k) = lines[open..].iter().position(|l| *l == close) {
            found.push((name, i + 1, open + k - i + 1));
        }
    }
    found
}

/// The name of the function a line declares, if it declares one.
fn fn_name(line: &str) -> Option<String> {
    let mut rest = line;
    for prefix in [
        "pub(crate) ",
        "pub(super) ",
        "pub ",
        "const ",
        "unsafe ",
        "async ",
    ] {
        rest = rest.strip_prefix(prefix).unwrap_or(rest);
    }
    let rest = rest.strip_prefix("fn ")?;
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

#[test]
fn no_dissector_function_is_longer_than_the_bound() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("dissectors/src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut long = Vec::new();
    for path in files {
        let source = std::fs::read_to_string(&path).unwrap();
        for (name, line, len) in functions(&source) {
            if len > MAX_LINES {
                let file = path.strip_prefix(&root).unwrap().display();
                long.push(format!("{file}:{line} {name} ({len} lines)"));
            }
        }
    }
    assert!(
        long.is_empty(),
        "functions longer than {MAX_LINES} lines: {long:#?}"
    );
}

#[test]
fn functions_are_measured_from_fn_to_closing_brace() {
    let source = "pub fn a() {\n    x();\n}\n\ntrait T {\n    fn b(&self);\n    fn c(&self) {\n        y();\n    }\n    fn d() {}\n}\n";
    let got = functions(source);
    let want = vec![("a".to_string(), 1, 3), ("c".to_string(), 7, 3)];
    assert_eq!(got, want);
}
