//! One verdict, told the same way everywhere: a single check writes every format
//! (`--output-format FORMAT=FILE`), and each one, read back with a parser for its format,
//! gives the same verdict, the same counts (failing, not failing, waived), the same
//! inconclusive results and the same warnings as the JSON contract — for every example.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests: a failed step is a failed test"
)]

mod common;

use common::{Scratch, kbcheck};
use kbcheck::cli::Exit;
use serde_json::Value;

/// What every format must agree on.
#[derive(Debug, PartialEq, Eq, Clone)]
struct Told {
    fails: bool,
    failing: usize,
    not_failing: usize,
    waived: usize,
    inconclusive: usize,
    warnings: usize,
    line: String,
}

/// The JSON contract's account: counted from its findings, not from its summary.
fn from_json(text: &str) -> Told {
    let doc: Value = serde_json::from_str(text).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    let waived = findings.iter().filter(|f| f["waiver"].is_object()).count();
    let failing = findings.iter().filter(|f| f["failing"] == true).count();
    let inconclusive = doc["inconclusive"].as_array().unwrap().len();
    let fails_inconclusive = doc["fail_on_inconclusive"] == true && inconclusive > 0;
    Told {
        fails: failing > 0 || fails_inconclusive,
        failing,
        not_failing: findings.len() - waived - failing,
        waived,
        inconclusive,
        warnings: doc["warnings"].as_array().unwrap().len(),
        line: doc["summary"]["line"].as_str().unwrap().to_owned(),
    }
}

fn from_sarif(text: &str) -> Told {
    let doc: Value = serde_json::from_str(text).unwrap();
    let run = &doc["runs"][0];
    let results = run["results"].as_array().unwrap();
    let findings: Vec<&Value> = results.iter().filter(|r| r["kind"] == "fail").collect();
    let waived = findings
        .iter()
        .filter(|r| r["suppressions"].is_array())
        .count();
    let failing = findings
        .iter()
        .filter(|r| r["properties"]["failing"] == true)
        .count();
    let review: Vec<&Value> = results.iter().filter(|r| r["kind"] == "review").collect();
    let inv = &run["invocations"][0];
    let warnings = inv["toolExecutionNotifications"].as_array().unwrap().len()
        + inv["toolConfigurationNotifications"]
            .as_array()
            .unwrap()
            .len();
    let summary = &run["properties"]["summary"];
    Told {
        fails: summary["verdict"] == "fails",
        failing,
        not_failing: findings.len() - waived - failing,
        waived,
        inconclusive: review.len(),
        warnings,
        line: summary["line"].as_str().unwrap().to_owned(),
    }
}

fn from_junit(text: &str, fail_on_inconclusive: bool) -> Told {
    let doc = junit_parser::from_reader(std::io::Cursor::new(text.as_bytes())).unwrap();
    let suite = |name: &str| doc.suites.iter().find(|s| s.name == name);
    let rules = doc
        .suites
        .iter()
        .filter(|s| !s.name.starts_with("kbcheck "));
    let (mut failing, mut not_failing, mut waived) = (0, 0, 0);
    for s in rules {
        for c in &s.cases {
            if c.status.is_failure() {
                failing += 1;
            } else if c.status.is_skipped() {
                waived += 1;
            } else if c
                .system_out
                .as_deref()
                .is_some_and(|t| t.contains("below the gate"))
            {
                not_failing += 1;
            }
        }
    }
    let inconclusive = suite("kbcheck inconclusive").map_or(0, |s| s.cases.len());
    let inconclusive_failures = suite("kbcheck inconclusive").map_or(0, |s| s.failures);
    assert_eq!(
        inconclusive_failures as usize,
        if fail_on_inconclusive {
            inconclusive
        } else {
            0
        },
        "an inconclusive result is a failure only with --fail-on-inconclusive"
    );
    let summary = suite("kbcheck summary").unwrap();
    let prop = |k: &str| summary.properties.hashmap.get(k).cloned().unwrap();
    Told {
        fails: doc.failures > 0,
        failing,
        not_failing,
        waived,
        inconclusive,
        warnings: suite("kbcheck warnings").map_or(0, |s| s.cases.len()),
        line: prop("summary"),
    }
}

/// A count after a heading such as `### Inconclusive (3)`, 0 without the heading.
fn heading_count(text: &str, heading: &str) -> usize {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("### {heading} (")))
        .map_or(0, |rest| rest.trim_end_matches(')').parse().unwrap())
}

