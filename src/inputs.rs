//! The topology arguments of `check` and `validate`: files, folders and glob patterns, and
//! telling a topology from the other files kbcheck reads.
//!
//! A file named on the command line must be a topology: a rule file, vocabulary, pack,
//! waivers file or project config is refused with one diagnostic saying which flag takes
//! it. A folder (searched recursively, hidden entries left out) or a quoted glob brings
//! every `.yaml`, `.yml` and `.json` file it holds that is a topology, in sorted order; the
//! other kinds are skipped with one note per kind. A folder or glob that brings no topology
//! is an error: a gate never passes because its inputs went missing.

use crate::diagnostic::{Diag, Diags};
use crate::lang::RuleSet;
use crate::limits::Limits;
use crate::parse::{parse_topology, read_file};
use crate::source::SourceFile;
use crate::topology::{Builder, Topology};
use crate::value::{Node, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One file to read as a topology.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub path: PathBuf,
    /// The folder or glob argument that brought the file; `None` when it was named itself.
    pub found_in: Option<String>,
}

/// What a data file is, judged by its name and its top-level keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Shape {
    Topology,
    Rule,
    Vocabulary,
    Pack,
    Waivers,
    Config,
}

impl Shape {
    /// "rule file", "vocabulary file", ...
    pub fn word(self) -> &'static str {
        match self {
            Shape::Topology => "topology",
            Shape::Rule => "rule file",
            Shape::Vocabulary => "vocabulary file",
            Shape::Pack => "pack file",
            Shape::Waivers => "waivers file",
            Shape::Config => "project config file",
        }
    }

    /// How files of this kind are given to kbcheck, for the note on skipped ones.
    fn how_many(self) -> &'static str {
        match self {
            Shape::Topology => "name them as topologies",
            Shape::Rule => "pass rule files with `--rules`",
            Shape::Vocabulary | Shape::Pack => {
                "they are read with the rules of a folder given with `--rules`"
            }
            Shape::Waivers => "pass a waivers file with `--waivers`",
            Shape::Config => "pass a config with `--config`",
        }
    }

    /// How such a file is given to kbcheck.
    fn how(self) -> &'static str {
        match self {
            Shape::Topology => "name it as a topology",
            Shape::Rule => {
                "pass it with `--rules` (repeat `--rules` for each path or give a folder)"
            }
            Shape::Vocabulary | Shape::Pack => {
                "it is read with the rules of its folder: pass the folder with `--rules`"
            }
            Shape::Waivers => "pass it with `--waivers`",
            Shape::Config => "pass it with `--config`",
        }
    }
}

/// Top-level keys only a rule has (besides `id`).
const RULE_LOGIC: &[&str] = &["select", "when", "group", "derive"];
/// Top-level keys only a project config has.
const CONFIG_KEYS: &[&str] = &["rules", "fail-on", "format", "no-default-rules"];

/// Judge a parsed file by its shape: a topology has `nodes` (a list) or `version`; a rule
/// an `id` and logic; a waivers file a `waivers` list; a config its settings; a vocabulary
/// `nodes` or `links` maps (or `common`) and no `version`; a pack a `kbcheck` version or its
/// file name.
/// Anything else counts as a topology, so that its mistakes are reported, never skipped.
pub fn shape(path: &Path, tree: &Node) -> Shape {
    let Value::Map(_) = &tree.value else {
        return Shape::Topology;
    };
    let has = |k: &str| tree.value.get(k).is_some();
    let is_map = |k: &str| {
        matches!(
            tree.value.get(k),
            Some(Node {
                value: Value::Map(_),
                ..
            })
        )
    };
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let in_vocabulary_folder = path
        .parent()
        .and_then(Path::file_name)
        .is_some_and(|n| n == "vocabulary");
    if has("id") && RULE_LOGIC.iter().any(|k| has(k)) && !has("nodes") && !has("version") {
        return Shape::Rule;
    }
    if !has("version") && (is_map("nodes") || is_map("links") || has("common")) {
        return Shape::Vocabulary;
    }
    if has("nodes") || has("links") {
        return Shape::Topology;
    }
    if matches!(
        tree.value.get("waivers"),
        Some(Node {
            value: Value::List(_),
            ..
        })
    ) {
        return Shape::Waivers;
    }
    if CONFIG_KEYS.iter().any(|k| has(k)) || name.starts_with("kbcheck.") {
        return Shape::Config;
    }
    if has("kbcheck") || name.starts_with("pack.") {
        return Shape::Pack;
    }
    if name.starts_with("vocabulary.") || in_vocabulary_folder {
        return Shape::Vocabulary;
    }
    Shape::Topology
}

