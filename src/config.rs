//! Project configuration: the nearest `kbcheck.yaml` from the current folder up to the
//! repository root (the first folder with `.git`), or `--config FILE`.
//!
//! It keeps a project's settings beside its topologies (schema `schemas/config.schema.json`):
//! `rules` (paths, folders or globs), `no-default-rules`, `waivers`, `fail-on`, `format` and
//! `strict` (unknown vocabulary words are errors).
//! Paths in it are relative to the folder of the config file. Command-line flags override
//! it; `--no-config` ignores it. An invalid config stops the run with a diagnostic (exit 2).

use crate::diagnostic::{Diag, Diags, suggestion_help};
use crate::gate::FailOn;
use crate::lang::load::RuleSources;
use crate::limits::Limits;
use crate::parse::{parse_document, read_file};
use crate::reader::MapReader;
use crate::report::Format;
use crate::source::SourceFile;
use crate::value::{Node, Value};
use clap::ValueEnum;
use std::path::{Path, PathBuf};

/// The file looked for in the current folder.
pub const FILE_NAME: &str = "kbcheck.yaml";
/// Keys a config file may have.
pub const KEYS: &[&str] = &[
    "$schema",
    "rules",
    "no-default-rules",
    "waivers",
    "fail-on",
    "format",
    "strict",
];

/// A project's settings; `None` where the file says nothing.
#[derive(Debug, Default, Clone)]
pub struct Config {
    /// The config file, as named.
    pub file: String,
    /// Rule files, folders or globs, relative to the current folder.
    pub rules: Option<Vec<String>>,
    pub no_default_rules: Option<bool>,
    /// The waivers file, relative to the current folder.
    pub waivers: Option<PathBuf>,
    pub fail_on: Option<FailOn>,
    pub format: Option<Format>,
    /// Words the vocabulary does not know are errors (`--strict`).
    pub strict: Option<bool>,
}

/// Where a run's rules come from: the config's `rules` (or `only` instead, `--only-rules`),
/// then the `added` paths (`--rules`); the bundled rules unless `no_default`
/// (`--no-default-rules` / `--default-rules`, when given) or else the config's
/// `no-default-rules` says otherwise.
pub fn rule_sources(
    config: Option<&Config>,
    added: &[String],
    only: &[String],
    no_default: Option<bool>,
) -> RuleSources {
    let mut paths = if only.is_empty() {
        config.and_then(|c| c.rules.clone()).unwrap_or_default()
    } else {
        only.to_vec()
    };
    for p in added {
        if !paths.contains(p) {
            paths.push(p.clone());
        }
    }
    let no_default =
        no_default.unwrap_or_else(|| config.and_then(|c| c.no_default_rules).unwrap_or(false));
    RuleSources {
        bundled: !no_default,
        paths,
    }
}

/// The project's config file: `kbcheck.yaml` in the current folder, else in each folder
/// above it up to the repository root (the first folder holding `.git`), as other tools
/// find theirs, so a run from a subfolder keeps the project's rules, waivers and gate. The
/// path is relative to the current folder (`../../kbcheck.yaml`).
pub fn discover() -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    discover_from(&cwd)
}

/// [`discover`] starting at `start` (an absolute folder); the path found is relative to it.
pub fn discover_from(start: &Path) -> Option<PathBuf> {
    let mut up = PathBuf::new();
    for dir in start.ancestors() {
        let candidate = dir.join(FILE_NAME);
        if candidate.is_file() {
            return Some(up.join(FILE_NAME));
        }
        // The repository root is the last folder looked in: a config above it belongs to
        // another project.
        if dir.join(".git").exists() {
            return None;
        }
        up.push("..");
    }
    None
}

/// Read and check a config file.
pub fn load(path: &Path) -> Result<Config, Diags> {
    let limits = Limits::default();
    let file = read_file(path, &limits)?;
    let tree = parse_document(&file, &limits).map_err(|d| {
        if d.code == "kbcheck::parse::empty" {
            d.help("write settings such as `rules: [my-rules]` and `fail-on: warning`; see `kbcheck schema config`")
        } else {
            d
        }
    })?;
    compile(&file, &tree, path.parent().unwrap_or(Path::new("")))
}

