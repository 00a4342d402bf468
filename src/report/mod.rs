//! Reports: one renderer per output format, all reading the same findings.

pub mod human;
pub mod json;

use crate::diagnostic::Diags;
use crate::finding::Finding;
use crate::rules::RuleSet;
use crate::topology::Topology;

/// One checked topology file and what the rules found in it.
pub struct Checked {
    pub topology: Topology,
    pub findings: Vec<Finding>,
    /// Warnings about the topology (unknown attributes).
    pub warnings: Diags,
}

/// Output formats of `kbcheck check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Diagnostics for people, with the topology lines of every entity involved.
    Human,
    /// One JSON object: `findings` and `summary` (the stable contract for tools).
    Json,
}

/// Render findings in a format.
pub fn render(format: Format, checked: &[Checked], rules: &RuleSet, color: bool) -> String {
    match format {
        Format::Human => human::render(checked, rules, color),
        Format::Json => json::render(checked, rules),
    }
}

/// Render any miette diagnostic as text (graphical, with or without colour).
pub fn render_diagnostic(d: &dyn miette::Diagnostic, color: bool) -> String {
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false)
        .with_context_lines(1);
    let mut out = String::new();
    if handler.render_report(&mut out, d).is_err() {
        out = format!("{d}\n");
    }
    out
}
