//! Review-gate integration: every output format on the examples (snapshots), SARIF against
//! the official 2.1.0 schema, JUnit through a real JUnit reader, waivers and their expiry,
//! the project config, and `--base` diffs with their exit-code rule.
//!
//! Snapshots live in `tests/snapshots/`; after an intended change to a renderer, rewrite
//! them with `KBCHECK_UPDATE_SNAPSHOTS=1 cargo test --test gate` and review the diff.
//! Every run here uses paths relative to the package root (cargo runs integration tests
//! there), so no output depends on where the checkout lives.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "integration tests: a failed expectation is a test failure"
)]

mod common;

use common::{Scratch, kbcheck};
use kbcheck::cli::Exit;
use serde_json::Value as Json;
use std::path::{Path, PathBuf};

/// Pinned rules for snapshots (see tests/data/gate/README.md).
const PINNED: &[&str] = &["--no-default-rules", "--rules", "tests/data/gate/rules"];
const EXAMPLES: &[&str] = &[
    "examples/backoffice-branch-rollout.yaml",
    "examples/exchange-connector-backbone.yaml",
    "examples/clean-deployment.json",
];
const BEFORE: &str = "examples/diff/contoso-before.yaml";
const AFTER: &str = "examples/diff/contoso-after.yaml";
const WAIVERS: &str = "tests/data/gate/waivers.yaml";
const BACKBONE: &str = "examples/exchange-connector-backbone.yaml";
/// Formats and the extension of their snapshot files.
const FORMATS: &[(&str, &str)] = &[
    ("human", "txt"),
    ("json", "json"),
    ("sarif", "sarif"),
    ("junit", "xml"),
    ("markdown", "md"),
    ("github", "github.txt"),
];

fn args<'a>(parts: &[&[&'a str]]) -> Vec<&'a str> {
    parts.iter().flat_map(|p| p.iter().copied()).collect()
}

fn json(text: &str) -> Json {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

/// A snapshot of one run: stdout, and stderr when there is any.
fn snapshot_run(name: &str, run_args: &[&str], want: Exit) {
    let (exit, out, err) = kbcheck(run_args);
    assert_eq!(
        exit,
        want,
        "{name}: kbcheck {}\n{out}{err}",
        run_args.join(" ")
    );
    let out = if name.ends_with(".sarif") {
        machine_free_sarif(&out)
    } else {
        out
    };
    let text = if err.is_empty() {
        out
    } else {
        format!("{out}--- stderr ---\n{err}")
    };
    snapshot(name, &text);
}

/// SARIF names where the checkout is (`%SRCROOT%`) and, in a git work tree, the repository
/// and commit: a placeholder for the first, the second left out (it is checked by
/// `sarif_names_the_repository_and_commit`), so snapshots hold no machine path or commit.
fn machine_free_sarif(out: &str) -> String {
    let mut doc = json(out);
    for run in doc["runs"].as_array_mut().unwrap() {
        let bases = &mut run["originalUriBaseIds"]["%SRCROOT%"]["uri"];
        assert!(
            bases
                .as_str()
                .is_some_and(|u| u.starts_with("file:///") && u.ends_with('/')),
            "%SRCROOT% is an absolute folder URI: {bases}"
        );
        *bases = "file:///[checkout]/".into();
        run.as_object_mut()
            .unwrap()
            .remove("versionControlProvenance");
    }
    let mut text = serde_json::to_string_pretty(&doc).unwrap();
    text.push('\n');
    text
}

// ------------------------------------------------------------------ snapshots

#[test]
fn every_format_on_every_example_matches_its_snapshot() {
    let wants = [Exit::Findings, Exit::Findings, Exit::Clean];
    for (example, want) in EXAMPLES.iter().zip(wants) {
        let stem = Path::new(example).file_stem().unwrap().to_str().unwrap();
        for (format, ext) in FORMATS {
            snapshot_run(
                &format!("{stem}.{ext}"),
                &args(&[&["check"], PINNED, &["--format", format, example]]),
                want,
            );
        }
    }
}

#[test]
fn every_format_with_waivers_matches_its_snapshot() {
    for (format, ext) in FORMATS {
        let run_args = args(&[
            &["check"],
            PINNED,
            &[
                "--format",
                format,
                "--waivers",
                WAIVERS,
                "--today",
                "2025-06-30",
                BACKBONE,
            ],
        ]);
        // The expired waiver lets the duplicate-serial error count again.
        snapshot_run(&format!("waivers.{ext}"), &run_args, Exit::Findings);
    }
}

#[test]
fn every_format_with_base_matches_its_snapshot() {
    for (format, ext) in FORMATS {
        snapshot_run(
            &format!("diff.{ext}"),
            &args(&[
                &["check"],
                PINNED,
                &["--format", format, "--base", BEFORE, AFTER],
            ]),
            Exit::Findings,
        );
    }
}

// ------------------------------------------------------------------ SARIF

fn sarif_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json"),
    )
    .unwrap();
    let schema = json(&text);
    // The official schema is self-contained (draft 4, `#/definitions/...` references only),
    // so it compiles without a network; formats (`uri`, `date-time`) are checked too.
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("the SARIF schema does not compile: {e}"))
}

fn assert_valid_sarif(v: &jsonschema::Validator, what: &str, out: &str) -> Json {
    let doc = json(out);
    let errors: Vec<String> = v
        .iter_errors(&doc)
        .map(|e| format!("at `{}`: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what}: SARIF fails the official 2.1.0 schema:\n{}",
        errors.join("\n")
    );
    doc
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let v = sarif_validator();
    let runs: Vec<Vec<&str>> = vec![
        vec![
            "check",
            "--format",
            "sarif",
            EXAMPLES[0],
            EXAMPLES[1],
            EXAMPLES[2],
        ],
        vec![
            "check",
            "--format",
            "sarif",
            "--waivers",
            WAIVERS,
            "--today",
            "2025-06-30",
            BACKBONE,
        ],
        vec!["check", "--format", "sarif", "--base", BEFORE, AFTER],
        args(&[
            &["check"],
            PINNED,
            &[
                "--format",
                "sarif",
                "--waivers",
                WAIVERS,
                "--today",
                "2025-06-30",
                BACKBONE,
            ],
        ]),
    ];
    for run_args in runs {
        let what = run_args.join(" ");
        let (exit, out, err) = kbcheck(&run_args);
        assert_ne!(exit, Exit::Invalid, "{what}\n{err}");
        assert_valid_sarif(&v, &what, &out);
    }
    // And it does reject what is not SARIF: the validator is not vacuous.
    let bad = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]});
    assert!(
        !v.is_valid(&bad),
        "a driver without a name must fail the schema"
    );
}

/// `git` asked directly, in the package root: `None` without git or outside a work tree.
fn git(args: &[&str]) -> Option<String> {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (out.status.success() && !text.is_empty()).then_some(text)
}

