//! Module structure, read from the sources' `crate::` paths. In `src/`,
//! every module imports only from lower layers: capture, settings < pass <
//! store < pipeline < filter < export < report < cli | ui (cli and ui never
//! import each other). In `dissectors/src`, modules import no cycle.

use std::collections::{BTreeMap, BTreeSet};
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
            for part in top_level_items(group) {
                named.insert(ident(part.trim()));
            }
        } else {
            named.insert(ident(rest));
        }
    }
    named.retain(|m| !m.is_empty());
    named
}

/// The items of a `{…}` group (its opening brace already read) up to its
/// closing brace, split at the commas outside nested groups.
fn top_level_items(group: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                items.push(&group[start..i]);
                return items;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&group[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&group[start..]);
    items
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
    let src = "use crate::store::Snapshot;\nuse crate::{capture, filter::{Filter, X}, pass};\n\
               let x = $crate::ui::f(); // mycrate::cli";
    let named: Vec<String> = crate_paths(src).into_iter().collect();
    assert_eq!(named, ["capture", "filter", "pass", "store"]);
}

/// The modules of `dissectors/src` and the ones each names through
/// `crate::` (only modules of the crate, not macros or re-exports).
fn dissector_imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("dissectors/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let module = |file: &Path| -> String {
        let rel = file.strip_prefix(&src).unwrap();
        let top = rel.iter().next().unwrap().to_string_lossy().into_owned();
        top.trim_end_matches(".rs").to_owned()
    };
    let modules: BTreeSet<String> = files.iter().map(|f| module(f)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let m = module(file);
        let text = std::fs::read_to_string(file).unwrap();
        // A module's unit tests may drive whole frames through the test
        // harness (and so the registry): scaffolding, not a dependency.
        let code = text
            .find("#[cfg(test)]\nmod tests")
            .map_or(&text[..], |i| &text[..i]);
        let named = crate_paths(code);
        let entry = graph.entry(m.clone()).or_default();
        entry.extend(named.into_iter().filter(|n| *n != m && modules.contains(n)));
    }
    graph
}

/// The strongly connected components of more than one module: each is a
/// set of modules that import each other in a cycle (Tarjan's algorithm).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<BTreeSet<String>> {
    struct Walk<'g> {
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        found: Vec<BTreeSet<String>>,
    }
    fn visit<'g>(w: &mut Walk<'g>, v: &'g str) {
        let i = w.index.len();
        w.index.insert(v, i);
        w.low.insert(v, i);
        w.stack.push(v);
        for next in w.graph.get(v).into_iter().flatten() {
            let next = next.as_str();
            if !w.index.contains_key(next) {
                visit(w, next);
                let l = w.low[v].min(w.low[next]);
                w.low.insert(v, l);
            } else if w.stack.contains(&next) {
                let l = w.low[v].min(w.index[next]);
                w.low.insert(v, l);
            }
        }
        if w.low[v] == w.index[v] {
            let mut component = BTreeSet::new();
            while let Some(top) = w.stack.pop() {
                component.insert(top.to_owned());
                if top == v {
                    break;
                }
            }
            if component.len() > 1 {
                w.found.push(component);
            }
        }
    }
    let mut w = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !w.index.contains_key(v.as_str()) {
            visit(&mut w, v);
        }
    }
    w.found
}

/// No module of `dissectors` imports, through others, one that imports it:
/// the core (`packet`, `tape`, tables, conversations) names no protocol, and
/// a protocol names only the core and the protocols below it. (Doc links
/// count: a `crate::` path anywhere in a source is an import.)
#[test]
fn dissector_modules_form_no_import_cycle() {
    let found = cycles(&dissector_imports());
    assert!(
        found.is_empty(),
        "import cycles among dissectors modules: {found:?}"
    );
}

#[test]
fn cycles_are_found_and_chains_are_not() {
    let graph = |edges: &[(&str, &str)]| {
        let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (a, b) in edges {
            g.entry((*a).into()).or_default().insert((*b).into());
            g.entry((*b).into()).or_default();
        }
        g
    };
    let chain = graph(&[
        ("frame", "ethernet"),
        ("ethernet", "packet"),
        ("ipv4", "packet"),
    ]);
    assert!(cycles(&chain).is_empty());
    let knot = graph(&[("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]);
    let want: BTreeSet<String> = ["a", "b", "c"].iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(cycles(&knot), vec![want]);
}

/// The engine's core: frames, trees, fields, tables, tapes, conversations,
/// reassembly and the framing trait. A protocol plugs into it; it names
/// none. (The TCP application engine, `tcp_pdu` with `pdu_tape`, and the
/// analysis that composes TCP's and UDP's state, `analysis`, still name the
/// protocols they frame: not yet in this list.)
const CORE: &[&str] = &[
    "bytes",
    "checksum_tree",
    "collect",
    "conversation",
    "decode_as",
    "expert",
    "field",
    "ip_reassembly",
    "keylog",
    "packet",
    "pdu_framing",
    "pieces_tree",
    "proto",
    "shared",
    "sink",
    "table",
    "tape",
    "tape_codec",
    "tcp_reassembly",
    "tree",
];

#[test]
fn the_core_names_no_protocol() {
    let graph = dissector_imports();
    let mut named = Vec::new();
    for core in CORE {
        let Some(imports) = graph.get(*core) else {
            panic!("no module {core} in dissectors/src");
        };
        for m in imports.iter().filter(|m| !CORE.contains(&m.as_str())) {
            named.push(format!("{core} names {m}"));
        }
    }
    assert!(named.is_empty(), "the core names protocols: {named:#?}");
}
