//! The shape of the code, held by tests so it cannot drift: no import cycles between the files of
//! `src/` or `platform-local/src/`, the folders of `src/` used only downward (the order in
//! `src/lib.rs`'s `# Layout`), and no file past about 400 lines of code.
//!
//! "Uses" is read from the source (tests/app/source.rs: comments, string literals and
//! `#[cfg(test)]` items removed): every `crate::…`, `super::…` (also `super::super::…`) and
//! `self::…` path, and a `use` of a child module by its bare name. A `crate::` path that names no
//! module (a re-export of the crate root) counts as using the root, which no module may. Declaring
//! a child (`mod x;`) is not using it. Test files (`tests.rs`, `*_tests.rs`, `test_fixtures.rs`)
//! are left out: tests may reach anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::source::Source;

/// The folders (and top-level files) of `src/` from the top of the request's way to the bottom:
/// each may use only those at its own rank or below (a cycle within a rank is still a cycle).
const LAYERS: [(&str, u8); 13] = [
    // The crate root (it re-exports what `main`, tests and benches use) and the binary.
    ("lib", 0),
    ("main", 0),
    ("web", 1),
    ("mcp", 2),
    ("audit", 3),
    ("inbound", 4),
    ("tools", 5),
    ("error", 6),
    ("backend", 7),
    ("store", 7),
    ("outbound", 8),
    // Trace context: read from what the caller sent, carried to the audit line and AppSync.
    ("trace", 8),
    ("config", 9),
];

/// Lines of code (not blank, not comments) a file may hold; tables of data are exempt.
const MAX_CODE_LINES: usize = 400;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn is_test_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    name == "tests.rs" || name.ends_with("_tests.rs") || name == "test_fixtures.rs"
}

/// A file's module path under its crate root: `mcp/registry.rs` is `mcp::registry`, `config/mod.rs`
/// is `config`, `lib.rs` is `lib`.
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap_or(file).with_extension("");
    let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if parts.len() > 1 && parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts.join("::")
}

/// Every module path a piece of code names, absolute (without `crate::`), from `module`'s view.
fn named_paths(module: &str, children: &BTreeSet<String>, code: &str) -> Vec<String> {
    let parent_of = |m: &str| m.rsplit_once("::").map_or(String::new(), |(p, _)| p.to_owned());
    let join = |base: &str, path: String| if base.is_empty() { path } else { format!("{base}::{path}") };
    // `super` of `a::b` is `a` (for `a/b.rs` and `a/b/mod.rs` alike); `self` is the module.
    let this = if module == "lib" { String::new() } else { module.to_owned() };
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut found = Vec::new();
    for prefix in ["crate::", "super::", "self::"] {
        let mut start = 0;
        while let Some(at) = code[start..].find(prefix) {
            let begin = start + at;
            start = begin + prefix.len();
            let before = code[..begin].chars().last().unwrap_or(' ');
            if ident(before) || before == ':' {
                continue; // part of a longer path (`x::super::`) or a name
            }
            let mut base = match prefix {
                "crate::" => String::new(),
                "super::" => parent_of(&this),
                _ => this.clone(),
            };
            let mut rest = &code[start..];
            while let Some(more) = rest.strip_prefix("super::") {
                base = parent_of(&base);
                rest = more;
            }
            found.extend(expand(rest).into_iter().map(|path| join(&base, path)));
        }
    }
    // `use child::…` by a child module's bare name, anywhere (after attributes, in a body, `pub(…)`).
    let mut start = 0;
    while let Some(at) = code[start..].find("use ") {
        let begin = start + at;
        start = begin + 4;
        if code[..begin].chars().last().is_some_and(ident) {
            continue;
        }
        let rest = code[start..].trim_start();
        let first: String = rest.chars().take_while(|c| ident(*c)).collect();
        if children.contains(&first) {
            found.extend(expand(rest).into_iter().map(|path| join(&this, path)));
        }
    }
    found
}

