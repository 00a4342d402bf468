//! Topology arguments: folders and quoted globs of topologies for `check` and `validate`,
//! other kinds of files in them skipped with a note, an empty match refused, and a rule file
//! named as a topology refused with one diagnostic saying how to pass it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "integration tests: a failed expectation is a test failure"
)]

mod common;

use common::{Scratch, assert_label, has, kbcheck};
use kbcheck::cli::Exit;
use serde_json::Value as Json;

const TOPOLOGY: &str = "version: 1\nnodes:\n  - {id: PO1, kind: postoffice, serial: \"0799-99992\", tags: [production]}\n";
const CLEAN: &str = "version: 1\nnodes:\n  - {id: S1, kind: server, product: exchange}\n";
const RULE: &str = "id: CONTOSO-NT351\ntitle: Servers must not run Windows NT 3.51\nselect: {kind: server}\nwhen: {field: os, equals: windows-nt-3.51}\nseverity: warning\nmessage: \"server `{id}` runs Windows NT 3.51\"\n";

fn json(text: &str) -> Json {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

/// The files a JSON report says it checked, in order.
fn checked(out: &str) -> Vec<String> {
    json(out)["topologies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["file"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn check_examples_folder_checks_every_example_topology_and_exits_1() {
    let (exit, out, err) = kbcheck(&["check", "--no-config", "examples/"]);
    assert_eq!(exit, Exit::Findings, "{out}{err}");
    assert!(
        out.contains("6 errors, 7 warnings, 2 info in 6 topologies"),
        "{out}"
    );
    // The summary has a line per file.
    for (file, counts) in [
        (
            "examples/backoffice-branch-rollout.yaml",
            "1 error, 2 warnings, 0 info",
        ),
        (
            "examples/clean-deployment.json",
            "0 errors, 0 warnings, 0 info",
        ),
        (
            "examples/diff/contoso-after.yaml",
            "1 error, 2 warnings, 0 info",
        ),
        (
            "examples/diff/contoso-before.yaml",
            "1 error, 2 warnings, 0 info",
        ),
        (
            "examples/exchange-55-upgrade.yaml",
            "2 errors, 0 warnings, 2 info",
        ),
        (
            "examples/exchange-connector-backbone.yaml",
            "1 error, 1 warning, 0 info",
        ),
    ] {
        assert!(
            out.contains(&format!("  {file}: {counts} (")),
            "{file}\n{out}"
        );
    }
    let (exit, out, _) = kbcheck(&["check", "--no-config", "--format", "json", "examples"]);
    assert_eq!(exit, Exit::Findings);
    assert_eq!(
        checked(&out),
        [
            "examples/backoffice-branch-rollout.yaml",
            "examples/clean-deployment.json",
            "examples/diff/contoso-after.yaml",
            "examples/diff/contoso-before.yaml",
            "examples/exchange-55-upgrade.yaml",
            "examples/exchange-connector-backbone.yaml",
        ],
        "every example topology, sorted"
    );
    let doc = json(&out);
    let per_file: Vec<u64> = doc["topologies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["summary"]["error"].as_u64().unwrap())
        .collect();
    assert_eq!(
        per_file,
        [1, 0, 1, 1, 2, 1],
        "each file has its own summary"
    );
    // SARIF and Markdown report per file too.
    let (_, out, _) = kbcheck(&["check", "--no-config", "--format", "sarif", "examples"]);
    let topologies = &json(&out)["runs"][0]["properties"]["topologies"];
    assert_eq!(topologies.as_array().unwrap().len(), 6, "{topologies}");
    let (_, out, _) = kbcheck(&["check", "--no-config", "--format", "markdown", "examples"]);
    assert!(
        out.contains("| `examples/clean-deployment.json` | 0 | 0 | 0 |"),
        "{out}"
    );
}

#[test]
fn quoted_globs_work_as_for_rules() {
    let (exit, out, err) = kbcheck(&[
        "check",
        "--no-config",
        "--format",
        "json",
        "examples/**/*.yaml",
    ]);
    assert_eq!(exit, Exit::Findings, "{err}");
    assert_eq!(
        checked(&out),
        [
            "examples/backoffice-branch-rollout.yaml",
            "examples/diff/contoso-after.yaml",
            "examples/diff/contoso-before.yaml",
            "examples/exchange-55-upgrade.yaml",
            "examples/exchange-connector-backbone.yaml",
        ]
    );
    // A file named twice (by a glob and by itself) is checked once.
    let (_, out, _) = kbcheck(&[
        "check",
        "--no-config",
        "--format",
        "json",
        "examples/diff/*.yaml",
        "examples/diff/contoso-after.yaml",
    ]);
    assert_eq!(
        checked(&out),
        [
            "examples/diff/contoso-after.yaml",
            "examples/diff/contoso-before.yaml"
        ]
    );
}

#[test]
fn other_kinds_of_files_in_a_folder_are_skipped_with_one_note_each() {
    let dir = Scratch::new("inputs-mixed");
    dir.write("plans/b-branch.yaml", TOPOLOGY);
    dir.write("plans/a-clean.yml", CLEAN);
    dir.write("plans/rules/NT351.yaml", RULE);
    dir.write(
        "plans/rules/NT351-copy.yaml",
        RULE.replace("CONTOSO-NT351", "CONTOSO-NT351-B"),
    );
    dir.write(
        "plans/rules/vocabulary.yaml",
        "nodes: {server: {attributes: {}}}\n",
    );
    dir.write("plans/rules/pack.yaml", "name: contoso\nversion: \"1\"\n");
    dir.write("plans/waivers.yaml", "waivers: []\n");
    dir.write("plans/kbcheck.yaml", "fail-on: warning\n");
    dir.write("plans/notes.txt", "not a data file");
    dir.write("plans/.hidden/broken.yaml", "{ not yaml");
    let plans = dir.path("plans");
    let (exit, out, err) = kbcheck(&["check", "--no-config", "--format", "json", &plans]);
    assert_eq!(exit, Exit::Findings, "{out}{err}");
    assert_eq!(
        checked(&out),
        [
            dir.path("plans/a-clean.yml"),
            dir.path("plans/b-branch.yaml")
        ]
    );
    let notes: Vec<&str> = err.lines().filter(|l| l.starts_with("note: ")).collect();
    assert_eq!(
        notes,
        [
            format!(
                "note: skipped 2 rule files in `{plans}`: not topologies (pass rule files with `--rules`)"
            ),
            format!(
                "note: skipped 1 vocabulary file in `{plans}`: not topologies (they are read with the rules of a folder given with `--rules`)"
            ),
            format!(
                "note: skipped 1 pack file in `{plans}`: not topologies (they are read with the rules of a folder given with `--rules`)"
            ),
            format!(
                "note: skipped 1 waivers file in `{plans}`: not topologies (pass a waivers file with `--waivers`)"
            ),
            format!(
                "note: skipped 1 project config file in `{plans}`: not topologies (pass a config with `--config`)"
            ),
        ],
        "{err}"
    );
    // `validate` takes the same arguments.
    let (exit, out, err) = kbcheck(&["validate", "--no-config", &plans]);
    assert_eq!(exit, Exit::Clean, "{out}{err}");
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(err.contains("note: skipped 2 rule files"), "{err}");
}

#[test]
fn a_broken_topology_in_a_folder_fails_the_run() {
    let dir = Scratch::new("inputs-broken");
    dir.write("plans/a.yaml", CLEAN);
    dir.write("plans/b.yaml", "version: 1\nnodes:\n  - {id: S1}\n");
    let (exit, out, err) = kbcheck(&["check", "--no-config", &dir.path("plans")]);
    assert_eq!(exit, Exit::Invalid, "{out}{err}");
    assert!(out.is_empty(), "{out}");
    assert!(has(&err, "a node has no `kind`"), "{err}");
}

#[test]
fn an_empty_match_is_an_error_never_a_pass() {
    let dir = Scratch::new("inputs-empty");
    dir.write("empty/readme.txt", "no topologies here");
    dir.write("only-rules/NT351.yaml", RULE);
    let cases = [
        (
            dir.path("empty"),
            "kbcheck::inputs::no_topologies",
            format!(
                "`{}` has no topology files (.yaml, .yml, .json)",
                dir.path("empty")
            ),
        ),
        (
            dir.path("only-rules"),
            "kbcheck::inputs::no_topologies",
            format!(
                "`{}` holds no topology, only 1 rule file",
                dir.path("only-rules")
            ),
        ),
        (
            dir.path("nothing/*.yaml"),
            "kbcheck::inputs::no_match",
            format!(
                "`{}` matches no topology files (.yaml, .yml, .json)",
                dir.path("nothing/*.yaml")
            ),
        ),
        (
            "plans/[a".to_owned(),
            "kbcheck::inputs::bad_glob",
            "invalid glob pattern `plans/[a`: invalid range pattern".to_owned(),
        ),
    ];
    for (arg, code, message) in cases {
        for command in ["check", "validate"] {
            let (exit, out, err) = kbcheck(&[command, "--no-config", &arg]);
            assert_eq!(exit, Exit::Invalid, "{command} {arg}\n{out}{err}");
            assert!(out.is_empty(), "{out}");
            assert!(err.contains(code), "{command} {arg}: {err}");
            assert!(
                has(&err, &message),
                "{command} {arg}: want {message}\n{err}"
            );
        }
    }
}

#[test]
fn a_rule_file_named_as_a_topology_gets_one_clear_diagnostic() {
    let dir = Scratch::new("inputs-rule-as-topology");
    let a = dir.write("a.yaml", RULE);
    let b = dir.write("b.yaml", RULE.replace("CONTOSO-NT351", "CONTOSO-NT351-B"));
    let plan = dir.write("plan.yaml", CLEAN);
    // `--rules` takes one path: `b.yaml` lands among the topologies.
    let (exit, out, err) = kbcheck(&["check", "--no-config", "--rules", &a, &b, &plan]);
    assert_eq!(exit, Exit::Invalid, "{out}{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        has(
            &err,
            &format!(
                "`{b}` is a rule file; pass it with `--rules` (repeat `--rules` for each path or give a folder)"
            )
        ),
        "{err}"
    );
    assert_eq!(
        err.matches("kbcheck::").count(),
        1,
        "one diagnostic only:\n{err}"
    );
    assert!(!err.contains("no `version`"), "{err}");
    assert_label(&err, 1, "CONTOSO-NT351-B", "a rule's `id`");
    // Passed as the shell would after the fix, the same files check.
    let (exit, _, err) = kbcheck(&["check", "--no-config", "--rules", &a, "--rules", &b, &plan]);
    assert_eq!(exit, Exit::Clean, "{err}");
    // `validate` and `graph` say the same.
    for args in [
        vec!["validate", "--no-config", &b],
        vec!["graph", "--no-config", &b],
    ] {
        let (exit, _, err) = kbcheck(&args);
        assert_eq!(exit, Exit::Invalid, "{args:?}");
        assert!(
            err.contains("is a rule file; pass it with `--rules`"),
            "{err}"
        );
    }
    // A waivers file named as a topology says which flag takes it.
    let w = dir.write("waivers.yaml", "waivers: []\n");
    let (exit, _, err) = kbcheck(&["check", "--no-config", &w]);
    assert_eq!(exit, Exit::Invalid);
    assert!(
        has(
            &err,
            &format!("`{w}` is a waivers file; pass it with `--waivers`")
        ),
        "{err}"
    );
}

#[test]
fn base_compares_one_topology_even_from_a_folder() {
    let (exit, _, err) = kbcheck(&[
        "check",
        "--no-config",
        "--base",
        "examples/diff/contoso-before.yaml",
        "examples/diff",
    ]);
    assert_eq!(exit, Exit::Invalid, "{err}");
    assert!(
        has(
            &err,
            "`--base` compares one topology, but `examples/diff` holds 2"
        ),
        "{err}"
    );
}
