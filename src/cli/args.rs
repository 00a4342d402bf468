//! The flags several subcommands share: which rules to load, and the input limits.

use super::{Exit, Io};
use crate::config::{self, Config};
use crate::lang::load::RuleSources;
use crate::limits::Limits;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug, Clone)]
pub struct RuleArgs {
    /// Add rules from a file, a folder or a glob pattern (repeatable), besides those the
    /// project config lists.
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<String>,
    /// Load rules from this file, folder or glob (repeatable) instead of those the project
    /// config lists; with `--rules`, both are loaded.
    #[arg(long = "only-rules", value_name = "PATH")]
    pub only_rules: Vec<String>,
    /// Leave out the rules built into kbcheck.
    #[arg(long)]
    pub no_default_rules: bool,
    /// Keep the built-in rules even if kbcheck.yaml says `no-default-rules: true`.
    #[arg(long, conflicts_with = "no_default_rules")]
    pub default_rules: bool,
    /// Read project settings from this file instead of the nearest kbcheck.yaml.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore kbcheck.yaml (the nearest one, from this folder up to the repository root).
    #[arg(long)]
    pub no_config: bool,
    /// A closed world: a word the vocabulary does not know (an attribute, a node or link
    /// kind, a value outside an enumeration or the known values, a tag) is an error, not a
    /// warning [default: `strict` in kbcheck.yaml, else off].
    #[arg(long)]
    pub strict: bool,
}

impl RuleArgs {
    /// Rule sources: the project config's rules (unless `--only-rules` replaces them), then
    /// those `--rules` adds; the bundled rules unless left out.
    pub(super) fn sources(&self, config: Option<&Config>) -> RuleSources {
        let no_default =
            (self.no_default_rules || self.default_rules).then_some(self.no_default_rules);
        config::rule_sources(config, &self.rules, &self.only_rules, no_default)
    }

    /// Whether unknown words are errors: `--strict`, else `strict` in the project config.
    pub(super) fn strict(&self, config: Option<&Config>) -> bool {
        self.strict || config.and_then(|c| c.strict).unwrap_or(false)
    }

    /// The project config: `--config FILE`, else the nearest `kbcheck.yaml` from the current
    /// folder up to the repository root (unless `--no-config`). An invalid one is reported
    /// and is an error.
    pub(super) fn project_config(&self, io: &mut Io<'_>) -> Result<Option<Config>, Exit> {
        let path = match (&self.config, self.no_config) {
            (_, true) => None,
            (Some(p), false) => Some(p.clone()),
            (None, false) => config::discover(),
        };
        let Some(path) = path else { return Ok(None) };
        match config::load(&path) {
            Ok(c) => Ok(Some(c)),
            Err(diags) => {
                io.diags(&diags);
                let _ = writeln!(
                    io.err,
                    "error: invalid config file `{}`; nothing was checked",
                    path.display()
                );
                Err(Exit::Invalid)
            }
        }
    }
}

#[derive(Args, Debug, Clone)]
pub struct LimitArgs {
    /// Largest input file, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_file_bytes)]
    pub max_file_bytes: usize,
    /// Deepest nesting of lists and maps in an input file (at most 5000).
    #[arg(long, value_name = "LEVELS", default_value_t = Limits::default().max_depth,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new()
              .range(1..=crate::limits::MAX_DEPTH_CEILING as u64))]
    pub max_depth: usize,
    /// Most YAML nodes (scalars, lists, maps) in one input file.
    #[arg(long, value_name = "COUNT", default_value_t = Limits::default().max_yaml_nodes)]
    pub max_yaml_nodes: usize,
    /// Most nodes in one topology.
    #[arg(long, value_name = "COUNT", default_value_t = Limits::default().max_nodes)]
    pub max_nodes: usize,
    /// Most links in one topology.
    #[arg(long, value_name = "COUNT", default_value_t = Limits::default().max_links)]
    pub max_links: usize,
    /// Most rule files loaded (the bundled ones included).
    #[arg(long, value_name = "COUNT", default_value_t = Limits::default().max_rules)]
    pub max_rules: usize,
    /// Largest compiled size of a rule's `matches` regular expression, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_regex_bytes)]
    pub max_regex_bytes: usize,
}

impl LimitArgs {
    pub(super) fn limits(&self) -> Limits {
        Limits {
            max_file_bytes: self.max_file_bytes,
            max_depth: self.max_depth,
            max_yaml_nodes: self.max_yaml_nodes,
            max_nodes: self.max_nodes,
            max_links: self.max_links,
            max_rules: self.max_rules,
            max_regex_bytes: self.max_regex_bytes,
            ..Limits::default()
        }
    }

    /// The limits rule files are read with: the file-shape limits bound topologies only (or
    /// `--max-depth 5` would refuse the bundled rules), the rule limits apply.
    pub(super) fn rule_limits(&self) -> Limits {
        Limits {
            max_rules: self.max_rules,
            max_regex_bytes: self.max_regex_bytes,
            ..Limits::default()
        }
    }
}