/// The diagnostic for a file named as a topology that is another kind of file.
fn not_a_topology(file: &SourceFile, tree: &Node, shape: Shape) -> Diag {
    let (key, label) = match shape {
        Shape::Rule => ("id", "a rule's `id`"),
        Shape::Waivers => ("waivers", "the waivers"),
        _ => ("", ""),
    };
    let d = Diag::error(
        "inputs::not_a_topology",
        format!("`{}` is a {}; {}", file.name(), shape.word(), shape.how()),
    )
    .help("a topology has `version` and `nodes`; run `kbcheck schema topology` for its format");
    match tree.value.get(key) {
        Some(n) => d.at(file, n.pos, label),
        None => d.at(file, tree.pos, "not a topology"),
    }
}

/// Load one topology file named on the command line: read, parse (building entities as the
/// items are read), refuse files of other kinds, validate, index.
pub fn load_topology(
    path: &Path,
    set: &RuleSet,
    limits: &Limits,
) -> Result<(Topology, Diags), Diags> {
    let file = read_file(path, limits)?;
    let (top, builder) = read_streamed(&file, set, limits)?;
    match shape(path, &top) {
        Shape::Topology => builder.finish(top),
        other => Err(not_a_topology(&file, &top, other).into()),
    }
}

/// Load a topology from a file's text (an editor's buffer): parse, validate, index.
pub fn topology_from_text(
    file: &SourceFile,
    set: &RuleSet,
    limits: &Limits,
) -> Result<(Topology, Diags), Diags> {
    let (top, builder) = read_streamed(file, set, limits)?;
    builder.finish(top)
}

/// Parse a file that may be a topology, each item of its `nodes` and `links` lists built
/// into an entity as soon as it is read: the document's top-level map, and the builder that
/// finishes the topology from it.
fn read_streamed<'a>(
    file: &'a SourceFile,
    set: &'a RuleSet,
    limits: &'a Limits,
) -> Result<(Node, Builder<'a>), Diag> {
    let mut builder = Builder::new(file, &set.vocab, limits);
    let top = parse_topology(file, limits, &mut |list, item| builder.item(list, item))?;
    Ok((top, builder))
}

/// The topologies of the arguments, and the notes on files skipped.
#[derive(Debug, Default)]
pub struct Loaded {
    pub topologies: Vec<(Topology, Diags)>,
    /// One line per folder or glob and kind of file skipped.
    pub notes: Vec<String>,
}