#[test]
fn sarif_names_the_repository_and_commit() {
    let (_, out, _) = kbcheck(&["check", "--format", "sarif", BACKBONE]);
    let run = &json(&out)["runs"][0];
    let (Some(top), Some(commit)) = (
        git(&["rev-parse", "--show-toplevel"]),
        git(&["rev-parse", "HEAD"]),
    ) else {
        assert!(
            run.get("versionControlProvenance").is_none(),
            "no git work tree here, so no repository to name: {run}"
        );
        return;
    };
    let vcs = &run["versionControlProvenance"][0];
    assert_eq!(vcs["revisionId"], commit.as_str(), "{vcs}");
    assert_eq!(vcs["mappedTo"]["uriBaseId"], "%SRCROOT%");
    let root = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        root.starts_with("file:///")
            && root.ends_with(&format!(
                "{}/",
                Path::new(&top).file_name().unwrap().to_str().unwrap()
            )),
        "%SRCROOT% is the work tree's root `{top}`: {root}"
    );
    let repository = vcs["repositoryUri"].as_str().unwrap();
    match git(&["remote", "get-url", "origin"]) {
        Some(_) => assert!(repository.contains("://"), "{repository}"),
        None => assert_eq!(repository, root, "without a remote, the work tree itself"),
    }
}

#[test]
fn sarif_has_rules_locations_fingerprints_and_suppressions() {
    let (_, out, _) = kbcheck(&args(&[
        &["check"],
        PINNED,
        &[
            "--format",
            "sarif",
            "--waivers",
            WAIVERS,
            "--today",
            "2025-06-30",
            BACKBONE,
        ],
    ]));
    let doc = json(&out);
    let run = &doc["runs"][0];
    assert_eq!(doc["runs"].as_array().unwrap().len(), 1, "one run");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "KB-Q142196-INVALID-SERIAL",
            "KB-Q142196-NOT-FOR-PRODUCTION",
            "KB-Q151228-CONNECTOR-BACKBONE",
            "KB-Q151228-DUPLICATE-SERIAL",
            "KB-Q151228-TWO-DRIVES"
        ],
        "the reporting rules loaded, derivations left out"
    );
    let dup = rules
        .iter()
        .find(|r| r["id"] == "KB-Q151228-DUPLICATE-SERIAL")
        .unwrap();
    assert_eq!(
        dup["helpUri"],
        "https://jeffpar.github.io/kbarchive/kb/151/Q151228/"
    );
    assert_eq!(dup["defaultConfiguration"]["level"], "error");
    assert!(
        dup["help"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Give each postoffice"),
        "{dup}"
    );
    for key in ["name", "shortDescription", "fullDescription"] {
        assert!(dup.get(key).is_some(), "{key} missing in {dup}");
    }

    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let group = results
        .iter()
        .find(|r| r["ruleId"] == "KB-Q151228-DUPLICATE-SERIAL")
        .unwrap();
    let primary = &group["locations"][0]["physicalLocation"];
    assert_eq!(
        primary["artifactLocation"],
        serde_json::json!({"uri": BACKBONE, "uriBaseId": "%SRCROOT%"})
    );
    assert_eq!(
        (
            primary["region"]["startLine"].as_u64(),
            primary["region"]["startColumn"].as_u64()
        ),
        (Some(31), Some(5)),
        "PO-PAR"
    );
    let related = group["relatedLocations"].as_array().unwrap();
    assert_eq!(related.len(), 1);
    assert_eq!(
        related[0]["physicalLocation"]["region"]["startLine"], 24,
        "PO-RED"
    );
    assert_eq!(
        group["partialFingerprints"]["kbcheck/v1"],
        "f2413cd77d81c28c"
    );
    assert!(
        group.get("suppressions").is_none(),
        "the waiver expired: {group}"
    );

    let waived = results
        .iter()
        .find(|r| r["ruleId"] == "KB-Q151228-CONNECTOR-BACKBONE")
        .unwrap();
    let s = &waived["suppressions"][0];
    assert_eq!(s["kind"], "external");
    assert_eq!(
        s["justification"],
        "the Paris site connector is on order; the backbone goes when it is installed (CHG-1207)"
    );
    assert_eq!(s["properties"]["owner"], "messaging-team");
    let notes = run["invocations"][0]["toolConfigurationNotifications"]
        .as_array()
        .unwrap();
    let codes: Vec<&str> = notes
        .iter()
        .map(|n| n["descriptor"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["kbcheck::waiver::expired", "kbcheck::waiver::unused"]
    );
}

// ------------------------------------------------------------------ JUnit

fn junit(out: &str) -> junit_parser::TestSuites {
    junit_parser::from_reader(std::io::Cursor::new(out.as_bytes()))
        .unwrap_or_else(|e| panic!("a JUnit reader rejects the output: {e}\n{out}"))
}

#[test]
fn junit_reads_back_with_a_junit_parser() {
    let (_, out, _) = kbcheck(&args(&[
        &["check"],
        PINNED,
        &[
            "--format",
            "junit",
            "--waivers",
            WAIVERS,
            "--today",
            "2025-06-30",
            BACKBONE,
        ],
    ]));
    let doc = junit(&out);
    let names: Vec<&str> = doc.suites.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "KB-Q142196-INVALID-SERIAL",
            "KB-Q142196-NOT-FOR-PRODUCTION",
            "KB-Q151228-CONNECTOR-BACKBONE",
            "KB-Q151228-DUPLICATE-SERIAL",
            "KB-Q151228-TWO-DRIVES",
            "kbcheck warnings",
            "kbcheck waivers",
            "kbcheck summary"
        ]
    );
    let suite = |name: &str| doc.suites.iter().find(|s| s.name == name).unwrap();

    // A rule that did not fire is one passing case.
    let quiet = suite("KB-Q142196-INVALID-SERIAL");
    assert_eq!((quiet.tests, quiet.failures, quiet.cases.len()), (1, 0, 1));
    assert_eq!(quiet.cases[0].original_name, "no findings");
    assert!(quiet.cases[0].status.is_success());

    // A group finding is one case named after its sorted entities, with a failure.
    let dup = suite("KB-Q151228-DUPLICATE-SERIAL");
    assert_eq!((dup.tests, dup.failures), (1, 1));
    let case = &dup.cases[0];
    assert_eq!(case.original_name, "PO-PAR, PO-RED");
    assert_eq!(
        case.classname.as_deref(),
        Some("KB-Q151228-DUPLICATE-SERIAL")
    );
    let failure = case.status.failure_as_ref();
    assert_eq!(failure.failure_type, "error");
    assert!(
        failure
            .message
            .starts_with("postoffices PO-PAR, PO-RED share serial number 22-28798"),
        "{}",
        failure.message
    );
    assert!(
        failure.text.contains("fingerprint: f2413cd77d81c28c"),
        "{}",
        failure.text
    );

    // A waived finding is skipped, with the waiver.
    let waived = &suite("KB-Q151228-CONNECTOR-BACKBONE").cases[0];
    assert_eq!(waived.original_name, "BACKBONE-RED-PAR");
    assert!(waived.status.is_skipped(), "{:?}", waived.status);
    assert!(
        waived
            .status
            .skipped_as_ref()
            .message
            .starts_with("waived by messaging-team until 2026-01-01")
    );

    // Expired and unused waivers are warnings, which do not fail the gate: passing cases
    // that say so, listed among the warnings too.
    let w = suite("kbcheck waivers");
    assert_eq!((w.tests, w.failures), (3, 0));
    let out_of = |c: &junit_parser::TestCase| c.system_out.clone().unwrap_or_default();
    assert!(out_of(&w.cases[1]).contains("expired on 2025-06-01"));
    assert!(out_of(&w.cases[2]).contains("matched no finding"));
    let warnings = suite("kbcheck warnings");
    assert_eq!((warnings.tests, warnings.failures), (2, 0));
    let summary = suite("kbcheck summary");
    let prop = |k: &str| {
        summary
            .properties
            .hashmap
            .get(k)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(
        (
            prop("verdict"),
            prop("failing"),
            prop("waived"),
            prop("warnings")
        ),
        ("fails".into(), "1".into(), "1".into(), "2".into())
    );
    assert_eq!((doc.tests, doc.failures, doc.skipped), (10, 1, 1));
}