/// `a::b::{c, d::e}` and the like, to `a::b::c`, `a::b::d::e` (good enough for `use` trees).
fn expand(text: &str) -> Vec<String> {
    let ident = |c: char| c.is_alphanumeric() || c == '_' || c == ':';
    let head: String = text.chars().take_while(|c| ident(*c)).collect();
    let head = head.trim_end_matches(':').to_owned();
    let rest = &text[head.len()..];
    let rest = rest.trim_start_matches(':');
    if let Some(inner) = rest.strip_prefix('{') {
        let mut depth = 1;
        let mut end = inner.len();
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let mut items = Vec::new();
        let (mut level, mut from) = (0, 0);
        let body = &inner[..end];
        for (i, c) in body.char_indices() {
            match c {
                '{' => level += 1,
                '}' => level -= 1,
                ',' if level == 0 => {
                    items.push(&body[from..i]);
                    from = i + 1;
                }
                _ => {}
            }
        }
        items.push(&body[from..]);
        let mut out = Vec::new();
        for item in items.iter().map(|i| i.trim()).filter(|i| !i.is_empty()) {
            if item == "self" || item.starts_with("self as ") {
                out.push(head.clone());
                continue;
            }
            for tail in expand(item) {
                out.push(if head.is_empty() { tail } else { format!("{head}::{tail}") });
            }
        }
        if out.is_empty() { vec![head] } else { out }
    } else {
        vec![head]
    }
}

struct Graph {
    /// module -> the modules it uses
    uses: BTreeMap<String, BTreeSet<String>>,
}

fn graph_of(src: &Path) -> Graph {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let files: Vec<PathBuf> = files.into_iter().filter(|f| !is_test_file(f)).collect();
    let modules: BTreeMap<String, PathBuf> = files.iter().map(|f| (module_of(src, f), f.clone())).collect();
    let mut uses = BTreeMap::new();
    for (module, file) in &modules {
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let this = if module == "lib" { "" } else { module.as_str() };
        let children: BTreeSet<String> = modules
            .keys()
            .filter_map(|m| {
                let rest = if this.is_empty() { Some(m.as_str()) } else { m.strip_prefix(&format!("{this}::")) };
                rest.filter(|r| !r.contains("::") && *r != "lib" && *r != "main").map(str::to_owned)
            })
            .collect();
        let mut used = BTreeSet::new();
        for path in named_paths(module, &children, &Source::read(&text).code) {
            // The longest prefix that is a module of this crate (a path into the root: `lib`).
            let parts: Vec<&str> = path.split("::").collect();
            let target = (1..=parts.len()).rev().map(|n| parts[..n].join("::")).find(|p| modules.contains_key(p));
            let target = target.unwrap_or_else(|| "lib".to_owned());
            if target != *module {
                used.insert(target);
            }
        }
        uses.insert(module.clone(), used);
    }
    Graph { uses }
}

/// A cycle through `from`, if there is one: the modules in order.
fn cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(graph: &Graph, node: &str, stack: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut ring = stack[at..].to_vec();
            ring.push(node.to_owned());
            return Some(ring);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in graph.uses.get(node).into_iter().flatten() {
            if let Some(ring) = visit(graph, next, stack, done) {
                return Some(ring);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph.uses.keys().find_map(|node| visit(graph, node, &mut Vec::new(), &mut done))
}

#[test]
fn no_file_in_src_is_part_of_an_import_cycle() {
    let graph = graph_of(&root().join("src"));
    assert!(graph.uses.len() > 40, "the walk found the modules: {:?}", graph.uses.keys().collect::<Vec<_>>());
    assert!(
        graph.uses["mcp::dispatch"].contains("mcp::state"),
        "the walk reads uses: {:?}",
        graph.uses["mcp::dispatch"]
    );
    if let Some(ring) = cycle(&graph) {
        panic!("import cycle in src/: {}", ring.join(" -> "));
    }
}

#[test]
fn no_file_in_the_local_platform_is_part_of_an_import_cycle() {
    let graph = graph_of(&root().join("platform-local/src"));
    assert!(graph.uses.len() > 20, "the walk found the modules");
    if let Some(ring) = cycle(&graph) {
        panic!("import cycle in platform-local/src/: {}", ring.join(" -> "));
    }
}

fn rank(module: &str) -> u8 {
    let top = module.split("::").next().unwrap_or_default();
    let layer = LAYERS.iter().find(|(name, _)| *name == top).map(|(_, r)| *r);
    layer.unwrap_or_else(|| panic!("{module} is in no layer of LAYERS (tests/app/house.rs)"))
}

/// Every use of a module in a higher layer.
fn upward_uses(graph: &Graph) -> Vec<String> {
    let mut upward = Vec::new();
    for (module, used) in &graph.uses {
        upward.extend(used.iter().filter(|t| rank(t) < rank(module)).map(|t| format!("{module} uses {t}")));
    }
    upward
}

/// The graph of the top-level folders: a use between two files of different folders.
fn folders_of(graph: &Graph) -> Graph {
    let top = |m: &str| m.split("::").next().unwrap_or_default().to_owned();
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, used) in &graph.uses {
        let entry = uses.entry(top(module)).or_default();
        entry.extend(used.iter().map(|t| top(t)).filter(|t| *t != top(module)));
    }
    Graph { uses }
}

#[test]
fn the_layers_of_src_are_used_only_downward() {
    let graph = graph_of(&root().join("src"));
    let upward = upward_uses(&graph);
    assert!(upward.is_empty(), "uses that reach up the layers (src/lib.rs # Layout):\n{}", upward.join("\n"));
    if let Some(ring) = cycle(&folders_of(&graph)) {
        panic!("the folders of src/ use each other in a ring: {}", ring.join(" -> "));
    }
}

#[test]
fn config_imports_nothing_from_the_crate() {
    let graph = graph_of(&root().join("src"));
    for (module, used) in graph.uses.iter().filter(|(m, _)| m.split("::").next() == Some("config")) {
        let outside: Vec<&String> = used.iter().filter(|t| t.split("::").next() != Some("config")).collect();
        assert!(outside.is_empty(), "{module} uses {outside:?}");
    }
}

#[test]
fn no_file_holds_more_than_about_400_lines_of_code() {
    let mut files = Vec::new();
    for dir in ["src", "platform-local/src", "tests", "benches", "examples", "fuzz/fuzz_targets"] {
        rust_files(&root().join(dir), &mut files);
    }
    assert!(files.len() > 60, "found the files");
    let mut long = Vec::new();
    for file in &files {
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name.ends_with("tables.rs") {
            continue; // data, not code
        }
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let code = text.lines().filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with("//")).count();
        if code > MAX_CODE_LINES {
            long.push(format!("{} ({code} lines of code)", file.strip_prefix(root()).unwrap_or(file).display()));
        }
    }
    assert!(long.is_empty(), "files past {MAX_CODE_LINES} lines of code; split them:\n{}", long.join("\n"));
}

