//! Loading what a command reads, with its diagnostics: rules, then topologies.

use super::{Io, RuleArgs};
use crate::diagnostic::Diags;
use crate::lang::RuleSet;
use crate::lang::load::{RuleSources, load};
use crate::limits::Limits;
use crate::progress::Progress;
use crate::report;
use crate::topology::Topology;
use std::path::{Path, PathBuf};

/// "Today", for waivers and rules that compare dates: `--today`, else `$KBCHECK_TODAY`, else
/// the system date; `None` (reported) when the one given is not a date.
pub(super) fn today(flag: Option<&str>, io: &mut Io<'_>) -> Option<crate::date::Date> {
    crate::waivers::today(flag).map_err(|d| io.diag(&d)).ok()
}

/// Load the rules named by the flags and the project config.
pub(super) fn load_rules(args: &RuleArgs, limits: &Limits, io: &mut Io<'_>) -> Option<RuleSet> {
    let config = args.project_config(io).ok()?;
    let mut set = load_sources(&args.sources(config.as_ref()), limits, io)?;
    set.vocab.strict = args.strict(config.as_ref());
    Some(set)
}

pub(super) fn load_sources(
    sources: &RuleSources,
    limits: &Limits,
    io: &mut Io<'_>,
) -> Option<RuleSet> {
    match load(sources, limits) {
        Ok(set) => {
            io.diags(&set.warnings);
            Some(set)
        }
        Err(diags) => {
            io.diags(&diags);
            let n = diags.iter().filter(|d| d.is_error()).count();
            let _ = writeln!(
                io.err,
                "error: {n} problem{} in the rules; nothing was checked",
                report::plural(n)
            );
            None
        }
    }
}

/// Load one topology file: read, parse, refuse other kinds of files, validate, index.
pub fn load_topology(
    path: &Path,
    set: &RuleSet,
    limits: &Limits,
) -> Result<(Topology, Diags), Diags> {
    crate::inputs::load_topology(path, set, limits)
}

/// Load every topology the arguments name (files, folders, globs), collecting every file's
/// errors; a note on stderr for each kind of file a folder or glob brought and was skipped.
pub(super) fn load_topologies(
    paths: &[PathBuf],
    set: &RuleSet,
    limits: &Limits,
    progress: Progress,
    io: &mut Io<'_>,
) -> Option<Vec<(Topology, Diags)>> {
    let loading = progress.loading(|| {
        let (inputs, _) = crate::inputs::expand(paths);
        inputs.into_iter().map(|i| i.path).collect()
    });
    let loaded = crate::inputs::load_all(paths, set, limits);
    drop(loading);
    match loaded {
        Ok(loaded) => {
            for note in &loaded.notes {
                let _ = writeln!(io.err, "note: {note}");
            }
            Some(loaded.topologies)
        }
        Err(diags) => {
            invalid_topology(&diags, io);
            None
        }
    }
}

/// Load the one topology file a command takes (`graph`, `explain --topology`, `--base`).
pub(super) fn load_one(
    path: &Path,
    set: &RuleSet,
    limits: &Limits,
    io: &mut Io<'_>,
) -> Option<(Topology, Diags)> {
    load_topology(path, set, limits)
        .map_err(|diags| invalid_topology(&diags, io))
        .ok()
}

fn invalid_topology(diags: &Diags, io: &mut Io<'_>) {
    io.diags(diags);
    let strict = diags
        .iter()
        .any(|d| d.is_error() && crate::vocabulary::UNKNOWN_WORD_CODES.contains(&d.code.as_str()));
    if strict {
        let _ = writeln!(
            io.err,
            "note: `--strict` (or `strict: true` in kbcheck.yaml) makes words the vocabulary does not know errors; without it they are warnings"
        );
    }
    let _ = writeln!(io.err, "error: invalid topology; nothing was checked");
}
