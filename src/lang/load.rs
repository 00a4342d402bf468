//! Finding and loading rule files: the bundled pack, folders, files, globs and packs.
//!
//! Vocabulary files are read first (the bundled one, then any `vocabulary.yaml` or
//! `vocabulary/*.yaml` a rules folder brings), then every rule is compiled against the
//! merged vocabulary and the named conditions (`conditions.yaml`, `conditions/*.yaml`). Every error from every file is collected; any error fails the load.

use super::named::Named;
use super::{Rule, RuleSet, compile};
use crate::diagnostic::{Diag, Diags};
use crate::limits::Limits;
use crate::parse::{parse_document, read_file};
use crate::reader::MapReader;
use crate::source::SourceFile;
use crate::vocabulary::Vocabulary;
use include_dir::{Dir, include_dir};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

static BUNDLED_RULES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/rules");
static BUNDLED_VOCABULARY: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/schemas/vocabulary");

/// Where rules come from.
#[derive(Debug, Clone, Default)]
pub struct RuleSources {
    /// Include the rules built into the binary.
    pub bundled: bool,
    /// Files, folders or glob patterns given with `--rules`.
    pub paths: Vec<String>,
}

/// A file to read, from disk or from the binary.
struct Input {
    file: SourceFile,
    role: Role,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Rule,
    Vocabulary,
    Pack,
    /// Named conditions (`conditions.yaml`, or files under a `conditions/` folder).
    Conditions,
    /// A rule test case's topology (files under a `cases/` folder), read by the rule.
    Case,
}

/// A file of the bundled rules, by its path inside the rules folder.
pub fn bundled_rule_file(path: &str) -> Option<&'static [u8]> {
    BUNDLED_RULES.get_file(path).map(|f| f.contents())
}

fn role_of(path: &Path) -> Role {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let in_vocab_dir = path
        .parent()
        .and_then(|p| p.file_name())
        .is_some_and(|n| n == "vocabulary");
    let in_conditions_dir = path
        .parent()
        .and_then(|p| p.file_name())
        .is_some_and(|n| n == "conditions");
    let in_cases_dir = path
        .parent()
        .and_then(|p| p.file_name())
        .is_some_and(|n| n == "cases");
    if in_cases_dir {
        Role::Case
    } else if name.starts_with("vocabulary.") || in_vocab_dir {
        Role::Vocabulary
    } else if name.starts_with("conditions.") || in_conditions_dir {
        Role::Conditions
    } else if name.starts_with("pack.") {
        Role::Pack
    } else {
        Role::Rule
    }
}

/// A `.yaml`, `.yml` or `.json` file.
pub(crate) fn is_data_file(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// Load and compile every rule from the sources.
pub fn load(sources: &RuleSources, limits: &Limits) -> Result<RuleSet, Diags> {
    load_with(sources, limits, &[])
}

/// Load as [`load`] does, with the text of some files given rather than read (an editor's
/// unsaved buffers): a given file stands in for the file of the same path, and one the
/// sources do not reach is added.
pub fn load_with(
    sources: &RuleSources,
    limits: &Limits,
    given: &[(PathBuf, String)],
) -> Result<RuleSet, Diags> {
    let mut diags = Diags::default();
    let mut inputs = Vec::new();
    for f in BUNDLED_VOCABULARY.files() {
        if is_data_file(f.path()) {
            push_bundled(
                &mut inputs,
                &mut diags,
                "builtin:schemas/vocabulary",
                f,
                Role::Vocabulary,
            );
        }
    }
    if sources.bundled {
        bundled_rules(&BUNDLED_RULES, &mut inputs, &mut diags);
    }
    let mut seen = BTreeSet::new();
    for p in &sources.paths {
        for path in expand(p, &mut diags) {
            let key = path.canonicalize().unwrap_or_else(|_| path.clone());
            if seen.insert(key.clone()) {
                let text = given.iter().find(|(p, _)| same_file(p, &key));
                let read = match text {
                    Some((_, t)) => Ok(SourceFile::new(path.display().to_string(), t.clone())),
                    None => read_file(&path, limits),
                };
                match read {
                    Ok(file) => inputs.push(Input {
                        file,
                        role: role_of(&path),
                    }),
                    Err(d) => diags.push(d),
                }
            }
        }
    }
    for (path, text) in given {
        if !seen.iter().any(|k| same_file(path, k)) {
            inputs.push(Input {
                file: SourceFile::new(path.display().to_string(), text.clone()),
                role: role_of(path),
            });
        }
    }
    build(inputs, limits, diags)
}

/// Whether `path` names the file `canonical` (a path not on disk only by being equal).
fn same_file(path: &Path, canonical: &Path) -> bool {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf()) == canonical
}

