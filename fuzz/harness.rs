//! What the fuzz targets run, shared with `tests/fuzz_regressions.rs` so that every minimized
//! crasher is replayed by the ordinary test suite through exactly the code that found it.
//!
//! Each function takes the fuzzer's bytes, runs a stage of kbcheck over them and checks two
//! things besides "no panic, no hang": an input that is refused is refused with at least one
//! error, and every diagnostic is clean — a `kbcheck::` code, a one-line message, and a
//! rendering that does not fail.

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "a failed check is a crash the fuzzer must report"
)]
#![allow(dead_code, reason = "each fuzz target uses one entry point")]

use kbcheck::diagnostic::{Diag, Diags};
use kbcheck::gate::{Checked, Gate};
use kbcheck::lang::RuleSet;
use kbcheck::lang::load::{RuleSources, load};
use kbcheck::limits::Limits;
use kbcheck::parse::{decode, parse_document};
use kbcheck::report::{self, Format, Report};
use kbcheck::source::SourceFile;
use kbcheck::topology::Topology;
use std::sync::OnceLock;

/// What one input gave.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Loaded (and, for `check`, evaluated and rendered).
    Accepted,
    /// Refused, with these diagnostic codes.
    Refused(Vec<String>),
}

/// The bundled rules and vocabulary, loaded once.
pub fn bundled() -> &'static RuleSet {
    static SET: OnceLock<RuleSet> = OnceLock::new();
    SET.get_or_init(|| {
        load(
            &RuleSources {
                bundled: true,
                paths: Vec::new(),
            },
            &Limits::default(),
        )
        .expect("the bundled rules load")
    })
}

/// Limits as the command line has them by default.
fn limits() -> Limits {
    Limits::default()
}

/// Assert a diagnostic is one a user can act on.
pub fn assert_clean(d: &Diag) {
    assert!(d.code.starts_with("kbcheck::"), "code {:?}", d.code);
    assert!(!d.message.trim().is_empty(), "empty message ({})", d.code);
    assert!(
        !d.message.contains('\n'),
        "message on several lines ({}): {:?}",
        d.code,
        d.message
    );
    let text = report::render_diagnostic(d, false);
    assert!(!text.is_empty(), "nothing rendered for {}", d.code);
}

fn refused(diags: &Diags) -> Outcome {
    assert!(
        diags.has_errors(),
        "refused without an error: {:?}",
        diags.iter().map(|d| &d.code).collect::<Vec<_>>()
    );
    diags.iter().for_each(assert_clean);
    Outcome::Refused(
        diags
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.code.clone())
            .collect(),
    )
}

/// Read, parse, limit-check and validate a topology the way `kbcheck check` does.
pub fn load_topology(name: &str, data: &[u8]) -> Result<(Topology, Diags), Outcome> {
    let limits = limits();
    let file = decode(name.to_owned(), data.to_vec()).map_err(|d| refused(&d.into()))?;
    match kbcheck::inputs::topology_from_text(&file, bundled(), &limits) {
        Ok((t, warnings)) => {
            assert!(!warnings.has_errors(), "a topology came back with errors");
            warnings.iter().for_each(assert_clean);
            Ok((t, warnings))
        }
        Err(diags) => Err(refused(&diags)),
    }
}

/// The topology loader: the same bytes as a YAML file and as a JSON file.
pub fn topology(data: &[u8]) -> Vec<Outcome> {
    ["fuzz.yaml", "fuzz.json"]
        .iter()
        .map(|name| match load_topology(name, data) {
            Ok(_) => Outcome::Accepted,
            Err(o) => o,
        })
        .collect()
}

/// The rule loader: compile the bytes as one rule file against the bundled vocabulary; a rule
/// that compiles is evaluated on the bundled examples and its own test cases are run.
pub fn rule(data: &[u8]) -> Outcome {
    let limits = limits();
    let set = bundled();
    let file = match decode("fuzz-rule.yaml".to_owned(), data.to_vec()) {
        Ok(f) => f,
        Err(d) => return refused(&d.into()),
    };
    let tree = match parse_document(&file, &limits) {
        Ok(t) => t,
        Err(d) => return refused(&d.into()),
    };
    let mut diags = Diags::default();
    let compiled = kbcheck::lang::compile::compile(&file, &tree, &set.vocab, &mut diags);
    diags.iter().for_each(assert_clean);
    let Some(rule) = compiled else {
        return refused(&diags);
    };
    assert!(!diags.has_errors(), "a rule compiled with errors");
    // The rule runs as `kbcheck test` runs it: after the bundled derivations.
    for (name, text) in EXAMPLES {
        let file = SourceFile::new(*name, (*text).to_owned());
        let tree = parse_document(&file, &limits).expect("the examples parse");
        let (topo, _) = Topology::load(&file, tree, &set.vocab);
        let topo = topo.expect("the examples load");
        let derived = kbcheck::engine::derive(set, &topo);
        let mut results = kbcheck::engine::Results::default();
        kbcheck::engine::run_rule(
            &rule,
            &topo,
            &derived,
            &mut kbcheck::engine::group::Components::default(),
            &mut results,
        );
        let _ = kbcheck::explain::why(&rule, set, &topo, None);
        render(set, topo, results);
    }
    for case in &rule.tests {
        let (topo, diags) = Topology::load(&rule.file, case.topology.clone(), &set.vocab);
        diags.iter().for_each(assert_clean);
        if let Some(topo) = topo {
            let _ = kbcheck::ruletest::findings_of(set, &rule, &topo, None);
        }
    }
    Outcome::Accepted
}

/// The whole check: the bytes as a topology (JSON if they look like JSON, else YAML) against
/// the bundled rules, then every report format.
pub fn check(data: &[u8]) -> Outcome {
    let json = data
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{');
    let name = if json { "fuzz.json" } else { "fuzz.yaml" };
    let (topo, warnings) = match load_topology(name, data) {
        Ok(t) => t,
        Err(o) => return o,
    };
    let set = bundled();
    let results = kbcheck::engine::evaluate_all(set, &topo);
    let _ = warnings;
    render(set, topo, results);
    Outcome::Accepted
}

fn render(set: &RuleSet, topology: Topology, results: kbcheck::engine::Results) {
    let mut findings = results.findings;
    kbcheck::finding::identify(&mut findings, &topology);
    let checked = [Checked {
        topology,
        findings,
        inconclusive: results.inconclusive,
        warnings: Diags::default(),
    }];
    let report = Report {
        checked: &checked,
        rules: set,
        gate: Gate::default(),
        waivers: None,
        diff: None,
        show_inconclusive: true,
        config: None,
        max_diagnostics: 0,
        max_per_rule: 0,
        markdown_max_chars: 60_000,
    };
    for format in [
        Format::Human,
        Format::Json,
        Format::Sarif,
        Format::Junit,
        Format::Markdown,
        Format::Github,
    ] {
        let out = report::render(format, &report, false);
        if format == Format::Json {
            serde_json::from_str::<serde_json::Value>(&out).expect("the JSON report parses");
        }
    }
}

/// The bundled examples, which fuzzed rules are evaluated on.
const EXAMPLES: &[(&str, &str)] = &[
    (
        "backoffice-branch-rollout.yaml",
        include_str!("../examples/backoffice-branch-rollout.yaml"),
    ),
    (
        "exchange-connector-backbone.yaml",
        include_str!("../examples/exchange-connector-backbone.yaml"),
    ),
    (
        "clean-deployment.json",
        include_str!("../examples/clean-deployment.json"),
    ),
    (
        "contoso-after.yaml",
        include_str!("../examples/diff/contoso-after.yaml"),
    ),
];
