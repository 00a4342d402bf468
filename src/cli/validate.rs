//! `kbcheck validate`: format, reference and vocabulary errors only.

use super::load::{load_rules, load_topologies};
use super::{Exit, Io, LimitArgs, RuleArgs};
use crate::progress::Progress;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// Topology files (YAML or JSON), folders of them or quoted glob patterns.
    #[arg(required = true, value_name = "TOPOLOGY")]
    pub topologies: Vec<PathBuf>,
    /// Rule packs whose vocabularies the topologies use.
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Show no progress indicator (shown otherwise on a terminal, for large topologies).
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub limits: LimitArgs,
}

pub fn validate(a: &ValidateArgs, io: &mut Io<'_>) -> Exit {
    let limits = a.limits.limits();
    let Some(set) = load_rules(&a.rules, &a.limits.rule_limits(), io) else {
        return Exit::Invalid;
    };
    let progress = Progress::new(a.quiet, false);
    let Some(topos) = load_topologies(&a.topologies, &set, &limits, progress, io) else {
        return Exit::Invalid;
    };
    for (t, warnings) in &topos {
        io.diags(warnings);
        let links = t.len() - t.node_count;
        let _ = writeln!(
            io.out,
            "{}: valid ({} nodes, {links} links, {} warnings)",
            t.file.name(),
            t.node_count,
            warnings.0.len()
        );
    }
    Exit::Clean
}
