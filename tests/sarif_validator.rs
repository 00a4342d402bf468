//! SARIF checked by a real consumer: Microsoft's SARIF validator (`sarif-multitool validate`,
//! from the npm package `@microsoft/sarif-multitool`) must report no error and no warning on
//! the SARIF of every example, named by a relative path, by an absolute path, and from
//! outside the work tree; with waivers and with `--base` too.
//!
//! The validator is found at `$KBCHECK_SARIF_MULTITOOL` (the `Sarif.Multitool` executable),
//! else where `scripts/test` installs it: `npm install --prefix target/npm @microsoft/sarif-multitool`.
//! Without it the test fails, saying how to install it.

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
use std::process::Command;

const ENV: &str = "KBCHECK_SARIF_MULTITOOL";

/// The validator's executable: `$KBCHECK_SARIF_MULTITOOL`, else the platform binary of the
/// npm package installed under `target/npm`.
fn multitool() -> PathBuf {
    if let Some(p) = std::env::var_os(ENV).filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        assert!(
            p.is_file(),
            "${ENV} names `{}`, which is not a file",
            p.display()
        );
        return p;
    }
    let platform = match std::env::consts::OS {
        "macos" => "darwin",
        "windows" => "win32",
        other => other,
    };
    let exe = if cfg!(windows) {
        "Sarif.Multitool.exe"
    } else {
        "Sarif.Multitool"
    };
    let installed = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/npm/node_modules/@microsoft")
        .join(format!("sarif-multitool-{platform}"))
        .join(exe);
    assert!(
        installed.is_file(),
        "Microsoft's SARIF validator is not installed: run `npm install --prefix target/npm \
         @microsoft/sarif-multitool` in the repository (`scripts/test` does), or set ${ENV} to its \
         `Sarif.Multitool` executable (looked for `{}`)",
        installed.display()
    );
    installed
}

/// A problem the validator reported: file, rule, level, message id and arguments.
#[derive(Debug)]
struct Problem {
    file: String,
    rule: String,
    level: String,
    message: String,
    arguments: Vec<String>,
}

