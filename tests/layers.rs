//! The application's layers, read from its sources: every `crate::` path in
//! a module of `src/` must name a module of a lower layer (or its own).
//! capture, settings < pass < store < pipeline < filter < export < report
//! < cli | ui; cli and ui never import each other.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Each top-level module of `src/` and its layer; modules of one layer do
/// not import each other.
const LAYERS: &[(&str, u32)] = &[
    ("capture", 0),
    ("settings", 0),
    ("pass", 1),
    ("store", 2),
    ("pipeline", 3),
    ("filter", 4),
    ("export", 5),
    ("report", 6),
    ("cli", 7),
    ("ui", 7),
];

fn layer(module: &str) -> Option<u32> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|&(_, l)| l)
}

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

/// The top-level modules a source names through `crate::`, in both
/// `crate::a::b` and `crate::{a, b::c}` forms.
fn crate_paths(source: &str) -> BTreeSet<String> {
    let mut named = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (i, _) in source.match_indices("crate::") {
        // `$crate::` in macros and `dissectors::…crate::` never occur; a
        // preceding identifier character means another path.
        let before = source[..i].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let rest = &source[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                named.insert(ident(part.trim()));
            }
        } else {
            named.insert(ident(rest));
        }
    }
    named.retain(|m| !m.is_empty());
    named
}

#[test]
fn application_modules_import_only_lower_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut wrong = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let top = rel.iter().next().unwrap().to_string_lossy();
        let module = top.trim_end_matches(".rs");
        let Some(own) = layer(module) else {
            assert!(
                matches!(module, "lib" | "main"),
                "{}: a top-level module the layers do not name",
                rel.display()
            );
            continue;
        };
        let source = std::fs::read_to_string(file).unwrap();
        for named in crate_paths(&source) {
            let Some(theirs) = layer(&named) else {
                wrong.push(format!("{}: crate::{named} is no module", rel.display()));
                continue;
            };
            if named != module && theirs >= own {
                wrong.push(format!(
                    "{}: {module} (layer {own}) imports crate::{named} (layer {theirs})",
                    rel.display()
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "upward imports:\n{}", wrong.join("\n"));
}

#[test]
fn crate_paths_are_read_in_both_forms() {
    let src = "use crate::store::Snapshot;\nuse crate::{capture, filter::Filter};\n\
               let x = $crate::ui::f(); // mycrate::cli";
    let named: Vec<String> = crate_paths(src).into_iter().collect();
    assert_eq!(named, ["capture", "filter", "store"]);
}