/// Check a parsed config file; relative paths are taken from `dir`, the file's folder.
pub fn compile(file: &SourceFile, root: &Node, dir: &Path) -> Result<Config, Diags> {
    let mut diags = Diags::default();
    let mut config = Config {
        file: file.name().to_owned(),
        ..Config::default()
    };
    if let Some(mut r) = MapReader::new(file, root, "config", "the config file", &mut diags) {
        let _ = r.take("$schema");
        config.rules = r
            .strings("rules", &mut diags)
            .map(|list| list.into_iter().map(|(p, _)| rebase(dir, p)).collect());
        if let Some(node) = r.take("no-default-rules") {
            match node.value {
                Value::Bool(b) => config.no_default_rules = Some(b),
                ref other => {
                    diags.push(r.type_error("no-default-rules", node, "`true` or `false`", other))
                }
            }
        }
        if let Some(node) = r.take("strict") {
            match node.value {
                Value::Bool(b) => config.strict = Some(b),
                ref other => diags.push(r.type_error("strict", node, "`true` or `false`", other)),
            }
        }
        config.waivers = r
            .string("waivers", &mut diags)
            .map(|(p, _)| PathBuf::from(rebase(dir, p)));
        config.fail_on = choice(&mut r, "fail-on", &mut diags);
        config.format = choice(&mut r, "format", &mut diags);
        r.finish(KEYS, "the config file", &mut diags);
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(config)
    }
}

/// A path from the config file, taken relative to its folder.
fn rebase(dir: &Path, path: &str) -> String {
    if dir.as_os_str().is_empty() || Path::new(path).is_absolute() {
        path.to_owned()
    } else {
        dir.join(path).to_string_lossy().into_owned()
    }
}

/// One of a command-line option's values (`fail-on: warning`, `format: sarif`).
fn choice<T: ValueEnum>(r: &mut MapReader<'_>, key: &str, diags: &mut Diags) -> Option<T> {
    let (text, pos) = r.string(key, diags)?;
    let names: Vec<String> = T::value_variants()
        .iter()
        .filter_map(|v| v.to_possible_value())
        .map(|p| p.get_name().to_owned())
        .collect();
    match T::from_str(text, false) {
        Ok(v) => Some(v),
        Err(_) => {
            let known: Vec<&str> = names.iter().map(String::as_str).collect();
            diags.push(
                Diag::error(
                    "config::unknown_value",
                    format!("`{text}` is not a value of `{key}`"),
                )
                .at(r.file, pos, "unknown value")
                .help(suggestion_help(text, &known, "values")),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn discovery_walks_up_to_the_repository_root() {
        let root = std::env::temp_dir().join(format!("kbcheck-config-{}", std::process::id()));
        let sub = root.join("repo/topologies/emea");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::create_dir_all(root.join("repo/.git")).unwrap();
        // Nothing yet; and a config above the repository root is never taken.
        std::fs::write(root.join(super::FILE_NAME), "fail-on: warning\n").unwrap();
        assert_eq!(super::discover_from(&sub), None);
        std::fs::write(
            root.join("repo").join(super::FILE_NAME),
            "fail-on: warning\n",
        )
        .unwrap();
        assert_eq!(
            super::discover_from(&sub),
            Some(std::path::PathBuf::from("../../kbcheck.yaml"))
        );
        assert_eq!(
            super::discover_from(&root.join("repo")),
            Some(std::path::PathBuf::from("kbcheck.yaml"))
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    use super::*;

    fn compile_text(text: &str, dir: &str) -> Result<Config, Diags> {
        let file = SourceFile::new("kbcheck.yaml", text.to_owned());
        let tree = parse_document(&file, &Limits::default()).unwrap();
        compile(&file, &tree, Path::new(dir))
    }

    #[test]
    fn paths_are_relative_to_the_config_folder() {
        let c = compile_text("rules: [my-rules, /abs/rules]\nwaivers: w.yaml\nfail-on: warning\nformat: sarif\nno-default-rules: true\n", "ci")
            .unwrap();
        assert_eq!(
            c.rules,
            Some(vec!["ci/my-rules".to_owned(), "/abs/rules".to_owned()])
        );
        assert_eq!(c.waivers, Some(PathBuf::from("ci/w.yaml")));
        assert_eq!(c.fail_on, Some(FailOn::Warning));
        assert_eq!(c.format, Some(Format::Sarif));
        assert_eq!(c.no_default_rules, Some(true));
        let c = compile_text("rules: one\n", "").unwrap();
        assert_eq!(c.rules, Some(vec!["one".to_owned()]));
    }

    #[test]
    fn mistakes_are_errors_with_suggestions() {
        let e =
            compile_text("fail_on: warning\nformat: sarf\nno-default-rules: 1\n", "").unwrap_err();
        let helps: Vec<_> = e
            .iter()
            .map(|d| (d.code.as_str(), d.help.clone().unwrap_or_default()))
            .collect();
        assert!(
            helps.contains(&(
                "kbcheck::config::unknown_key",
                "did you mean `fail-on`?".to_owned()
            )),
            "{helps:?}"
        );
        assert!(
            helps.contains(&(
                "kbcheck::config::unknown_value",
                "did you mean `sarif`?".to_owned()
            )),
            "{helps:?}"
        );
        assert!(
            helps
                .iter()
                .any(|(c, _)| *c == "kbcheck::config::wrong_type"),
            "{helps:?}"
        );
    }
}
