//! `kbcheck graph`: draw a topology with its findings highlighted.

use super::io::write_output;
use super::load::{load_one, load_rules};
use super::{Exit, Io, RuleArgs};
use crate::limits::Limits;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct GraphArgs {
    /// The topology file (YAML or JSON).
    #[arg(value_name = "TOPOLOGY")]
    pub topology: PathBuf,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "svg")]
    pub format: crate::graph::GraphFormat,
    /// Write the diagram to a file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Draw only the entities within N hops (links or containment) of a finding.
    #[arg(long, value_name = "N")]
    pub neighbourhood: Option<usize>,
}

/// `kbcheck graph`: check one topology and draw it with its findings. Exits 0 once drawn,
/// findings or not; 2 on invalid input.
pub fn graph(a: &GraphArgs, io: &mut Io<'_>) -> Exit {
    let Some(set) = load_rules(&a.rules, &Limits::default(), io) else {
        return Exit::Invalid;
    };
    let Some((topology, warnings)) = load_one(&a.topology, &set, &Limits::default(), io) else {
        return Exit::Invalid;
    };
    io.diags(&warnings);
    let checked = crate::gate::evaluate(&set, topology, warnings);
    let opts = crate::graph::Options {
        neighbourhood: a.neighbourhood,
    };
    let diagram = crate::graph::build(&checked.topology, &checked.findings, &set, &opts);
    let text = crate::graph::render(&diagram, a.format, "");
    write_output(a.output.as_deref(), &text, io)
}