fn from_markdown(text: &str) -> Told {
    let line = text
        .lines()
        .find_map(|l| {
            l.strip_prefix('`')
                .and_then(|l| l.strip_suffix('`'))
                .filter(|l| l.starts_with("kbcheck "))
        })
        .unwrap()
        .to_owned();
    // The severity table: | severity | findings | waived | failing |
    let (mut total, mut waived, mut failing) = (0, 0, 0);
    for l in text.lines() {
        let cells: Vec<&str> = l.split('|').map(str::trim).collect();
        if let ["", "error" | "warning" | "info", n, w, f, ""] = cells.as_slice() {
            total += n.parse::<usize>().unwrap();
            waived += w.parse::<usize>().unwrap();
            failing += f.parse::<usize>().unwrap();
        }
    }
    Told {
        fails: text.contains(": **fails**"),
        failing,
        not_failing: total - waived - failing,
        waived,
        inconclusive: heading_count(text, "Inconclusive"),
        warnings: heading_count(text, "Warnings"),
        line,
    }
}

/// What GitHub annotations and the HTML page tell: the verdict, inconclusive results,
/// warnings and the summary line (their findings are per entity, not per finding).
#[derive(Debug, PartialEq, Eq)]
struct Shown {
    fails: bool,
    inconclusive: usize,
    warnings: usize,
    line: String,
}

fn shown(t: &Told) -> Shown {
    Shown {
        fails: t.fails,
        inconclusive: t.inconclusive,
        warnings: t.warnings,
        line: t.line.clone(),
    }
}

fn from_github(text: &str) -> Shown {
    let line = text.lines().last().unwrap().to_owned();
    Shown {
        fails: line.starts_with("kbcheck fails"),
        inconclusive: text
            .lines()
            .filter(|l| l.contains(" inconclusive::inconclusive: "))
            .count(),
        warnings: text
            .lines()
            .filter(|l| l.starts_with("::warning") && l.contains("title=kbcheck%3A%3A"))
            .count(),
        line,
    }
}

fn from_html(text: &str) -> Shown {
    let line = text
        .split("<p class=\"summary\" id=\"summary\">")
        .nth(1)
        .and_then(|t| t.split("</p>").next())
        .unwrap()
        .replace("&quot;", "\"");
    Shown {
        fails: text.contains("class=\"verdict fails\""),
        inconclusive: text.matches("<li class=\"inconclusive\">").count(),
        warnings: text.matches("<li class=\"warning\">").count(),
        line,
    }
}

/// Run one check writing every format, and compare what each tells with the JSON.
fn agree(name: &str, run: &[&str]) {
    let s = Scratch::new(&format!("verdict-{name}"));
    let formats = ["json", "sarif", "junit", "markdown", "github", "html"];
    let mut args: Vec<String> = vec!["check".into(), "--today".into(), "2025-06-30".into()];
    args.extend(run.iter().map(|a| (*a).to_owned()));
    for f in formats {
        args.push("--output-format".into());
        args.push(format!("{f}={}", s.path(f)));
    }
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let (exit, human, err) = kbcheck(&argv);
    assert_ne!(exit, Exit::Invalid, "{name}: {err}");
    let read = |f: &str| std::fs::read_to_string(s.path(f)).unwrap();
    let json = from_json(&read("json"));
    assert_eq!(exit == Exit::Findings, json.fails, "{name}: exit code");
    assert_eq!(
        human.lines().last().unwrap(),
        json.line,
        "{name}: human summary line"
    );
    let fail_on_inconclusive = run.contains(&"--fail-on-inconclusive");
    assert_eq!(from_sarif(&read("sarif")), json, "{name}: SARIF");
    assert_eq!(
        from_junit(&read("junit"), fail_on_inconclusive),
        json,
        "{name}: JUnit"
    );
    assert_eq!(from_markdown(&read("markdown")), json, "{name}: Markdown");
    assert_eq!(from_github(&read("github")), shown(&json), "{name}: GitHub");
    assert_eq!(from_html(&read("html")), shown(&json), "{name}: HTML");
}

const EXAMPLES: &[&str] = &[
    "examples/backoffice-branch-rollout.yaml",
    "examples/exchange-connector-backbone.yaml",
    "examples/clean-deployment.json",
    "examples/diff/contoso-after.yaml",
];