fn push_bundled(
    inputs: &mut Vec<Input>,
    diags: &mut Diags,
    prefix: &str,
    f: &include_dir::File<'_>,
    role: Role,
) {
    let name = format!("{prefix}/{}", f.path().display());
    match crate::parse::decode(name, f.contents().to_vec()) {
        Ok(file) => inputs.push(Input { file, role }),
        Err(d) => diags.push(d),
    }
}

fn bundled_rules(dir: &Dir<'_>, inputs: &mut Vec<Input>, diags: &mut Diags) {
    for f in dir.files() {
        if is_data_file(f.path()) {
            let role = role_of(f.path());
            push_bundled(inputs, diags, "builtin:rules", f, role);
        }
    }
    for d in dir.dirs() {
        bundled_rules(d, inputs, diags);
    }
}

/// Expand a `--rules` argument: a file, a folder (recursively), or a glob pattern.
fn expand(arg: &str, diags: &mut Diags) -> Vec<PathBuf> {
    let path = Path::new(arg);
    if path.is_file() {
        let mut out = vec![path.to_path_buf()];
        // A single rule file brings its folder's vocabulary along.
        if let Some(dir) = path.parent() {
            out.extend(vocabulary_beside(dir));
        }
        return out;
    }
    if path.is_dir() {
        let mut out = Vec::new();
        walk(path, &mut out);
        if out.is_empty() {
            diags.push(
                Diag::error("rules::empty_folder", format!("`{arg}` has no rule files (.yaml, .yml, .json)"))
                    .in_file(arg)
                    .help("point `--rules` at a folder of rule files, a rule file, or a glob such as `rules/**/*.yaml`"),
            );
        }
        return out;
    }
    if arg.contains(['*', '?', '[']) {
        let mut out = Vec::new();
        match glob::glob(arg) {
            Ok(paths) => {
                for p in paths.flatten() {
                    if p.is_file() && is_data_file(&p) {
                        if let Some(dir) = p.parent() {
                            out.extend(vocabulary_beside(dir));
                        }
                        out.push(p);
                    }
                }
            }
            Err(e) => diags.push(
                Diag::error(
                    "rules::bad_glob",
                    format!("invalid glob pattern `{arg}`: {}", e.msg),
                )
                .in_file(arg)
                .help("use `*`, `**` and `?`; quote the pattern so the shell does not expand it"),
            ),
        }
        if out.is_empty() && !diags.has_errors() {
            diags.push(
                Diag::error("rules::no_match", format!("`{arg}` matches no rule files"))
                    .in_file(arg)
                    .help("check the pattern; a gate must not pass because its rules went missing"),
            );
        }
        out.sort();
        return out;
    }
    diags.push(
        Diag::error("io::not_found", format!("cannot find rules at `{arg}`"))
            .in_file(arg)
            .help("`--rules` takes a rule file, a folder of rule files, or a glob pattern"),
    );
    Vec::new()
}

fn vocabulary_beside(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for name in [
        "vocabulary.yaml",
        "vocabulary.yml",
        "vocabulary.json",
        "pack.yaml",
        "pack.yml",
        "conditions.yaml",
        "conditions.yml",
        "conditions.json",
    ] {
        let p = dir.join(name);
        if p.is_file() {
            out.push(p);
        }
    }
    for sub in ["vocabulary", "conditions"] {
        let vdir = dir.join(sub);
        if vdir.is_dir() {
            walk(&vdir, &mut out);
        }
    }
    out
}

/// The data files under a folder, recursively, sorted.
pub(crate) fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            walk(&p, out);
        } else if is_data_file(&p) {
            out.push(p);
        }
    }
}