#[test]
fn junit_with_bundled_rules_and_several_topologies_reads_back() {
    let (_, out, _) = kbcheck(&[
        "check",
        "--format",
        "junit",
        EXAMPLES[0],
        EXAMPLES[1],
        EXAMPLES[2],
    ]);
    let doc = junit(&out);
    let (_, report, _) = kbcheck(&[
        "check",
        "--format",
        "json",
        EXAMPLES[0],
        EXAMPLES[1],
        EXAMPLES[2],
    ]);
    assert!(
        findings(&report).len() >= 5,
        "3 findings in the rollout, 2 in the backbone example at least"
    );
    let failing = json(&report)["summary"]["failing"].as_u64().unwrap();
    let failures: u64 = doc.suites.iter().map(|s| s.failures).sum();
    assert_eq!(
        (doc.failures, failures),
        (failing, failing),
        "a failure per finding that fails the gate, and no other"
    );
    for s in &doc.suites {
        assert_eq!(s.cases.len() as u64, s.tests, "{}", s.name);
        // Several topologies: every case name says which file it is about.
        for c in s.cases.iter().filter(|_| !s.name.starts_with("kbcheck ")) {
            assert!(
                EXAMPLES
                    .iter()
                    .any(|e| c.original_name.starts_with(&format!("{e}: "))),
                "{}: {}",
                s.name,
                c.original_name
            );
        }
    }
}

#[test]
fn junit_with_base_passes_resolved_cases() {
    let (_, out, _) = kbcheck(&args(&[
        &["check"],
        PINNED,
        &["--format", "junit", "--base", BEFORE, AFTER],
    ]));
    let doc = junit(&out);
    let drives = doc
        .suites
        .iter()
        .find(|s| s.name == "KB-Q151228-TWO-DRIVES")
        .unwrap();
    let case = drives
        .cases
        .iter()
        .find(|c| c.original_name == "DRIVE-N, DRIVE-O")
        .unwrap();
    assert!(
        case.status.is_success(),
        "the resolved finding is a passing case: {:?}",
        case.status
    );
    assert!(
        case.system_out
            .as_deref()
            .unwrap_or("")
            .starts_with("resolved by this change")
    );
}

// ------------------------------------------------------------------ fingerprints

fn findings(out: &str) -> Vec<Json> {
    json(out)["findings"].as_array().unwrap().clone()
}

#[test]
fn fingerprints_depend_on_rule_and_entities_not_on_lines() {
    let (_, before, _) = kbcheck(&args(&[&["check"], PINNED, &["--format", "json", BEFORE]]));
    let (_, after, _) = kbcheck(&args(&[&["check"], PINNED, &["--format", "json", AFTER]]));
    let lab = |text: &str, rule: &str| {
        findings(text)
            .into_iter()
            .find(|f| f["rule"] == rule && f["entities"] == serde_json::json!(["PO-LAB"]))
            .unwrap_or_else(|| panic!("no {rule} on PO-LAB"))
    };
    for rule in ["KB-Q142196-INVALID-SERIAL", "KB-Q142196-NOT-FOR-PRODUCTION"] {
        let (b, a) = (lab(&before, rule), lab(&after, rule));
        assert_ne!(
            b["locations"][0]["line"], a["locations"][0]["line"],
            "the lab moved in the file"
        );
        assert_eq!(
            b["fingerprint"], a["fingerprint"],
            "{rule}: the fingerprint must not follow the line"
        );
    }
    // Pinned value: a change of algorithm would orphan every waiver and baseline.
    let (_, out, _) = kbcheck(&["check", "--format", "json", BACKBONE]);
    let dup = findings(&out)
        .into_iter()
        .find(|f| f["rule"] == "KB-Q151228-DUPLICATE-SERIAL")
        .unwrap();
    assert_eq!(dup["fingerprint"], "f2413cd77d81c28c");
    assert_eq!(
        dup["fingerprint"],
        kbcheck::fingerprint::fingerprint("KB-Q151228-DUPLICATE-SERIAL", &["PO-RED", "PO-PAR"])
    );
}