/// Resolve the arguments and load every topology, collecting every file's errors.
pub fn load_all(args: &[PathBuf], set: &RuleSet, limits: &Limits) -> Result<Loaded, Diags> {
    let (inputs, mut diags) = expand(args);
    let mut loaded = Loaded::default();
    let mut skipped: BTreeMap<(&str, Shape), usize> = BTreeMap::new();
    let mut brought: BTreeSet<&str> = BTreeSet::new();
    for input in &inputs {
        let result = match &input.found_in {
            None => load_topology(&input.path, set, limits),
            Some(arg) => {
                let parsed = read_file(&input.path, limits).and_then(|file| {
                    let (top, builder) = read_streamed(&file, set, limits)?;
                    let shape = shape(&input.path, &top);
                    let result = match shape {
                        Shape::Topology => builder.finish(top),
                        // Not a topology: the file's kind is all that counts.
                        _ => Err(Diags::default()),
                    };
                    Ok((shape, result))
                });
                match parsed {
                    Err(d) => Err(d.into()),
                    Ok((Shape::Topology, result)) => {
                        brought.insert(arg);
                        result
                    }
                    Ok((other, _)) => {
                        *skipped.entry((arg.as_str(), other)).or_default() += 1;
                        continue;
                    }
                }
            }
        };
        match result {
            Ok(t) => loaded.topologies.push(t),
            Err(d) => diags.extend(d),
        }
    }
    for ((arg, shape), n) in &skipped {
        loaded.notes.push(format!(
            "skipped {n} {}{} in `{arg}`: not topologies ({})",
            shape.word(),
            crate::report::plural(*n),
            shape.how_many(),
        ));
    }
    let mut reported = BTreeSet::new();
    for input in &inputs {
        if let Some(arg) = &input.found_in
            && !brought.contains(arg.as_str())
            && reported.insert(arg.as_str())
        {
            let what: Vec<String> = skipped
                .iter()
                .filter(|((a, _), _)| a == arg)
                .map(|((_, s), n)| format!("{n} {}{}", s.word(), crate::report::plural(*n)))
                .collect();
            // A folder whose files all failed to load has its errors already.
            if !what.is_empty() {
                diags.push(
                    Diag::error(
                        "inputs::no_topologies",
                        format!("`{arg}` holds no topology, only {}", what.join(", ")),
                    )
                    .in_file(arg)
                    .help("name a folder, file or quoted glob of topology files; a gate must not pass because its topologies went missing"),
                );
            }
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(loaded)
}

/// Expand the arguments: a file as itself, a folder into its data files (recursively,
/// sorted, hidden entries left out), a glob pattern into the data files it matches
/// (sorted). A file reached twice is read once. Anything else is left for reading to
/// report (`cannot find ...`).
pub fn expand(args: &[PathBuf]) -> (Vec<Input>, Diags) {
    let mut diags = Diags::default();
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut push = |input: Input, out: &mut Vec<Input>| {
        let key = input
            .path
            .canonicalize()
            .unwrap_or_else(|_| input.path.clone());
        if seen.insert(key) {
            out.push(input);
        }
    };
    for arg in args {
        let text = arg.display().to_string();
        let found = |path: PathBuf| Input {
            path,
            found_in: Some(text.clone()),
        };
        if arg.is_dir() {
            let mut files = Vec::new();
            walk(arg, &mut files);
            if files.is_empty() {
                diags.push(
                    Diag::error(
                        "inputs::no_topologies",
                        format!("`{text}` has no topology files (.yaml, .yml, .json)"),
                    )
                    .in_file(&text)
                    .help("name a folder, file or quoted glob of topology files; a gate must not pass because its topologies went missing"),
                );
            }
            for f in files {
                push(found(f), &mut out);
            }
        } else if !arg.exists() && text.contains(['*', '?', '[']) {
            let files = glob_files(&text, &mut diags);
            for f in files {
                push(found(f), &mut out);
            }
        } else {
            push(
                Input {
                    path: arg.clone(),
                    found_in: None,
                },
                &mut out,
            );
        }
    }
    (out, diags)
}

/// The data files a glob pattern matches (folders it matches searched too), sorted.
fn glob_files(pattern: &str, diags: &mut Diags) -> Vec<PathBuf> {
    let paths = match glob::glob(pattern) {
        Ok(paths) => paths,
        Err(e) => {
            diags.push(
                Diag::error(
                    "inputs::bad_glob",
                    format!("invalid glob pattern `{pattern}`: {}", e.msg),
                )
                .in_file(pattern)
                .help("use `*`, `**` and `?`; quote the pattern so the shell does not expand it"),
            );
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for p in paths.flatten() {
        if p.is_dir() {
            walk(&p, &mut out);
        } else if crate::lang::load::is_data_file(&p) {
            out.push(p);
        }
    }
    out.sort();
    if out.is_empty() {
        diags.push(
            Diag::error(
                "inputs::no_match",
                format!("`{pattern}` matches no topology files (.yaml, .yml, .json)"),
            )
            .in_file(pattern)
            .help("check the pattern; a gate must not pass because its topologies went missing"),
        );
    }
    out
}

/// The data files under a folder, sorted, those in hidden folders (`.git`) or hidden
/// themselves left out.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut all = Vec::new();
    crate::lang::load::walk(dir, &mut all);
    let hidden = |p: &Path| {
        p.strip_prefix(dir).is_ok_and(|rel| {
            rel.components()
                .any(|c| c.as_os_str().to_str().is_some_and(|n| n.starts_with('.')))
        })
    };
    out.extend(all.into_iter().filter(|p| !hidden(p)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge(name: &str, text: &str) -> Shape {
        let file = SourceFile::new(name, text.to_owned());
        let tree = crate::parse::parse_document(&file, &Limits::default()).unwrap();
        shape(Path::new(name), &tree)
    }

    /// Items are built as they are read, yet a file that lists its links before its nodes
    /// gives the same entities (nodes first) and the same diagnostics in the same order: the
    /// top-level keys, the nodes, the links, then references.
    #[test]
    fn links_before_nodes_load_as_nodes_before_links() {
        let set = crate::lang::load::load(
            &crate::lang::load::RuleSources {
                bundled: true,
                paths: Vec::new(),
            },
            &Limits::default(),
        )
        .unwrap();
        let nodes = "nodes:\n  - {id: S1, kind: server, colour: red}\n  - {id: S2, kind: servr}\n  - {id: P1, kind: postoffice, parent: S9}\n";
        let links = "links:\n  - {kind: msmail-connector, from: S1, to: S3}\n  - {kind: msmail-conector, from: S1, to: S2}\n";
        let load = |text: String| {
            let file = SourceFile::new("t.yaml", text);
            let diags = topology_from_text(&file, &set, &Limits::default()).unwrap_err();
            diags
                .iter()
                .map(|d| format!("{} {}", d.code, d.message))
                .collect::<Vec<_>>()
        };
        let first = load(format!("version: 2\nbogus: 1\n{nodes}{links}"));
        let second = load(format!("{links}bogus: 1\n{nodes}version: 2\n"));
        assert_eq!(first, second);
        let codes: Vec<&str> = first.iter().map(|d| d.split(' ').next().unwrap()).collect();
        assert_eq!(
            codes,
            [
                "kbcheck::topology::unsupported_version",
                "kbcheck::topology::unknown_key",
                "kbcheck::topology::unknown_attribute",
                "kbcheck::topology::unknown_kind",
                "kbcheck::topology::unknown_kind",
                "kbcheck::topology::unknown_reference",
                "kbcheck::topology::unknown_reference",
            ],
            "{first:#?}"
        );
        let ok = "version: 1\nlinks: [{kind: msmail-connector, from: S1, to: S2}]\nnodes: [{id: S1, kind: server}, {id: S2, kind: server}]\n";
        let (topo, _) = topology_from_text(
            &SourceFile::new("t.yaml", ok.to_owned()),
            &set,
            &Limits::default(),
        )
        .unwrap();
        let ids: Vec<&str> = topo.entities.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["S1", "S2", "msmail-connector:S1->S2"]);
        assert_eq!((topo.entity(2).from, topo.entity(2).to), (Some(0), Some(1)));
    }

    #[test]
    fn files_are_judged_by_their_shape() {
        let cases = [
            ("a.yaml", "version: 1\nnodes: []\n", Shape::Topology),
            (
                "a.yaml",
                "nodes: [{id: A, kind: server}]\n",
                Shape::Topology,
            ),
            ("a.yaml", "name: only a name\n", Shape::Topology),
            ("a.yaml", "[1, 2]\n", Shape::Topology),
            (
                "b.yaml",
                "id: R\ntitle: t\nselect: {kind: server}\n",
                Shape::Rule,
            ),
            ("b.yaml", "id: R\nderive: {set: {a: 1}}\n", Shape::Rule),
            (
                "b.yaml",
                "id: R\nversion: 1\nnodes: []\nwhen: {}\n",
                Shape::Topology,
            ),
            ("v.yaml", "nodes: {server: {}}\n", Shape::Vocabulary),
            (
                "t.yaml",
                "version: 1\nnodes: {server: {}}\n",
                Shape::Topology,
            ),
            ("vocabulary.yaml", "name: mail\n", Shape::Vocabulary),
            ("x/vocabulary/m.yaml", "description: d\n", Shape::Vocabulary),
            ("pack.yaml", "name: p\nversion: '1'\n", Shape::Pack),
            ("p.yaml", "name: p\nkbcheck: '>=0.1'\n", Shape::Pack),
            ("w.yaml", "waivers: []\n", Shape::Waivers),
            (
                "c.yaml",
                "waivers: w.yaml\nfail-on: warning\n",
                Shape::Config,
            ),
            ("kbcheck.yaml", "{}\n", Shape::Config),
        ];
        for (name, text, want) in cases {
            assert_eq!(judge(name, text), want, "{name}: {text}");
        }
    }
}
