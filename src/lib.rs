//! kbcheck: checks a described mail topology against rules that encode Microsoft
//! Knowledge Base articles.
//!
//! Stages, one module each, data flowing one way: `parse` (files → spanned trees),
//! `topology` and `vocabulary` (validate and index), `rules` (load and compile),
//! `engine` (evaluate), `report` (render). `cli` ties them to the command line.

pub mod diagnostic;
pub mod engine;
pub mod explain;
pub mod finding;
pub mod parse;
pub mod reader;
pub mod rules;
pub mod source;
pub mod topology;
pub mod value;
pub mod vocabulary;
pub mod cli;
pub mod report;
pub mod ruletest;
