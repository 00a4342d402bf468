//! The crate's stages only import downward: every `crate::` path in `src/` names a module of
//! an earlier stage than its own, so there is no import circle between top-level modules.
//! The stage order is the numbered list in `src/lib.rs`'s header; this test reads it there.

#![expect(
    clippy::unwrap_used,
    reason = "the test reads the crate's own source tree: a failure to read it is a test failure"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The stages of `src/lib.rs`'s header: module name → stage number.
fn stages(lib: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for line in lib.lines() {
        let Some(rest) = line.strip_prefix("//! ") else {
            continue;
        };
        let Some((number, text)) = rest.split_once(". ") else {
            continue;
        };
        let Ok(stage) = number.parse::<usize>() else {
            continue;
        };
        let names = text.split(" — ").next().unwrap_or("");
        for name in names.split(',') {
            let name = name.trim().trim_matches('`');
            assert!(!name.is_empty(), "stage {stage} names no module: {line}");
            assert!(
                out.insert(name.to_owned(), stage).is_none(),
                "`{name}` is listed twice in src/lib.rs's stages"
            );
        }
    }
    out
}

/// The top-level modules `src/lib.rs` declares.
fn declared(lib: &str) -> BTreeSet<String> {
    lib.lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .chain(lib.lines().filter_map(|l| l.trim().strip_prefix("mod ")))
        .map(|m| m.trim_end_matches(';').to_owned())
        .collect()
}

/// Every `.rs` file under `dir`.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The code of a file without comments, string literals and its unit-test module.
fn code(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if line.trim() == "#[cfg(test)]" {
            break;
        }
        let line = line.split("//").next().unwrap_or("");
        out.push_str(line);
        out.push('\n');
    }
    // Drop string literals so a message quoting `crate::x` is not an import.
    let mut plain = String::new();
    let mut in_str = false;
    let mut escaped = false;
    for c in out.chars() {
        if in_str {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
            }
        } else if c == '"' {
            in_str = true;
        } else {
            plain.push(c);
        }
    }
    plain
}

/// The top-level modules `code` names through `crate::` (also `crate::{a, b::c}`).
fn imports(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // e.g. `kbcheck::`… never; `mycrate::` is not ours
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

/// The top-level module a file under `src/` belongs to (`None` for `lib.rs`, `main.rs`).
fn owner(file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src()).unwrap();
    let first = rel
        .components()
        .next()?
        .as_os_str()
        .to_string_lossy()
        .to_string();
    let name = first.trim_end_matches(".rs").to_owned();
    (name != "lib" && name != "main").then_some(name)
}

/// Import edges between top-level modules: (from, to) → the files that make them.
fn edges() -> BTreeMap<(String, String), Vec<String>> {
    let mut list = Vec::new();
    files(&src(), &mut list);
    let mut out: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for file in list {
        let Some(from) = owner(&file) else { continue };
        let text = std::fs::read_to_string(&file).unwrap();
        for to in imports(&code(&text)) {
            if to != from {
                let rel = file.strip_prefix(src()).unwrap().display().to_string();
                out.entry((from.clone(), to))
                    .or_default()
                    .push(format!("src/{rel}"));
            }
        }
    }
    out
}

#[test]
fn every_module_has_a_stage() {
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    let stages = stages(&lib);
    let declared = declared(&lib);
    assert!(
        stages.len() >= 10,
        "too few stages read from src/lib.rs: {stages:?}"
    );
    let unplaced: Vec<&String> = declared
        .iter()
        .filter(|m| !stages.contains_key(*m))
        .collect();
    assert!(
        unplaced.is_empty(),
        "modules with no stage in src/lib.rs's header (add them to the numbered list): {unplaced:?}"
    );
    let stale: Vec<&String> = stages.keys().filter(|m| !declared.contains(*m)).collect();
    assert!(
        stale.is_empty(),
        "stages name modules src/lib.rs does not declare: {stale:?}"
    );
}

#[test]
fn modules_import_only_earlier_stages() {
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    let stages = stages(&lib);
    let edges = edges();
    assert!(
        edges.len() > 30,
        "the scan found too few imports: {edges:?}"
    );
    let mut wrong = Vec::new();
    for ((from, to), where_) in &edges {
        let (Some(a), Some(b)) = (stages.get(from), stages.get(to)) else {
            wrong.push(format!(
                "`{from}` → `{to}`: a module with no stage ({where_:?})"
            ));
            continue;
        };
        if b >= a {
            wrong.push(format!(
                "`{from}` (stage {a}) imports `{to}` (stage {b}) in {}",
                where_.join(", ")
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the stage order of src/lib.rs:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_import_circles() {
    let edges = edges();
    let mut graph: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (from, to) in edges.keys() {
        graph.entry(from).or_default().insert(to);
    }
    // Depth-first search with colours: a grey node met again closes a circle.
    fn visit<'a>(
        n: &'a str,
        graph: &BTreeMap<&'a str, BTreeSet<&'a str>>,
        colour: &mut BTreeMap<&'a str, u8>,
        path: &mut Vec<&'a str>,
        circles: &mut Vec<String>,
    ) {
        colour.insert(n, 1);
        path.push(n);
        for &m in graph.get(n).into_iter().flatten() {
            match colour.get(m).copied().unwrap_or(0) {
                0 => visit(m, graph, colour, path, circles),
                1 => {
                    let start = path.iter().position(|x| *x == m).unwrap();
                    let mut c: Vec<&str> = path[start..].to_vec();
                    c.push(m);
                    circles.push(c.join(" → "));
                }
                _ => {}
            }
        }
        path.pop();
        colour.insert(n, 2);
    }
    let mut colour = BTreeMap::new();
    let mut circles = Vec::new();
    let nodes: Vec<&str> = graph.keys().copied().collect();
    for n in nodes {
        if colour.get(n).copied().unwrap_or(0) == 0 {
            visit(n, &graph, &mut colour, &mut Vec::new(), &mut circles);
        }
    }
    assert!(
        circles.is_empty(),
        "import circles between top-level modules:\n{}",
        circles.join("\n")
    );
}

#[test]
fn the_scanner_sees_grouped_and_plain_imports_but_not_comments_or_strings() {
    let text = "use crate::{lang::Rule, value};\n// crate::cli\nlet s = \"crate::report\";\nfn f() { crate::engine::run() }\n#[cfg(test)]\nmod tests { use crate::cli; }\n";
    let found = imports(&code(text));
    let want: BTreeSet<String> = ["lang", "value", "engine"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(found, want);
}