/// Every finding of every example with the fingerprint kbcheck has always given it: users keep
/// these in waivers and `--base` baselines, so the digest behind them must never change.
#[test]
fn fingerprints_of_the_examples_never_change() {
    let pinned: &[(&str, &[&str])] = &[
        (
            "examples/backoffice-branch-rollout.yaml",
            &[
                "KB-Q142196-INVALID-SERIAL PO-BR1 8c3a13a4cd580849",
                "KB-Q142196-INVALID-SERIAL PO-LAB b8f70a55dc793145",
                "KB-Q142196-NOT-FOR-PRODUCTION PO-LAB e68d32632879e7f8",
            ],
        ),
        (
            BACKBONE,
            &[
                "KB-Q151228-CONNECTOR-BACKBONE BACKBONE-RED-PAR 308deda4147b5685",
                "KB-Q151228-DUPLICATE-SERIAL PO-PAR,PO-RED f2413cd77d81c28c",
            ],
        ),
        ("examples/clean-deployment.json", &[]),
        (
            "examples/exchange-55-upgrade.yaml",
            &[
                "KB-Q179258-STANDARD-16GB EXCH-HQ beb87c03be1a354d",
                "KB-Q179258-UPGRADE-FROM-40-50 EXCH-HQ c8b59060d0670570",
                "KB-Q179258-UPGRADE-FROM-40-50 EXCH-SAP 7613cfde967c4c95",
                "KB-Q282115-MORE-THAN-FOUR-EDK SXC-FI,SXC-HR,SXC-MM,SXC-PP,SXC-SD 223dfdf072a510bc",
            ],
        ),
        (
            BEFORE,
            &[
                "KB-Q142196-INVALID-SERIAL PO-LAB b8f70a55dc793145",
                "KB-Q142196-NOT-FOR-PRODUCTION PO-LAB e68d32632879e7f8",
                "KB-Q151228-TWO-DRIVES DRIVE-N,DRIVE-O 46a41148b8b75edc",
            ],
        ),
        (
            AFTER,
            &[
                "KB-Q142196-INVALID-SERIAL PO-BR1 8c3a13a4cd580849",
                "KB-Q142196-INVALID-SERIAL PO-LAB b8f70a55dc793145",
                "KB-Q142196-NOT-FOR-PRODUCTION PO-LAB e68d32632879e7f8",
            ],
        ),
    ];
    for (example, expected) in pinned {
        let (_, out, err) = kbcheck(&["check", "--format", "json", "--fail-on", "never", example]);
        let got: Vec<String> = findings(&out)
            .iter()
            .map(|f| {
                let ids: Vec<&str> = f["entities"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e.as_str().unwrap())
                    .collect();
                format!(
                    "{} {} {}",
                    f["rule"].as_str().unwrap(),
                    ids.join(","),
                    f["fingerprint"].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(got, *expected, "{example}\n{err}");
    }
}

// ------------------------------------------------------------------ waivers

fn check_waived(today: &str) -> (Exit, Json) {
    let (exit, out, err) = kbcheck(&args(&[
        &["check"],
        PINNED,
        &[
            "--format",
            "json",
            "--waivers",
            WAIVERS,
            "--today",
            today,
            BACKBONE,
        ],
    ]));
    assert_ne!(exit, Exit::Invalid, "{err}");
    (exit, json(&out))
}

fn waived(doc: &Json, rule: &str) -> bool {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap()["waived"]
        .as_bool()
        .unwrap()
}

fn states(doc: &Json) -> Vec<String> {
    doc["waivers"]["waivers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["state"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn waivers_apply_until_their_expiry_day() {
    // The day before the duplicate-serial waiver expires: both findings waived, nothing fails.
    let (exit, doc) = check_waived("2025-05-31");
    assert_eq!(exit, Exit::Clean);
    assert!(
        waived(&doc, "KB-Q151228-DUPLICATE-SERIAL")
            && waived(&doc, "KB-Q151228-CONNECTOR-BACKBONE")
    );
    assert_eq!(doc["summary"]["waived"], 2);
    assert_eq!(
        doc["summary"]["error"], 1,
        "a waived finding keeps its severity"
    );
    assert_eq!(doc["summary"]["failing"], 0);
    assert_eq!(states(&doc), ["active", "active", "unused"]);
    let w = &doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "KB-Q151228-DUPLICATE-SERIAL")
        .unwrap()["waiver"];
    assert_eq!(w["owner"], "j.doe");
    assert_eq!(w["reason"], "accepted for the pilot weekend only");
    assert_eq!(w["expires"], "2025-06-01");
    assert_eq!(
        (w["file"].as_str(), w["line"].as_u64()),
        (Some(WAIVERS), Some(11))
    );

    // On its `expires` day it waives nothing: the error counts again and exits 1.
    let (exit, doc) = check_waived("2025-06-01");
    assert_eq!(exit, Exit::Findings);
    assert!(!waived(&doc, "KB-Q151228-DUPLICATE-SERIAL"));
    assert!(waived(&doc, "KB-Q151228-CONNECTOR-BACKBONE"));
    assert_eq!(states(&doc), ["active", "expired", "unused"]);

    // A warning that is waived does not count toward `--fail-on warning` either.
    let (exit, _, _) = kbcheck(&args(&[
        &["check"],
        PINNED,
        &[
            "--fail-on",
            "warning",
            "--waivers",
            WAIVERS,
            "--today",
            "2025-05-31",
            BACKBONE,
        ],
    ]));
    assert_eq!(exit, Exit::Clean);
    let (exit, _, _) = kbcheck(&args(&[
        &["check"],
        PINNED,
        &[
            "--fail-on",
            "warning",
            "--waivers",
            WAIVERS,
            "--today",
            "2026-01-01",
            BACKBONE,
        ],
    ]));
    assert_eq!(exit, Exit::Findings, "every waiver expired");
}

#[test]
fn expired_and_unused_waivers_are_reported_as_warnings() {
    let (_, doc) = check_waived("2025-06-30");
    let warnings = doc["warnings"].as_array().unwrap();
    let got: Vec<(&str, &str, u64, u64)> = warnings
        .iter()
        .map(|w| {
            (
                w["code"].as_str().unwrap(),
                w["file"].as_str().unwrap(),
                w["line"].as_u64().unwrap(),
                w["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("kbcheck::waiver::expired", WAIVERS, 15, 14),
            ("kbcheck::waiver::unused", WAIVERS, 17, 11)
        ]
    );
    assert!(
        warnings[0]["message"]
            .as_str()
            .unwrap()
            .contains("expired on 2025-06-01")
    );

    // Human output: the warnings go to stderr as diagnostics pointing into the waivers file.
    let (_, _, err) = kbcheck(&args(&[
        &["check"],
        PINNED,
        &["--waivers", WAIVERS, "--today", "2025-06-30", BACKBONE],
    ]));
    assert!(err.contains("⚠ the waiver for `KB-Q151228-DUPLICATE-SERIAL` with fingerprint `f2413cd77d81c28c` expired on"), "{err}");
    assert!(
        err.contains("[tests/data/gate/waivers.yaml:15:14]"),
        "{err}"
    );
    assert!(
        err.contains("⚠ the waiver for `KB-Q151228-TWO-DRIVES` on `DRIVE-*` matched no finding"),
        "{err}"
    );

    // GitHub: warning annotations at the waiver's line.
    let (_, out, _) = kbcheck(&args(&[
        &["check"],
        PINNED,
        &[
            "--format",
            "github",
            "--waivers",
            WAIVERS,
            "--today",
            "2025-06-30",
            BACKBONE,
        ],
    ]));
    assert!(out.contains("::warning file=tests/data/gate/waivers.yaml,line=17,col=11,title=kbcheck%3A%3Awaiver%3A%3Aunused::"), "{out}");
    assert!(
        out.contains("::notice file=examples/exchange-connector-backbone.yaml,line=54,"),
        "the waived finding is a notice:\n{out}"
    );
}

#[test]
fn an_invalid_waivers_file_exits_2_pointing_at_each_mistake() {
    let (exit, out, err) = kbcheck(&[
        "check",
        "--waivers",
        "tests/data/gate/waivers-invalid.yaml",
        BACKBONE,
    ]);
    assert_eq!(exit, Exit::Invalid, "{err}");
    assert!(out.is_empty(), "nothing is checked: {out}");
    let file = "tests/data/gate/waivers-invalid.yaml";
    for (code, at, underlined, help) in [
        (
            "unknown_rule",
            "2:11",
            "KB-Q151228-CONECTOR-BACKBONE",
            "did you mean `KB-Q151228-CONNECTOR-BACKBONE`?",
        ),
        (
            "bad_date",
            "11:14",
            "2025-02-30",
            "write `expires: YYYY-MM-DD`",
        ),
        ("missing_key", "12:5", "", "add `reason:`"),
        ("unknown_key", "15:5", "expire", "did you mean `expires`?"),
    ] {
        assert!(
            err.contains(&format!("kbcheck::waiver::{code}")),
            "{code}:\n{err}"
        );
        assert!(
            err.contains(&format!("[{file}:{at}]")),
            "{code} at {at}:\n{err}"
        );
        assert!(err.contains(help), "{code}: {help}\n{err}");
        if !underlined.is_empty() {
            let line = err
                .lines()
                .find(|l| l.contains("│ ") && l.contains(underlined))
                .unwrap_or_default();
            assert!(
                !line.is_empty(),
                "{code}: the source line with `{underlined}` is shown\n{err}"
            );
        }
    }
    assert!(err.contains("February 2025 has 28 days"), "{err}");
    assert!(
        err.contains("error: 5 problems in the waivers file"),
        "{err}"
    );

    // A bad `--today` is invalid input too.
    let (exit, _, err) = kbcheck(&[
        "check",
        "--waivers",
        WAIVERS,
        "--today",
        "2025-13-01",
        BACKBONE,
    ]);
    assert_eq!(exit, Exit::Invalid);
    assert!(
        err.contains("`--today`: `2025-13-01` has no month 13"),
        "{err}"
    );
}

// ------------------------------------------------------------------ project config

#[test]
fn a_config_file_is_used_and_flags_override_it() {
    let config = "tests/data/gate/kbcheck.yaml";
    // The config asks for JSON, pinned rules, the waivers file and `fail-on: warning`.
    let (exit, out, err) = kbcheck(&[
        "check",
        "--config",
        config,
        "--today",
        "2025-06-30",
        BACKBONE,
    ]);
    assert_eq!(exit, Exit::Findings, "{err}");
    let doc = json(&out);
    assert_eq!(doc["fail_on"], "warning");
    assert_eq!(
        doc["waivers"]["file"], WAIVERS,
        "paths are relative to the config's folder"
    );
    assert_eq!(doc["summary"]["waived"], 1);

    // Flags win: format, fail-on, waivers.
    let (exit, out, _) = kbcheck(&[
        "check",
        "--config",
        config,
        "--today",
        "2025-06-30",
        "--format",
        "markdown",
        "--fail-on",
        "never",
        BACKBONE,
    ]);
    assert_eq!(exit, Exit::Clean);
    assert!(out.starts_with("<!-- kbcheck-report -->"), "{out}");
    let (_, out, _) = kbcheck(&[
        "check",
        "--config",
        config,
        "--waivers",
        "tests/data/gate/waivers.yaml",
        "--today",
        "2025-05-31",
        BACKBONE,
    ]);
    assert_eq!(json(&out)["summary"]["waived"], 2);

    // `--only-rules` replaces the config's rules, `--rules` adds to them; `--default-rules`
    // brings the bundled ones back.
    let ids = |extra: &[&str]| -> Vec<String> {
        let (exit, out, err) = kbcheck(&args(&[&["rules", "--json", "--config", config], extra]));
        assert_eq!(exit, Exit::Clean, "{err}");
        json(&out)
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(&[]).len(), 8, "the pinned rules only");
    let custom = "tests/data/gate/custom/CONTOSO-NT351.yaml";
    assert_eq!(ids(&["--only-rules", custom]), ["CONTOSO-NT351"]);
    assert_eq!(
        ids(&["--rules", custom]).len(),
        9,
        "the pinned rules and the custom one"
    );
    let with_bundled = ids(&["--only-rules", custom, "--default-rules"]);
    assert!(
        with_bundled.len() > 8 && with_bundled.contains(&"KB-Q151228-DUPLICATE-SERIAL".to_owned()),
        "{with_bundled:?}"
    );

    // `--no-config` ignores it: human output, bundled rules.
    let (_, out, _) = kbcheck(&["check", "--no-config", BACKBONE]);
    assert!(
        out.contains(
            "KB-Q151228-DUPLICATE-SERIAL (https://jeffpar.github.io/kbarchive/kb/151/Q151228/)"
        ),
        "{out}"
    );
}

#[test]
fn an_invalid_config_exits_2_pointing_at_each_mistake() {
    let (exit, out, err) = kbcheck(&[
        "check",
        "--config",
        "tests/data/gate/kbcheck-invalid.yaml",
        BACKBONE,
    ]);
    assert_eq!(exit, Exit::Invalid, "{out}{err}");
    let file = "tests/data/gate/kbcheck-invalid.yaml";
    for (code, at, help) in [
        ("unknown_key", "2:1", "did you mean `fail-on`?"),
        ("unknown_value", "3:9", "did you mean `sarif`?"),
        (
            "wrong_type",
            "4:19",
            "write `no-default-rules` as `true` or `false`",
        ),
    ] {
        assert!(
            err.contains(&format!("kbcheck::config::{code}")),
            "{code}:\n{err}"
        );
        assert!(
            err.contains(&format!("[{file}:{at}]")),
            "{code} at {at}:\n{err}"
        );
        assert!(err.contains(help), "{code}: {help}\n{err}");
    }
    let (exit, _, err) = kbcheck(&[
        "check",
        "--config",
        "tests/data/gate/no-such-kbcheck.yaml",
        BACKBONE,
    ]);
    assert_eq!(exit, Exit::Invalid);
    assert!(
        err.contains("cannot find `tests/data/gate/no-such-kbcheck.yaml`"),
        "{err}"
    );
}

/// A fresh folder with copies of `files` (source, name in the folder).
fn temp_project(test: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kbcheck-gate-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (from, to) in files {
        let to = dir.join(to);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join(from), to).unwrap();
    }
    dir
}

/// Run the built binary in `dir` (the current folder is per process, so not in-process).
fn kbcheck_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_kbcheck"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("KBCHECK_TODAY")
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    )
}

#[test]
fn kbcheck_yaml_in_the_current_folder_is_picked_up() {
    let dir = temp_project(
        "config",
        &[
            ("tests/data/gate/kbcheck.yaml", "kbcheck.yaml"),
            ("tests/data/gate/waivers.yaml", "waivers.yaml"),
            (BACKBONE, "plan.yaml"),
            (
                "tests/data/gate/rules/KB-Q151228-CONNECTOR-SERIAL.yaml",
                "rules/KB-Q151228-CONNECTOR-SERIAL.yaml",
            ),
            (
                "tests/data/gate/rules/KB-Q151228-DUPLICATE-SERIAL.yaml",
                "rules/KB-Q151228-DUPLICATE-SERIAL.yaml",
            ),
            (
                "tests/data/gate/rules/KB-Q151228-CONNECTOR-BACKBONE.yaml",
                "rules/KB-Q151228-CONNECTOR-BACKBONE.yaml",
            ),
            (
                "tests/data/gate/rules/KB-Q151228-TWO-DRIVES.yaml",
                "rules/KB-Q151228-TWO-DRIVES.yaml",
            ),
        ],
    );
    // "Today" from the environment: before the duplicate-serial waiver expires.
    let (code, out, err) = kbcheck_in(
        &dir,
        &["check", "plan.yaml"],
        &[("KBCHECK_TODAY", "2025-05-31")],
    );
    assert_eq!(code, 0, "{out}{err}");
    let doc = json(&out);
    assert_eq!(doc["waivers"]["file"], "waivers.yaml");
    assert_eq!(doc["waivers"]["today"], "2025-05-31");
    assert_eq!(doc["summary"]["waived"], 2);
    assert_eq!(doc["config"], "kbcheck.yaml");
    // From a subfolder, the project's config is still found (up to the repository root) and
    // named in the output; its paths stay relative to its own folder.
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    std::fs::create_dir_all(dir.join("emea")).unwrap();
    std::fs::copy(dir.join("plan.yaml"), dir.join("emea/plan.yaml")).unwrap();
    let (code, out, err) = kbcheck_in(
        &dir.join("emea"),
        &["check", "plan.yaml"],
        &[("KBCHECK_TODAY", "2025-05-31")],
    );
    assert_eq!(code, 0, "{out}{err}");
    let doc = json(&out);
    assert_eq!(doc["config"], "../kbcheck.yaml");
    assert_eq!(doc["summary"]["waived"], 2);
    let (_, out, _) = kbcheck_in(
        &dir.join("emea"),
        &["check", "--format", "human", "plan.yaml"],
        &[("KBCHECK_TODAY", "2025-05-31")],
    );
    assert!(out.contains("; config `../kbcheck.yaml`"), "{out}");
    // Above the repository root nothing is looked for.
    let outside = dir.join("outside");
    std::fs::create_dir_all(outside.join(".git")).unwrap();
    std::fs::copy(dir.join("plan.yaml"), outside.join("plan.yaml")).unwrap();
    let (_, out, _) = kbcheck_in(&outside, &["check", "--format", "json", "plan.yaml"], &[]);
    assert_eq!(json(&out)["config"], Json::Null);
    // `--today` beats the environment; a flag beats the config's format.
    let (code, out, _) = kbcheck_in(
        &dir,
        &[
            "check",
            "--today",
            "2025-06-30",
            "--format",
            "github",
            "plan.yaml",
        ],
        &[("KBCHECK_TODAY", "2025-05-31")],
    );
    assert_eq!(code, 1);
    assert!(
        out.contains("::error file=plan.yaml,line=31,col=5"),
        "{out}"
    );
    // A bad date in the environment is invalid input.
    let (code, _, err) = kbcheck_in(
        &dir,
        &["check", "plan.yaml"],
        &[("KBCHECK_TODAY", "tomorrow")],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("the environment variable `KBCHECK_TODAY`: `tomorrow` is not a date"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

// ------------------------------------------------------------------ --base

#[test]
fn base_reports_introduced_resolved_and_unchanged_by_fingerprint() {
    let (exit, out, err) = kbcheck(&args(&[
        &["check"],
        PINNED,
        &["--format", "json", "--base", BEFORE, AFTER],
    ]));
    assert_eq!(
        exit,
        Exit::Findings,
        "the introduced error fails the gate\n{err}"
    );
    let doc = json(&out);
    let fp = |rule: &str, entity: &str| kbcheck::fingerprint::fingerprint(rule, &[entity]);
    let diff = &doc["diff"];
    assert_eq!(diff["base"], BEFORE);
    assert_eq!(
        diff["introduced"],
        serde_json::json!([fp("KB-Q142196-INVALID-SERIAL", "PO-BR1")])
    );
    assert_eq!(
        diff["unchanged"],
        serde_json::json!([
            fp("KB-Q142196-INVALID-SERIAL", "PO-LAB"),
            fp("KB-Q142196-NOT-FOR-PRODUCTION", "PO-LAB")
        ])
    );
    let resolved =
        kbcheck::fingerprint::fingerprint("KB-Q151228-TWO-DRIVES", &["DRIVE-N", "DRIVE-O"]);
    assert_eq!(diff["resolved"], serde_json::json!([resolved]));
    let gone = &diff["resolved_findings"][0];
    assert_eq!(gone["status"], "resolved");
    assert_eq!(
        gone["locations"][0]["file"], BEFORE,
        "a resolved finding points into the base file"
    );
    let statuses: Vec<(&str, &str)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["entities"][0].as_str().unwrap(),
                f["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("PO-BR1", "introduced"),
            ("PO-LAB", "unchanged"),
            ("PO-LAB", "unchanged")
        ]
    );
    assert_eq!(doc["summary"]["failing"], 1);

    // Human output has a section per category.
    let (_, out, _) = kbcheck(&args(&[&["check"], PINNED, &["--base", BEFORE, AFTER]]));
    for heading in [
        "── 1 finding introduced by this change ──",
        "── 2 findings left unchanged by this change ──",
        "── 1 finding resolved by this change",
    ] {
        assert!(out.contains(heading), "{heading}\n{out}");
    }
}

#[test]
fn with_base_fail_on_counts_introduced_findings_unless_fail_on_existing() {
    // Nothing introduced (the topology compared with itself): the unchanged findings pass...
    let (exit, _, err) = kbcheck(&args(&[
        &["check"],
        PINNED,
        &["--fail-on", "warning", "--base", AFTER, AFTER],
    ]));
    assert_eq!(exit, Exit::Clean, "{err}");
    // ...unless `--fail-on-existing` lets them count.
    let (exit, _, _) = kbcheck(&args(&[
        &["check"],
        PINNED,
        &[
            "--fail-on",
            "warning",
            "--fail-on-existing",
            "--base",
            AFTER,
            AFTER,
        ],
    ]));
    assert_eq!(exit, Exit::Findings);
    // The unchanged lab findings are warnings; only the introduced error fails at `error`.
    let (exit, out, _) = kbcheck(&args(&[
        &["check"],
        PINNED,
        &[
            "--format",
            "json",
            "--fail-on",
            "error",
            "--fail-on-existing",
            "--base",
            BEFORE,
            AFTER,
        ],
    ]));
    assert_eq!(exit, Exit::Findings);
    assert_eq!(json(&out)["summary"]["failing"], 1);
    // The change resolves the only error of the base, introducing nothing: reverse the pair.
    let (exit, out, _) = kbcheck(&args(&[
        &["check"],
        PINNED,
        &["--format", "json", "--base", AFTER, BEFORE],
    ]));
    let doc = json(&out);
    assert_eq!(
        exit,
        Exit::Findings,
        "reversed, the two-drives error is introduced"
    );
    assert_eq!(
        doc["diff"]["resolved"].as_array().unwrap().len(),
        1,
        "and the branch error is resolved"
    );

    // `--base` compares one topology; `--fail-on-existing` needs `--base`.
    let (exit, _, err) = kbcheck(&["check", "--base", BEFORE, AFTER, BACKBONE]);
    assert_eq!(exit, Exit::Invalid);
    assert!(
        err.contains("kbcheck::cli::base_needs_one_topology"),
        "{err}"
    );
    let (exit, _, err) = kbcheck(&["check", "--fail-on-existing", AFTER]);
    assert_eq!(exit, Exit::Invalid);
    assert!(err.contains("--base"), "{err}");
}

// ------------------------------------------------------------------ GitHub and schemas

#[test]
fn github_commands_are_well_formed() {
    let (_, out, _) = kbcheck(&args(&[
        &["check"],
        PINNED,
        &["--format", "github", "--base", BEFORE, AFTER],
    ]));
    let mut annotations = 0;
    for line in out.lines().filter(|l| l.starts_with("::")) {
        let rest = line.trim_start_matches("::");
        let (head, message) = rest
            .split_once("::")
            .unwrap_or_else(|| panic!("no message: {line}"));
        assert!(!message.contains('\n') && !message.contains('\r'));
        let (command, props) = head.split_once(' ').unwrap_or((head, ""));
        assert!(["error", "warning", "notice"].contains(&command), "{line}");
        for prop in props.split(',').filter(|p| !p.is_empty()) {
            let (key, value) = prop
                .split_once('=')
                .unwrap_or_else(|| panic!("bad property `{prop}` in {line}"));
            assert!(
                ["file", "line", "col", "endColumn", "title"].contains(&key),
                "{key} in {line}"
            );
            assert!(
                !value.contains(':'),
                "an unescaped `:` ends the property: {line}"
            );
        }
        annotations += 1;
    }
    // One per entity location: the introduced and two unchanged findings, one resolved notice.
    assert_eq!(annotations, 4, "{out}");
    assert!(out.contains("::error file=examples/diff/contoso-after.yaml,line=62,col=5,endColumn=15,title=KB-Q142196-INVALID-SERIAL%3A "), "{out}");
}

#[test]
fn the_waivers_and_config_schemas_accept_the_files_kbcheck_accepts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (schema, good, bad) in [
        (
            "waivers",
            vec![WAIVERS],
            vec!["tests/data/gate/waivers-invalid.yaml"],
        ),
        (
            "config",
            vec!["tests/data/gate/kbcheck.yaml"],
            vec!["tests/data/gate/kbcheck-invalid.yaml"],
        ),
    ] {
        let (exit, printed, _) = kbcheck(&["schema", schema]);
        assert_eq!(exit, Exit::Clean);
        let committed =
            std::fs::read_to_string(root.join(format!("schemas/{schema}.schema.json"))).unwrap();
        assert_eq!(
            printed, committed,
            "`kbcheck schema {schema}` prints the committed schema"
        );
        let v = jsonschema::validator_for(&json(&committed)).unwrap();
        let as_json = |file: &str| -> Json {
            let text = std::fs::read_to_string(root.join(file)).unwrap();
            let source = kbcheck::source::SourceFile::new(file, text);
            let tree = kbcheck::parse::parse_document(&source, &kbcheck::limits::Limits::default())
                .unwrap();
            tree.value.to_json()
        };
        for file in good {
            let errors: Vec<String> = v
                .iter_errors(&as_json(file))
                .map(|e| e.to_string())
                .collect();
            assert!(errors.is_empty(), "{file}: {errors:?}");
        }
        for file in bad {
            assert!(
                !v.is_valid(&as_json(file)),
                "{file} must fail the {schema} schema"
            );
        }
        // Every key the loader knows is in the schema, and nothing else.
        let mut in_schema: Vec<String> = json(&committed)["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        let mut known: Vec<String> = match schema {
            "waivers" => kbcheck::waivers::FILE_KEYS,
            _ => kbcheck::config::KEYS,
        }
        .iter()
        .map(|k| (*k).to_owned())
        .collect();
        in_schema.sort();
        known.sort();
        assert_eq!(
            in_schema, known,
            "{schema}: schema and loader disagree on the keys"
        );
    }
    let waiver_keys: Vec<String> = {
        let text = std::fs::read_to_string(root.join("schemas/waivers.schema.json")).unwrap();
        let mut k: Vec<String> = json(&text)["$defs"]["waiver"]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        k.sort();
        k
    };
    let mut known: Vec<String> = kbcheck::waivers::WAIVER_KEYS
        .iter()
        .map(|k| (*k).to_owned())
        .collect();
    known.sort();
    assert_eq!(waiver_keys, known);
}

/// Compare with (or, with KBCHECK_UPDATE_SNAPSHOTS=1, write) `tests/snapshots/{name}`.
#[track_caller]
fn snapshot(name: &str, actual: &str) {
    common::snapshot("", name, actual, "gate");
}

// ------------------------------------------------------------------ failed runs

#[test]
fn a_failed_run_says_so_in_every_format_and_leaves_no_stale_report() {
    let s = Scratch::new("failed-run");
    let bad = s.write(
        "bad.yaml",
        "version: 1\nnodes:\n  - {id: A, kind: server}\n  - {id: B, kind: postoffice, parent: NOPE}\n",
    );
    // Yesterday's report must not survive a run that fails.
    let out_file = s.write("report.sarif", "{\"stale\": true}");
    let (exit, out, _) = kbcheck(&["check", "--format", "sarif", "--output", &out_file, &bad]);
    assert_eq!(exit, Exit::Invalid);
    assert!(out.is_empty());
    let doc = json(&std::fs::read_to_string(&out_file).unwrap());
    assert!(
        doc.get("stale").is_none(),
        "the old report was left in place"
    );
    let inv = &doc["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    let n = &inv["toolExecutionNotifications"][0];
    assert_eq!(n["level"], "error");
    assert_eq!(
        n["descriptor"]["id"],
        "kbcheck::topology::unknown_reference"
    );
    assert_eq!(
        n["locations"][0]["physicalLocation"]["region"]["startLine"],
        4
    );
    assert!(
        doc["runs"][0].get("results").is_none(),
        "nothing was checked"
    );
    // JSON on stdout: `status: failed` and the errors, no findings to count as a pass.
    let (exit, out, _) = kbcheck(&["check", "--format", "json", &bad]);
    assert_eq!(exit, Exit::Invalid);
    let doc = json(&out);
    assert_eq!(doc["status"], "failed");
    assert_eq!(
        doc["errors"][0]["code"],
        "kbcheck::topology::unknown_reference"
    );
    assert_eq!(doc["errors"][0]["line"], 4);
    assert!(doc.get("findings").is_none());
    // JUnit: one case in error, read back by a JUnit reader.
    let (_, out, _) = kbcheck(&["check", "--format", "junit", &bad]);
    let suites = junit(&out);
    assert_eq!(suites.errors, 1, "{out}");
    // GitHub annotations and Markdown name the problem.
    let (_, out, _) = kbcheck(&["check", "--format", "github", &bad]);
    assert!(out.contains("::error file="), "{out}");
    assert!(out.contains("line=4"), "{out}");
    let (_, out, _) = kbcheck(&["check", "--format", "markdown", &bad]);
    assert!(out.starts_with("## kbcheck: the run failed"), "{out}");
    // Human output keeps stdout clean: the diagnostics are on stderr.
    let (_, out, err) = kbcheck(&["check", &bad]);
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("NOPE"), "{err}");
    // A rule that cannot be loaded fails the same way.
    let rule = s.write("rules/R.yaml", "id: R\ntitle: t\nselect: {kind: server}\nwhen: {field: os, equal: x}\nseverity: error\nmessage: m\n");
    let good = s.write(
        "good.yaml",
        "version: 1\nnodes:\n  - {id: A, kind: server}\n",
    );
    let (exit, out, _) = kbcheck(&["check", "--format", "json", "--rules", &rule, &good]);
    assert_eq!(exit, Exit::Invalid);
    assert_eq!(
        json(&out)["errors"][0]["code"],
        "kbcheck::rule::unknown_operator"
    );
}

// ------------------------------------------------------------------ waivers per topology file

#[test]
fn a_waiver_covers_only_the_topology_files_it_names() {
    let s = Scratch::new("waiver-files");
    let plan =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(BACKBONE)).unwrap();
    let contoso = s.write("plans/contoso.yaml", &plan);
    let emea = s.write("plans/contoso-emea.yaml", &plan);
    let waiver = |files: &str| {
        format!(
            "waivers:\n  - rule: KB-Q151228-DUPLICATE-SERIAL\n    entities: [PO-*]\n{files}    reason: pilot\n    owner: j.doe\n    expires: 2099-01-01\n"
        )
    };
    let run = |waivers: &str| {
        let (exit, out, err) = kbcheck(&[
            "check",
            "--no-default-rules",
            "--rules",
            "tests/data/gate/rules",
            "--format",
            "json",
            "--waivers",
            waivers,
            &contoso,
            &emea,
        ]);
        assert_ne!(exit, Exit::Invalid, "{out}{err}");
        let doc = json(&out);
        let waived: Vec<(String, bool)> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "KB-Q151228-DUPLICATE-SERIAL")
            .map(|f| {
                let file = f["locations"][0]["file"].as_str().unwrap();
                let name = Path::new(file)
                    .file_name()
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_owned();
                (name, f.get("waiver").is_some_and(|w| !w.is_null()))
            })
            .collect();
        let mut waived = waived;
        waived.sort();
        (exit, waived, doc)
    };
    // Scoped to contoso.yaml: the same finding in the EMEA copy still fails the gate.
    let scoped = s.write("waivers.yaml", waiver("    files: [plans/contoso.yaml]\n"));
    let (exit, waived, doc) = run(&scoped);
    assert_eq!(exit, Exit::Findings);
    assert_eq!(
        waived,
        vec![
            ("contoso-emea.yaml".to_owned(), false),
            ("contoso.yaml".to_owned(), true)
        ]
    );
    assert_eq!(
        doc["waivers"]["waivers"][0]["files"],
        serde_json::json!(["plans/contoso.yaml"])
    );
    // A glob that names both files covers both, without a warning.
    let both = s.write("both.yaml", waiver("    files: ['plans/*.yaml']\n"));
    let (_, waived, doc) = run(&both);
    assert!(waived.iter().all(|(_, w)| *w), "{waived:?}");
    assert!(!doc.to_string().contains("waiver::unscoped"));
    // Without `files`, a waiver matching in two topology files is reported.
    let unscoped = s.write("unscoped.yaml", waiver(""));
    let (_, _, doc) = run(&unscoped);
    let warnings = doc["warnings"].to_string();
    assert!(warnings.contains("waiver::unscoped"), "{warnings}");
    assert!(
        warnings.contains("matches findings in 2 topology files"),
        "{warnings}"
    );
    // A strict gate refuses it.
    let (exit, out, err) = kbcheck(&[
        "check",
        "--strict",
        "--no-default-rules",
        "--rules",
        "tests/data/gate/rules",
        "--format",
        "json",
        "--waivers",
        &unscoped,
        &contoso,
        &emea,
    ]);
    assert_eq!(exit, Exit::Invalid, "{out}{err}");
    assert!(err.contains("waiver::unscoped"), "{err}");
    assert_eq!(json(&out)["status"], "failed");
    // A fingerprint-only waiver is scoped the same way.
    let (_, out, _) = kbcheck(&[
        "check",
        "--no-default-rules",
        "--rules",
        "tests/data/gate/rules",
        "--format",
        "json",
        &contoso,
    ]);
    let fp = json(&out)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "KB-Q151228-DUPLICATE-SERIAL")
        .unwrap()["fingerprint"]
        .as_str()
        .unwrap()
        .to_owned();
    let by_fp = s.write(
        "fp.yaml",
        format!("waivers:\n  - fingerprint: {fp}\n    files: [plans/contoso.yaml]\n    reason: pilot\n    owner: j.doe\n    expires: 2099-01-01\n"),
    );
    let (exit, waived, _) = run(&by_fp);
    assert_eq!(exit, Exit::Findings);
    assert_eq!(
        waived,
        vec![
            ("contoso-emea.yaml".to_owned(), false),
            ("contoso.yaml".to_owned(), true)
        ]
    );
}

