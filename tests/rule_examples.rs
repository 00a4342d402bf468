//! The rule examples in docs/rules.md run: every fenced block marked ```` ```yaml rule-test ```` is a
//! complete rule with its own cases; each passes the rule schema, loads, and passes its cases
//! (at least one that fires, one that does not), so the reference cannot drift from the engine.
//! Blocks marked ```` ```yaml vocabulary-example ```` are a pack's vocabulary the examples load
//! with, as a rules folder brings one.
//! The "Computed values" section has an example for every expression function and every place
//! an expression goes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code fails the test by panicking"
)]

mod common;

use common::Scratch;
use kbcheck::lang::load::{RuleSources, load};
use kbcheck::limits::Limits;

/// The text of every ```` ```yaml rule-test ```` block of a Markdown file.
fn rule_examples(markdown: &str) -> Vec<String> {
    blocks(markdown, "```yaml rule-test")
}

/// The text of every block of a Markdown file that opens with `fence`.
fn blocks(markdown: &str, fence: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line.trim() == fence => current = Some(String::new()),
            None => {}
            Some(_) if line.trim() == "```" => out.extend(current.take()),
            Some(text) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    assert!(current.is_none(), "an unclosed rule-test block");
    out
}

fn rules_md() -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md"))
        .unwrap()
}

#[test]
fn rule_examples_in_the_reference_pass_their_cases() {
    let examples = rule_examples(&rules_md());
    assert!(examples.len() >= 8, "found {} examples", examples.len());
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/rule.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let dir = Scratch::new("docs-examples");
    for (n, text) in blocks(&rules_md(), "```yaml vocabulary-example")
        .iter()
        .enumerate()
    {
        dir.write(&format!("vocabulary/example-{n}.yaml"), text);
    }
    for (n, text) in examples.iter().enumerate() {
        let file = kbcheck::source::SourceFile::new(format!("example-{n}.yaml"), text.clone());
        let tree = kbcheck::parse::parse_document(&file, &Limits::default()).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&tree.value.to_json())
            .map(|e| format!("at `{}`: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "the schema rejects\n{text}\n{errors:#?}");
        dir.write(&format!("example-{n}.yaml"), text);
    }
    let set = load(
        &RuleSources {
            bundled: false,
            paths: vec![dir.path("")],
        },
        &Limits::default(),
    )
    .unwrap_or_else(|d| panic!("the examples do not load: {d:?}"));
    assert_eq!(set.rules.len(), examples.len());
    for result in kbcheck::ruletest::run(&set) {
        assert!(
            result.passed(),
            "example {} fails its cases: {result:#?}",
            result.rule
        );
    }
}

#[test]
fn every_expression_function_and_place_has_an_example() {
    let text = rules_md();
    let start = text.find("## Computed values").unwrap();
    let end = start + text[start..].find("\n## ").unwrap_or(text.len() - start);
    let section = rule_examples(&text[start..end]).join("\n");
    let mut wanted: Vec<String> = kbcheck::lang::expr::FUNCTIONS
        .iter()
        .filter(|f| !["mul", "div", "min", "max", "lower", "trim"].contains(f))
        .map(|f| format!("{{{f}:"))
        .collect();
    wanted.extend(
        [
            "{value:",
            "starts-with:",
            "count: {min: {",
            "by: [{",
            "derive:",
            "let:",
        ]
        .map(str::to_owned),
    );
    let absent: Vec<&String> = wanted
        .iter()
        .filter(|w| !section.contains(w.as_str()))
        .collect();
    assert!(
        absent.is_empty(),
        "no example in docs/rules.md uses {absent:?}"
    );
}