fn build(inputs: Vec<Input>, limits: &Limits, mut diags: Diags) -> Result<RuleSet, Diags> {
    // Counted before any file is parsed, so a run pointed at a huge folder stops at once.
    let rule_files = inputs.iter().filter(|i| i.role == Role::Rule).count();
    if let Err(d) = crate::limits::check_rule_count(rule_files, limits) {
        diags.push(d);
        return Err(diags);
    }
    let mut set = RuleSet::default();
    let mut vocab = Vocabulary::default();
    let mut named = Named::default();
    let mut trees = Vec::new();
    for input in inputs {
        match parse_document(&input.file, limits) {
            Ok(tree) => trees.push((input, tree)),
            Err(d) => diags.push(d),
        }
    }
    for (input, tree) in &trees {
        match input.role {
            Role::Vocabulary => vocab.add_file(&input.file, tree, &mut diags),
            Role::Pack => {
                if let Some(p) = pack(&input.file, tree, &mut diags) {
                    set.packs.push(p);
                }
            }
            Role::Conditions => named.add_file(&input.file, tree, &mut diags),
            Role::Rule | Role::Case => {}
        }
    }
    // Once every vocabulary is in: the node kinds references may name exist.
    vocab.check_reference_kinds(&mut diags);
    let mut rules: Vec<Rule> = Vec::new();
    for (input, tree) in &trees {
        if input.role != Role::Rule {
            continue;
        }
        if let Some(d) = topology_shaped(&input.file, tree) {
            diags.push(d);
        } else if let Some(rule) =
            compile::compile_named(&input.file, tree, &vocab, limits, &named, &mut diags)
        {
            rules.push(rule);
        }
    }
    let mut first: HashMap<String, usize> = HashMap::new();
    for (i, r) in rules.iter().enumerate() {
        if let Some(&j) = first.get(&r.id) {
            if let Some(other) = rules.get(j) {
                diags.push(
                    Diag::error("rule::duplicate_id", format!("rule id `{}` is used twice", r.id))
                        .at(&r.file, r.pos, "used again here")
                        .help(format!("the id is first used in `{}`; rule ids must be unique across everything loaded", other.file.name())),
                );
            }
        } else {
            first.insert(r.id.clone(), i);
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    set.rules = rules;
    set.vocab = vocab;
    set.warnings = diags;
    Ok(set)
}

/// One clear diagnostic for a topology file among rule files (a map with `nodes` and no rule
/// keys), instead of a missing-key error for every key a rule needs.
fn topology_shaped(file: &SourceFile, tree: &crate::value::Node) -> Option<Diag> {
    let crate::value::Value::Map(entries) = &tree.value else {
        return None;
    };
    let has = |k: &str| entries.iter().any(|(key, _)| key.name == k);
    if !has("nodes") || has("id") || has("select") {
        return None;
    }
    let (nodes, _) = entries.iter().find(|(k, _)| k.name == "nodes")?;
    Some(
        Diag::error(
            "rules::topology_in_rules",
            "this looks like a topology, not a rule",
        )
        .at(file, nodes.pos, "a topology's `nodes`")
        .help("rule folders hold rules (`id`, `select`, ...); move the file out of the folder and check it with `kbcheck check FILE`, or put it in a rule's `tests` as a case"),
    )
}

/// Read a `pack.yaml`: name, version, description, and the lowest kbcheck it needs.
fn pack(
    file: &SourceFile,
    tree: &crate::value::Node,
    diags: &mut Diags,
) -> Option<(String, String)> {
    let mut r = MapReader::new(file, tree, "pack", "a pack", diags)?;
    let name = r.required_string("name", "the pack", diags);
    let version = r
        .string("version", diags)
        .map(|s| s.0.to_owned())
        .unwrap_or_default();
    let _ = r.string("description", diags);
    if let Some((needs, pos)) = r.string("kbcheck", diags) {
        match crate::lang::operators::VersionRange::parse(needs) {
            Ok(range) => {
                let ours = crate::lang::operators::Version::parse(env!("CARGO_PKG_VERSION"));
                if !ours.is_some_and(|v| range.contains(&v)) {
                    diags.push(
                        Diag::error(
                            "pack::needs_newer",
                            format!(
                                "the pack needs kbcheck `{needs}`; this is {}",
                                env!("CARGO_PKG_VERSION")
                            ),
                        )
                        .at(file, pos, "required version")
                        .help(
                            "upgrade kbcheck, or use a release of the pack made for this version",
                        ),
                    );
                }
            }
            Err(why) => diags.push(
                Diag::error(
                    "pack::bad_version_range",
                    format!("invalid version range `{needs}`: {why}"),
                )
                .at(file, pos, "here")
                .help("write e.g. `kbcheck: \">=0.1\"`"),
            ),
        }
    }
    r.finish(
        &["name", "version", "description", "kbcheck"],
        "a pack",
        diags,
    );
    name.map(|(n, _)| (n.to_owned(), version))
}