#[test]
fn markdown_of_a_big_topology_fits_a_pull_request_comment() {
    // 10,000 nodes: every postoffice has the invalid serial (an error each), every tenth
    // server an attribute the vocabulary does not know (a warning each).
    let mut text = String::from("version: 1\nnodes:\n");
    for i in 0..5_000 {
        let extra = if i % 10 == 0 { ", colour: blue" } else { "" };
        text.push_str(&format!(
            "  - {{id: S{i}, kind: server, product: msmail, version: \"3.5\", tags: [production]{extra}}}\n  - {{id: S{i}-PO, kind: postoffice, parent: S{i}, serial: 0799-99992, tags: [production]}}\n"
        ));
    }
    let s = Scratch::new("markdown-cap");
    let topo = s.write("big.yaml", &text);
    let md = s.path("report.md");
    let (exit, out, err) = kbcheck(&[
        "check",
        "--no-config",
        "--format",
        "json",
        "--output-format",
        &format!("markdown={md}"),
        &topo,
    ]);
    assert_eq!(exit, Exit::Findings, "{err}");
    let report = json(&out);
    let findings = report["findings"].as_array().unwrap().len();
    assert!(findings >= 5_000, "{findings}");
    let md = std::fs::read_to_string(&md).unwrap();
    assert!(
        md.chars().count() <= 60_000,
        "{} characters",
        md.chars().count()
    );
    // What did not fit is counted and pointed to; the errors come first; the diagram of
    // 5,000 findings is not drawn (Mermaid would refuse it).
    let shown = md.matches("\n#### ").count();
    assert!(shown > 10, "{shown} findings shown");
    let first = md.split("\n#### ").nth(1).unwrap();
    assert!(first.starts_with("error: "), "{first}");
    let note = md
        .lines()
        .find(|l| l.contains("more items not shown"))
        .unwrap();
    let omitted: usize = note
        .trim_start_matches("**")
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let warnings = report["warnings"].as_array().unwrap().len();
    assert_eq!(
        shown + omitted + md.matches("- **warning**").count(),
        findings + warnings
    );
    assert!(note.contains("see the SARIF/HTML artifact"), "{note}");
    assert!(!md.contains("```mermaid"));
    // A smaller cap is kept too.
    let (_, small, _) = kbcheck(&[
        "check",
        "--no-config",
        "--format",
        "markdown",
        "--markdown-max-chars",
        "5000",
        &topo,
    ]);
    assert!(small.chars().count() <= 5_000, "{}", small.chars().count());
}