#[test]
fn every_format_tells_the_same_verdict_for_every_example() {
    for (n, example) in EXAMPLES.iter().enumerate() {
        agree(&format!("default-{n}"), &["--no-config", example]);
        agree(
            &format!("inconclusive-{n}"),
            &[
                "--no-config",
                "--inconclusive",
                "all",
                "--fail-on-inconclusive",
                example,
            ],
        );
        agree(
            &format!("never-{n}"),
            &[
                "--no-config",
                "--fail-on",
                "never",
                "--inconclusive",
                "all",
                example,
            ],
        );
    }
    agree(
        "waivers",
        &[
            "--no-config",
            "--waivers",
            "tests/data/gate/waivers.yaml",
            "examples/exchange-connector-backbone.yaml",
        ],
    );
    agree(
        "base",
        &[
            "--no-config",
            "--base",
            "examples/diff/contoso-before.yaml",
            "examples/diff/contoso-after.yaml",
        ],
    );
}

#[test]
fn warnings_and_below_gate_findings_agree_too() {
    // An unknown attribute (an input warning) and warnings below `--fail-on error`.
    let s = Scratch::new("verdict-input");
    let topo = s.write(
        "plan.yaml",
        "version: 1
nodes:
  - {id: S1, kind: server, product: exchange, version: \"5.5\", colour: blue}
  - {id: PO1, kind: postoffice, parent: S1, serial: 0799-99992, tags: [planned]}
",
    );
    agree("warnings", &["--no-config", &topo]);
    agree(
        "warnings-all",
        &["--no-config", "--inconclusive", "all", &topo],
    );
}

#[test]
fn a_failed_run_writes_its_failure_to_every_requested_file() {
    let s = Scratch::new("verdict-failed");
    let topo = s.write(
        "bad.yaml",
        "version: 1\nnodes:\n  - {id: S1, kind: server\n",
    );
    let (sarif, junit) = (s.path("out.sarif"), s.path("out.xml"));
    std::fs::write(&sarif, "stale").unwrap();
    let (exit, _, _) = kbcheck(&[
        "check",
        "--no-config",
        "--output-format",
        &format!("sarif={sarif}"),
        "--output-format",
        &format!("junit={junit}"),
        &topo,
    ]);
    assert_eq!(exit, Exit::Invalid);
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(
        doc["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("<error"), "{xml}");
}

#[test]
fn output_format_refuses_what_is_not_format_equals_file() {
    for bad in ["sarif", "yaml=out.yaml", "sarif="] {
        let (exit, _, err) = kbcheck(&["check", "--output-format", bad, "x.yaml"]);
        assert_eq!(exit, Exit::Invalid, "{bad}");
        assert!(err.contains("--output-format"), "{bad}: {err}");
    }
}

#[test]
fn sarif_levels_and_the_rules_list_agree() {
    let (_, list, _) = kbcheck(&["rules", "--no-config", "--json"]);
    let list: Value = serde_json::from_str(&list).unwrap();
    let (_, sarif, _) = kbcheck(&[
        "check",
        "--no-config",
        "--format",
        "sarif",
        "examples/clean-deployment.json",
    ]);
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    let descriptors = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let (_, table, _) = kbcheck(&["rules", "--no-config"]);
    let mut conditional = 0;
    for d in descriptors {
        let id = d["id"].as_str().unwrap();
        let listed = list
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap();
        if listed["kind"] == "derive" {
            // A derivation reports only a conflict with a written value; the list shows `-`.
            continue;
        }
        let level = d["defaultConfiguration"]["level"].as_str().unwrap();
        let severity = listed["severity"].as_str().unwrap();
        assert_eq!(
            level,
            if severity == "info" { "note" } else { severity },
            "{id}"
        );
        let text = d["properties"]["kbcheck/severity"].as_str().unwrap();
        assert_eq!(text, listed["severity_text"], "{id}");
        let row = table
            .lines()
            .find(|l| l.starts_with(&format!("{id} ")))
            .unwrap();
        if text.contains(" when: ") {
            conditional += 1;
            // The highest level first, then the rest: "error when: …; else warning".
            assert!(text.starts_with(severity), "{id}: {text}");
            assert!(row.contains(&format!(" {severity}* ")), "{row}");
        } else {
            assert_eq!(text, severity, "{id}");
            assert!(row.contains(&format!(" {severity} ")), "{row}");
        }
    }
    assert!(
        conditional > 0,
        "the bundled rules have conditional severities"
    );
}