/// Run `sarif-multitool validate` on the files; every result at level error or warning
/// (a result without a level has its rule's default level, else `warning`).
fn validate(files: &[PathBuf], scratch: &Scratch) -> Vec<Problem> {
    let log = scratch.0.join("validation.sarif");
    let out = Command::new(multitool())
        .arg("validate")
        .args(["--log", "ForceOverwrite", "--output"])
        .arg(&log)
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run the SARIF validator: {e}"));
    let text = std::fs::read_to_string(&log).unwrap_or_else(|e| {
        panic!(
            "the SARIF validator wrote no log ({e}); it said:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let doc: Json = serde_json::from_str(&text).unwrap();
    let run = &doc["runs"][0];
    let invocation = &run["invocations"][0];
    assert_eq!(
        invocation["executionSuccessful"], true,
        "the validator failed: {invocation}"
    );
    for key in [
        "toolExecutionNotifications",
        "toolConfigurationNotifications",
    ] {
        let errors: Vec<&Json> = invocation[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|n| n["level"] == "error")
            .collect();
        assert!(
            errors.is_empty(),
            "the validator reported {key}: {errors:?}"
        );
    }
    let rules = run["tool"]["driver"]["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    run["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| {
            let default = r["ruleIndex"]
                .as_u64()
                .and_then(|i| rules.get(usize::try_from(i).ok()?))
                .and_then(|d| d["defaultConfiguration"]["level"].as_str())
                .unwrap_or("warning");
            let level = r["level"].as_str().unwrap_or(default).to_owned();
            matches!(level.as_str(), "error" | "warning").then(|| Problem {
                file: r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                rule: r["ruleId"].as_str().unwrap_or_default().to_owned(),
                level,
                message: r["message"]["id"].as_str().unwrap_or_default().to_owned(),
                arguments: r["message"]["arguments"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|a| a.as_str().map(str::to_owned))
                    .collect(),
            })
        })
        .collect()
}

/// Every topology under `examples/`, relative to the package root.
fn examples() -> Vec<String> {
    fn walk(dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            ) {
                out.push(p.display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(Path::new("examples"), &mut out);
    out.sort();
    out
}

/// Run `kbcheck check --format sarif ARGS... --output FILE`; the file.
fn sarif(args: &[&str], file: PathBuf) -> PathBuf {
    let output = file.display().to_string();
    let mut all = vec!["check", "--format", "sarif", "--output", &output];
    all.extend_from_slice(args);
    let (exit, out, err) = kbcheck(&all);
    assert_ne!(exit, Exit::Invalid, "kbcheck {}\n{out}{err}", all.join(" "));
    file
}

#[test]
fn microsofts_validator_accepts_the_sarif_of_every_example_from_any_path() {
    let scratch = Scratch::new("sarif-validator");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let examples = examples();
    assert!(examples.len() >= 5, "the examples: {examples:?}");
    let mut files = Vec::new();
    for (n, example) in examples.iter().enumerate() {
        let absolute = root.join(example).display().to_string();
        files.push(sarif(
            &[example],
            scratch.0.join(format!("relative-{n}.sarif")),
        ));
        files.push(sarif(
            &[&absolute],
            scratch.0.join(format!("absolute-{n}.sarif")),
        ));
        // A copy outside the work tree: an absolute `file://` URI, no repository.
        let outside = scratch.write(
            &format!("outside-{n}.yaml"),
            std::fs::read(root.join(example)).unwrap(),
        );
        files.push(sarif(
            &[&outside],
            scratch.0.join(format!("outside-{n}.sarif")),
        ));
    }
    let backbone = "examples/exchange-connector-backbone.yaml";
    let waivers = root
        .join("tests/data/gate/waivers.yaml")
        .display()
        .to_string();
    files.push(sarif(
        &["--waivers", &waivers, "--today", "2025-06-30", backbone],
        scratch.0.join("waivers.sarif"),
    ));
    files.push(sarif(
        &[
            "--base",
            "examples/diff/contoso-before.yaml",
            "examples/diff/contoso-after.yaml",
        ],
        scratch.0.join("base.sarif"),
    ));
    let all: Vec<&str> = examples.iter().map(String::as_str).collect();
    files.push(sarif(&all, scratch.0.join("all.sarif")));
    // A run that fails (exit 2) still writes a log that says so, and it validates too.
    let broken = scratch.0.join("broken.yaml");
    std::fs::write(
        &broken,
        "version: 1\nnodes:\n  - {id: B, kind: postoffice, parent: NOPE}\n",
    )
    .unwrap();
    let failed = scratch.0.join("failed.sarif");
    let failed_arg = failed.display().to_string();
    let broken_arg = broken.display().to_string();
    let (exit, _, _) = kbcheck(&[
        "check",
        "--format",
        "sarif",
        "--output",
        &failed_arg,
        &broken_arg,
    ]);
    assert_eq!(exit, Exit::Invalid);
    files.push(failed);

    // The logs themselves carry what consumers need to place the files.
    let relative: Json =
        serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    let run = &relative["runs"][0];
    assert!(
        run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
            .as_str()
            .is_some_and(|u| u.starts_with("file:///") && u.ends_with('/')),
        "{}",
        run["originalUriBaseIds"]
    );
    // The tool's page is Cargo.toml's `homepage`; kbcheck has none yet, and says none.
    let homepage = env!("CARGO_PKG_HOMEPAGE");
    assert_eq!(
        run["tool"]["driver"]["informationUri"].as_str(),
        (!homepage.is_empty()).then_some(homepage),
        "{}",
        run["tool"]["driver"]
    );
    let outside: Json = serde_json::from_str(&std::fs::read_to_string(&files[2]).unwrap()).unwrap();
    let place =
        &outside["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert!(
        place["uri"]
            .as_str()
            .is_some_and(|u| u.starts_with("file:///")),
        "a file outside the work tree has its absolute URI: {place}"
    );
    assert!(place.get("uriBaseId").is_none(), "{place}");

    // The validator recommends an `informationUri` (SARIF2005, a warning on an optional
    // property): without a home page to name, that one recommendation is the only one allowed.
    let problems: Vec<Problem> = validate(&files, &scratch)
        .into_iter()
        .filter(|p| !(homepage.is_empty() && p.message == "Warning_ProvideToolnformationUri"))
        .collect();
    assert!(
        problems.is_empty(),
        "Microsoft's SARIF validator reports {} errors or warnings:\n{}",
        problems.len(),
        problems
            .iter()
            .map(|p| format!("{} {} {} {:?}", p.file, p.level, p.rule, p.arguments))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_validator_is_not_vacuous() {
    // What kbcheck wrote before: an absolute path with a base id, and no `informationUri`.
    let scratch = Scratch::new("sarif-validator-bad");
    let bad = serde_json::json!({
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "kbcheck", "rules": [{"id": "KB-Q1"}]}},
            "results": [{
                "ruleId": "KB-Q1",
                "ruleIndex": 0,
                "level": "error",
                "message": {"text": "postoffice `PO1` has a problem"},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": "/srv/plans/plan.yaml", "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": 3, "startColumn": 5},
                }}],
            }],
        }],
    });
    let file = PathBuf::from(scratch.write("bad.sarif", bad.to_string()));
    let problems = validate(&[file], &scratch);
    let rules: Vec<(&str, &str)> = problems
        .iter()
        .map(|p| (p.rule.as_str(), p.level.as_str()))
        .collect();
    assert!(rules.contains(&("SARIF1004", "error")), "{problems:?}");
    assert!(rules.contains(&("SARIF2005", "warning")), "{problems:?}");
    assert!(
        problems
            .iter()
            .any(|p| p.message == "Warning_ProvideToolnformationUri"),
        "the message id the other test lets pass is the validator's: {problems:?}"
    );
}
