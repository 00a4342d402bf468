//! `kbcheck test`: run the test cases the rules carry.

use super::load::{load_rules, today};
use super::{Exit, Io, RuleArgs};
use crate::limits::Limits;
use clap::Args;

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
    let results = crate::ruletest::run(&set);
    let _ = io
        .out
        .write_all(crate::ruletest::render(&results).as_bytes());
    if results.iter().all(crate::ruletest::RuleResult::passed) {
        Exit::Clean
    } else {
        Exit::Findings
    }
}
