//! The command line: argument parsing and one library function per subcommand.
//!
//! Every subcommand returns an [`Exit`] code; `main` only parses, runs and exits, so tests
//! call [`run`] in-process with their own output buffers. This file holds the argument
//! definitions' root and the dispatch; each subcommand has its own file, the flags several
//! share are in `args`, loading rules and topologies in `load`, output in `io`.

mod args;
mod check;
mod explain;
mod graph;
mod io;
mod load;
mod lsp;
mod rules;
mod schema;
mod test;
mod validate;

pub use args::{LimitArgs, RuleArgs};
pub use check::{CheckArgs, check};
pub use explain::{ExplainArgs, describe_rule, explain};
pub use graph::{GraphArgs, graph};
pub use io::{Io, write_atomically};
pub use load::load_topology;
pub use lsp::{LspArgs, lsp};
pub use rules::{RulesArgs, list_rules};
pub use schema::{SchemaArgs, SchemaKind, schema};
pub use test::{TestArgs, test};
pub use validate::{ValidateArgs, validate};

use clap::{Parser, Subcommand};
use std::ffi::OsString;

/// Exit codes (DESIGN contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Nothing at or above `--fail-on`.
    Clean = 0,
    /// Findings at or above `--fail-on` (or failing rule tests).
    Findings = 1,
    /// Invalid input: topology, rules, arguments.
    Invalid = 2,
}

#[derive(Parser, Debug)]
#[command(
    name = "kbcheck",
    version,
    about = "Check a described mail topology against Microsoft Knowledge Base rules, before anything is deployed."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Human output shows at most N diagnostics (input errors, findings), then how many more
    /// of each code were left out; 0 shows all. JSON, SARIF and the other formats list all.
    #[arg(long, global = true, value_name = "N", default_value_t = 50)]
    pub max_diagnostics: usize,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check topology files against the rules (the main job).
    Check(CheckArgs),
    /// Check topology files for format, reference and vocabulary errors only.
    Validate(ValidateArgs),
    /// Run the test cases the rules carry.
    Test(TestArgs),
    /// List the rules.
    Rules(RulesArgs),
    /// Show a rule's KB article details and its logic in plain words.
    Explain(ExplainArgs),
    /// Print a JSON Schema (for editors and tools).
    Schema(SchemaArgs),
    /// Draw a topology as a diagram, with the findings highlighted.
    Graph(GraphArgs),
    /// Run a language server over standard input and output, for editors.
    Lsp(LspArgs),
    /// Start a new rule file from a skeleton.
    New(crate::newrule::NewArgs),
}

/// Parse arguments and run; argument errors exit 2 (help and version exit 0).
pub fn run(args: Vec<OsString>, io: &mut Io<'_>) -> Exit {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let text = if io.color {
                e.render().ansi().to_string()
            } else {
                e.render().to_string()
            };
            return if e.use_stderr() {
                let _ = io.err.write_all(text.as_bytes());
                Exit::Invalid
            } else {
                let _ = io.out.write_all(text.as_bytes());
                Exit::Clean
            };
        }
    };
    io.max_diagnostics = cli.max_diagnostics;
    match cli.command {
        Command::Check(a) => check(&a, io),
        Command::Validate(a) => validate(&a, io),
        Command::Test(a) => test(&a, io),
        Command::Rules(a) => list_rules(&a, io),
        Command::Explain(a) => explain(&a, io),
        Command::Schema(a) => schema(&a, io),
        Command::Graph(a) => graph(&a, io),
        Command::Lsp(a) => lsp(&a, io),
        Command::New(a) => match crate::newrule::run(&a, io.out) {
            Ok(()) => Exit::Clean,
            Err(d) => {
                io.diag(&d);
                Exit::Invalid
            }
        },
    }
}

/// Set by the binary: the process exits after the command, so big inputs need not be freed.
pub static EXITING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
