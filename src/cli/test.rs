//! `kbcheck test`: run the test cases the rules carry.

use super::load::{load_rules, today};
use super::{Exit, Io, RuleArgs};
use crate::lang::RuleSet;
use crate::lang::load::{RuleSources, load};
use crate::limits::Limits;
use clap::Args;
use std::collections::BTreeSet;
use std::path::Path;

#[derive(Args, Debug)]
pub struct TestArgs {
    /// Rule files, folders or globs to test (default: the bundled rules).
    #[arg(value_name = "RULES")]
    pub paths: Vec<String>,
    /// "Today" for rule cases that compare dates and set no `today:`, YYYY-MM-DD [default: $KBCHECK_TODAY, else the system date].
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,
}

pub fn test(a: &TestArgs, io: &mut Io<'_>) -> Exit {
    let args = RuleArgs {
        rules: a.paths.clone(),
        only_rules: Vec::new(),
        no_default_rules: !a.paths.is_empty(),
        default_rules: false,
        config: None,
        no_config: true,
        strict: false,
    };
    let Some(today) = today(a.today.as_deref(), io) else {
        return Exit::Invalid;
    };
    let Some(mut set) = load_rules(&args, &Limits::default(), io) else {
        return Exit::Invalid;
    };
    set.today = Some(today);
    if set.rules.is_empty() {
        let _ = writeln!(io.err, "error: no rules to test");
        return Exit::Invalid;
    }
    let tested: BTreeSet<String> = set.rules.iter().map(|r| r.id.clone()).collect();
    folder_derivations(&a.paths, &mut set, io);
    let results = crate::ruletest::run_only(&set, &tested);
    let _ = io
        .out
        .write_all(crate::ruletest::render(&results).as_bytes());
    if results.iter().all(crate::ruletest::RuleResult::passed) {
        Exit::Clean
    } else {
        Exit::Findings
    }
}

/// Derivations are rule-set wide: a rule file tested alone gets the derivations of the other
/// rule files in its folder, so `kbcheck test FILE` gives what `kbcheck test FOLDER` gives for
/// it. A folder that does not load adds none, with a note saying so.
fn folder_derivations(paths: &[String], set: &mut RuleSet, io: &mut Io<'_>) {
    let mut dirs: Vec<String> = paths
        .iter()
        .map(Path::new)
        .filter(|p| p.is_file())
        .map(|p| match p.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.display().to_string(),
            _ => ".".to_owned(),
        })
        .collect();
    dirs.sort();
    dirs.dedup();
    for dir in dirs {
        let sources = RuleSources {
            bundled: false,
            paths: vec![dir.clone()],
        };
        match load(&sources, &Limits::default()) {
            Ok(folder) => {
                for rule in folder.rules {
                    if rule.is_derivation() && set.get(&rule.id).is_none() {
                        set.rules.push(rule);
                    }
                }
            }
            Err(_) => {
                let _ = writeln!(
                    io.err,
                    "note: the derivations of the other rule files in `{dir}` are not applied: the folder does not load (`kbcheck test {dir}` says why)"
                );
            }
        }
    }
    set.rules.sort_by(|a, b| a.id.cmp(&b.id));
}
