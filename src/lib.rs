//! kbcheck: checks a described mail topology against rules that encode Microsoft
//! Knowledge Base articles.
//!
//! Stages, one module each, data flowing one way: `parse` (files → spanned trees),
//! `topology` and `vocabulary` (validate and index), `rules` (load and compile),
//! `engine` (evaluate), `report` (render). `cli` ties them to the command line.

pub mod cli;
pub mod diagnostic;
pub mod engine;
pub mod explain;
pub mod finding;
// Pictures: the topology as a diagram with the findings drawn on it.
pub mod graph;
pub mod json;
pub mod limits;
pub mod parse;
pub mod reader;
pub mod report;
pub mod rules;
pub mod ruletest;
pub mod source;
pub mod topology;
pub mod value;
pub mod vocabulary;
// Review-gate stages: fingerprints, waivers, project config and topology diffs.
pub mod config;
pub mod date;
pub mod diff;
pub mod fingerprint;
pub mod waivers;
