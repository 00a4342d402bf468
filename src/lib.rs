//! kbcheck: checks a described mail topology against rules that encode Microsoft
//! Knowledge Base articles.
//!
//! Stages, lowest first. A module imports only from stages listed before its own (never from
//! its own line's neighbours, never from a later line); `tests/architecture.rs` reads this
//! list and fails on any import against it and on any import circle. Unit-test modules
//! (`#[cfg(test)]`) may import any stage to build their inputs.
//!
//! 1. `value` — the spanned tree every file becomes (maps, lists, scalars with positions)
//! 2. `source` — files and their text; line and column of a byte offset
//! 3. `date`, `fingerprint`, `kb` — calendar dates (`jiff`), times of day, time windows;
//!    stable finding ids (`sha2`); KB article addresses (no imports from this crate)
//! 4. `diagnostic` — input errors as miette diagnostics with spans and help
//! 5. `limits` — what one run may hold (file size, depth, nodes, links, rules, regex size)
//! 6. `json` — JSON into the spanned tree
//! 7. `parse` — files (YAML or JSON) into the spanned tree, within the limits; a topology's
//!    `nodes` and `links` items handed to the loader one at a time as they are read
//! 8. `reader` — reading maps of the tree with unknown-key checks
//! 9. `vocabulary` — kinds and attributes as data (bundled plus packs)
//! 10. `topology` — a validated topology, built item by item, indexed by id, kind, containment
//!     and links
//! 11. `lang` — the rule language: compiled rules, conditions, operators, relations, messages
//! 12. `finding` — findings and inconclusive results as plain data
//! 13. `engine` — runs a rule set over a topology: derivations, dispatch, groups, results
//! 14. `explain`, `ruletest`, `newrule` — why a rule fires; rules' own test cases; rule skeletons
//! 15. `gate` — a checked topology with its findings; what fails the run (`--fail-on`)
//! 16. `waivers`, `diff` — waived findings; findings a change introduced or resolved
//! 17. `graph` — the topology as a diagram with its findings drawn on it
//! 18. `report` — one renderer per output format
//! 19. `config`, `inputs`, `progress` — the project's `kbcheck.yaml`; the topology arguments
//!     (files, folders, globs) and files of other kinds refused or skipped; progress on long runs
//! 20. `lsp` — the language server for editors (`kbcheck lsp`)
//! 21. `cli` — one function per subcommand, returning its exit code

pub mod cli;
pub mod config;
pub mod date;
pub mod diagnostic;
pub mod diff;
pub mod engine;
pub mod explain;
pub mod finding;
pub mod fingerprint;
pub mod gate;
pub mod graph;
pub mod inputs;
pub mod json;
pub mod kb;
pub mod lang;
pub mod limits;
pub mod lsp;
pub mod newrule;
pub mod parse;
pub mod progress;
pub mod reader;
pub mod report;
pub mod ruletest;
pub mod source;
pub mod topology;
pub mod value;
pub mod vocabulary;
pub mod waivers;
