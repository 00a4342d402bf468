//! Findings at scale, through the command line: `--max-findings` fails closed (exit 2, the
//! failure report in every format, never a partial report), and human output shows the
//! first `--max-per-rule` findings of each rule, then how many more.
//!
//! Sizes here are small on purpose: the limits are flags, so a handful of findings exercises
//! the same paths a million would. Speed and memory are measured in `benches/findings.sh`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers fail the test by panicking"
)]

mod common;

use common::{Scratch, has, kbcheck};
use kbcheck::cli::Exit;
use serde_json::Value;

/// The rule the topologies below fire on every postoffice: the serial `0799-99992` on a
/// production postoffice.
const RULE: &str = "KB-Q142196-INVALID-SERIAL";

/// A topology of one server and `n` production postoffices with the test-platform serial.
fn postoffices(dir: &Scratch, name: &str, n: usize) -> String {
    let mut t = String::from("version: 1\nnodes:\n  - {id: S, kind: server}\n");
    for i in 0..n {
        t.push_str(&format!(
            "  - {{id: P{i:02}, kind: postoffice, parent: S, serial: \"0799-99992\", tags: [production]}}\n"
        ));
    }
    dir.write(name, t)
}

/// How many findings the JSON report of `file` lists, and how many of them are `RULE`'s.
fn counted(file: &str) -> (usize, usize) {
    let (exit, json, err) = kbcheck(&["check", file, "--format", "json"]);
    assert_eq!(exit, Exit::Findings, "{err}");
    let v: Value = serde_json::from_str(&json).unwrap();
    let all = v["findings"].as_array().unwrap();
    let ours = all.iter().filter(|f| f["rule"] == RULE).count();
    (all.len(), ours)
}

#[test]
fn more_findings_than_max_findings_fail_closed_in_every_format() {
    let dir = Scratch::new("max-findings");
    let file = postoffices(&dir, "many.yaml", 8);
    let (total, ours) = counted(&file);
    assert_eq!(ours, 8);
    let limit = (total - 1).to_string();

    // Human output: the diagnostic on stderr, exit 2, no findings on stdout.
    let (exit, out, err) = kbcheck(&["check", &file, "--max-findings", &limit]);
    assert_eq!(exit, Exit::Invalid, "{out}{err}");
    assert!(has(&err, "kbcheck::limits::too_many_findings"), "{err}");
    assert!(
        has(
            &err,
            &format!("the rules found more than the limit of {limit} findings")
        ),
        "{err}"
    );
    assert!(has(&err, "nothing was reported"), "{err}");
    assert!(has(&err, "raise `--max-findings`"), "{err}");
    assert!(!out.contains(RULE), "no partial report: {out}");

    // JSON on stdout: the failure report, no findings.
    let (exit, json, _) = kbcheck(&["check", &file, "--format", "json", "--max-findings", &limit]);
    assert_eq!(exit, Exit::Invalid);
    let v: Value = serde_json::from_str(&json).unwrap();
    assert!(
        v.get("findings")
            .is_none_or(|f| f.as_array().is_some_and(Vec::is_empty)),
        "{json}"
    );
    assert!(
        json.contains("kbcheck::limits::too_many_findings"),
        "{json}"
    );

    // SARIF to a file (and JUnit beside it): written, saying the run failed.
    let sarif = dir.path("out.sarif");
    let junit = dir.path("out.xml");
    let (exit, _, _) = kbcheck(&[
        "check",
        &file,
        "--format",
        "sarif",
        "--output",
        &sarif,
        "--output-format",
        &format!("junit={junit}"),
        "--max-findings",
        &limit,
    ]);
    assert_eq!(exit, Exit::Invalid);
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(
        log["runs"][0]["invocations"][0]["executionSuccessful"],
        Value::Bool(false)
    );
    assert!(
        std::fs::read_to_string(&junit)
            .unwrap()
            .contains("too_many_findings")
    );

    // At the limit exactly, every finding is reported.
    let (exit, json, err) = kbcheck(&[
        "check",
        &file,
        "--format",
        "json",
        "--max-findings",
        &total.to_string(),
    ]);
    assert_eq!(exit, Exit::Findings, "{err}");
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), total);
}

#[test]
fn max_findings_counts_the_base_and_every_topology_of_the_run() {
    let dir = Scratch::new("max-findings-run");
    let a = postoffices(&dir, "a.yaml", 5);
    let b = postoffices(&dir, "b.yaml", 5);
    let (one, _) = counted(&a);
    let limit = (one + 1).to_string();
    // Each file alone is within the limit; both together are not.
    for args in [vec![a.as_str()], vec![b.as_str()]] {
        let mut argv = vec!["check", "--max-findings", &limit];
        argv.extend(args);
        assert_eq!(kbcheck(&argv).0, Exit::Findings);
    }
    let (exit, _, err) = kbcheck(&["check", &a, &b, "--max-findings", &limit]);
    assert_eq!(exit, Exit::Invalid, "{err}");
    assert!(has(&err, "kbcheck::limits::too_many_findings"), "{err}");
    let (exit, _, err) = kbcheck(&["check", "--base", &a, &b, "--max-findings", &limit]);
    assert_eq!(exit, Exit::Invalid, "{err}");
    assert!(has(&err, "kbcheck::limits::too_many_findings"), "{err}");
}

/// How many of `RULE`'s findings human output draws (each names the rule in its header).
fn drawn(out: &str) -> usize {
    out.lines()
        .filter(|l| l.contains(RULE) && !l.starts_with("note:"))
        .count()
}

#[test]
fn human_output_shows_the_first_findings_of_each_rule_then_counts_the_rest() {
    let dir = Scratch::new("max-per-rule");
    let file = postoffices(&dir, "twelve.yaml", 12);
    let (_, ours) = counted(&file);
    assert_eq!(ours, 12);

    // By default, ten of each rule.
    let (exit, out, _) = kbcheck(&["check", &file]);
    assert_eq!(exit, Exit::Findings);
    assert_eq!(drawn(&out), 10, "{out}");
    assert!(
        out.contains(&format!(
            "note: 2 more {RULE} not shown (--max-diagnostics 0 --max-per-rule 0 shows all; --format json lists every finding)\n"
        )),
        "{out}"
    );

    let (_, out, _) = kbcheck(&["check", &file, "--max-per-rule", "3"]);
    assert_eq!(drawn(&out), 3, "{out}");
    assert!(
        out.contains(&format!("note: 9 more {RULE} not shown")),
        "{out}"
    );

    // `0` shows them all; so does a bound above the count.
    for n in ["0", "12"] {
        let (_, out, _) = kbcheck(&["check", &file, "--max-per-rule", n]);
        assert_eq!(drawn(&out), 12, "--max-per-rule {n}: {out}");
        assert!(!out.contains(&format!("more {RULE} not shown")), "{out}");
    }

    // `--max-diagnostics` still bounds the findings of all rules together.
    let (_, out, _) = kbcheck(&[
        "check",
        &file,
        "--max-per-rule",
        "0",
        "--max-diagnostics",
        "4",
    ]);
    assert!(drawn(&out) <= 4, "{out}");
    assert!(out.contains(&format!("more {RULE} not shown")), "{out}");
}