#[test]
fn the_import_reader_expands_use_trees() {
    assert_eq!(expand("a::{b, c::{d, e}};"), ["a::b", "a::c::d", "a::c::e"]);
    assert_eq!(expand("mcp::state::AppState;"), ["mcp::state::AppState"]);
    let children = BTreeSet::from(["text".to_owned()]);
    let code = "use super::error::{NormalizeError, echo};\npub(crate) use text::non_empty;\nlet x = crate::config::Config::default();";
    let paths = named_paths("tools::normalize::country", &children, code);
    assert!(paths.contains(&"tools::normalize::error::NormalizeError".to_owned()), "{paths:?}");
    assert!(paths.contains(&"config::Config::default".to_owned()), "{paths:?}");
    let deep = "fn f() { use super::super::mcp::registry::TOOL_NAMES; } #[x] pub(super) use text::{self, a};";
    let paths = named_paths("config::read", &children, &format!("{deep} let r = crate::configure;"));
    assert!(paths.contains(&"mcp::registry::TOOL_NAMES".to_owned()), "super::super from config::read: {paths:?}");
    assert!(paths.contains(&"config::read::text".to_owned()), "a bare child use: {paths:?}");
    assert!(paths.contains(&"configure".to_owned()), "a root re-export: {paths:?}");
    let ring = Graph {
        uses: BTreeMap::from([
            ("a".to_owned(), BTreeSet::from(["b".to_owned()])),
            ("b".to_owned(), BTreeSet::from(["a".to_owned()])),
        ]),
    };
    assert_eq!(cycle(&ring), Some(vec!["a".to_owned(), "b".to_owned(), "a".to_owned()]));
    let upward = Graph {
        uses: BTreeMap::from([
            ("config::read".to_owned(), BTreeSet::from(["mcp::registry".to_owned()])),
            ("mcp::registry".to_owned(), BTreeSet::from(["tools::args".to_owned(), "lib".to_owned()])),
            ("store::dynamo".to_owned(), BTreeSet::from(["backend::auth".to_owned()])),
            ("backend::memory".to_owned(), BTreeSet::from(["store".to_owned()])),
        ]),
    };
    assert_eq!(upward_uses(&upward), ["config::read uses mcp::registry", "mcp::registry uses lib"]);
    assert!(cycle(&upward).is_none() && cycle(&folders_of(&upward)).is_some(), "folder rings are seen");
}
