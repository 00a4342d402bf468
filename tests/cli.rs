//! The command-line contract of DESIGN.md, tested in-process through `kbcheck::cli::run`:
//! exit codes, the JSON findings, the catalogue of bad topologies and bad rules, rule packs
//! loaded without recompiling, `kbcheck test`, `rules` and `explain`.
//!
//! Assertions are on what a user sees: the diagnostic code, the file and line:column in the
//! snippet header, the source text miette underlines and the label under it, and the help.
//! Fixtures live in `tests/fixtures/`; inputs too big or too binary to keep in git (100,000
//! nested brackets, invalid UTF-8) are written to a scratch folder at run time.

// clippy.toml allows these inside `#[test]` functions only; the helpers below fail the test
// the same way, by panicking with what went wrong.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers fail the test by panicking"
)]

mod common;

use common::{Scratch, assert_label, has, kbcheck, snapshot};
use kbcheck::cli::Exit;
use serde_json::Value;

/// A path under the crate root, as the command-line argument a user would type.
fn path(rel: &str) -> String {
    format!("{}/{rel}", env!("CARGO_MANIFEST_DIR"))
}

fn fixture(rel: &str) -> String {
    path(&format!("tests/fixtures/{rel}"))
}

/// 1-based line and column of the first occurrence of `needle` in `text`.
fn line_col(text: &str, needle: &str) -> (usize, usize) {
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` is not in the text"));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// `check --format json` on files; returns the exit code and the parsed report.
fn check_json(args: &[&str]) -> (Exit, Value) {
    let mut all = vec!["check", "--format", "json"];
    all.extend(args);
    let (exit, out, err) = kbcheck(&all);
    let json = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{out}\n{err}"));
    (exit, json)
}

/// The findings of a JSON report as (rule, severity, entities), in report order.
fn findings(report: &Value) -> Vec<(String, String, Vec<String>)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let ids = f["entities"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e.as_str().unwrap().to_owned())
                .collect();
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
                ids,
            )
        })
        .collect()
}

/// A finding as written in a test: (rule id, severity, entity ids).
type Want<'a> = (&'a str, &'a str, &'a [&'a str]);

fn expected(list: &[Want<'_>]) -> Vec<(String, String, Vec<String>)> {
    list.iter()
        .map(|(r, s, e)| {
            (
                (*r).to_owned(),
                (*s).to_owned(),
                e.iter().map(|x| (*x).to_owned()).collect(),
            )
        })
        .collect()
}

/// Every bundled rule file as (id, text).
fn bundled_rules() -> Vec<(String, String)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "yaml") {
                let text = std::fs::read_to_string(&p).unwrap();
                // Files without an `id` (a pack's vocabulary) are not rules.
                if let Some(id) = text.lines().find_map(|l| l.strip_prefix("id: ")) {
                    out.push((id.trim().to_owned(), text));
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(std::path::Path::new(&path("rules")), &mut out);
    out.sort();
    assert!(!out.is_empty());
    out
}

// ---------------------------------------------------------------------------------------
// 1. Exit codes

#[test]
fn clean_example_exits_0() {
    let (exit, out, err) = kbcheck(&["check", &path("examples/clean-deployment.json")]);
    assert_eq!(exit, Exit::Clean, "{out}{err}");
    assert!(out.contains("0 errors, 0 warnings"), "{out}");
}

#[test]
fn examples_with_findings_exit_1() {
    for example in [
        "examples/backoffice-branch-rollout.yaml",
        "examples/exchange-connector-backbone.yaml",
        "examples/exchange-55-upgrade.yaml",
    ] {
        let (exit, out, err) = kbcheck(&["check", &path(example)]);
        assert_eq!(exit, Exit::Findings, "{example}:\n{out}{err}");
        assert!(
            out.contains("× "),
            "{example}: no error finding shown:\n{out}"
        );
    }
}

#[test]
fn fail_on_never_exits_0_with_findings() {
    let (exit, out, _) = kbcheck(&[
        "check",
        "--fail-on",
        "never",
        &path("examples/exchange-connector-backbone.yaml"),
    ]);
    assert_eq!(exit, Exit::Clean);
    assert!(
        out.contains("KB-Q151228-DUPLICATE-SERIAL"),
        "findings are still reported:\n{out}"
    );
}

#[test]
fn fail_on_decides_the_exit_for_a_warning_only_topology() {
    let topology = fixture("topologies/warnings-only.yaml");
    let (_, report) = check_json(&[&topology]);
    assert_eq!(
        findings(&report),
        expected(&[("KB-Q151228-CONNECTOR-BACKBONE", "warning", &["BACKBONE"])])
    );
    for (fail_on, want) in [
        ("warning", Exit::Findings),
        ("info", Exit::Findings),
        ("error", Exit::Clean),
        ("never", Exit::Clean),
    ] {
        let (exit, out, err) = kbcheck(&["check", "--fail-on", fail_on, &topology]);
        assert_eq!(exit, want, "--fail-on {fail_on}:\n{out}{err}");
    }
    let (exit, _, _) = kbcheck(&["check", &topology]);
    assert_eq!(exit, Exit::Clean, "the default is --fail-on error");
}

#[test]
fn bad_arguments_exit_2() {
    let clean = path("examples/clean-deployment.json");
    let cases: &[(&[&str], &str)] = &[
        (
            &["check", "--frobnicate", &clean],
            "unexpected argument '--frobnicate'",
        ),
        (
            &["check", "--format", "xml", &clean],
            "invalid value 'xml' for '--format",
        ),
        (
            &["check", "--fail-on", "sometimes", &clean],
            "invalid value 'sometimes'",
        ),
        (&["check"], "required"),
        (&["chek", &clean], "unrecognized subcommand 'chek'"),
    ];
    for (args, message) in cases {
        let (exit, out, err) = kbcheck(args);
        assert_eq!(exit, Exit::Invalid, "{args:?}:\n{out}{err}");
        assert!(
            has(&err, message),
            "{args:?}: stderr lacks `{message}`:\n{err}"
        );
        assert!(out.is_empty(), "{args:?}: nothing on stdout:\n{out}");
    }
}

#[test]
fn help_and_version_exit_0() {
    let (exit, out, err) = kbcheck(&["--help"]);
    assert_eq!(exit, Exit::Clean, "{err}");
    assert!(out.contains("Usage: kbcheck"), "{out}");
    for sub in ["check", "validate", "test", "rules", "explain", "schema"] {
        assert!(out.contains(sub), "--help lists `{sub}`:\n{out}");
    }
    let (exit, out, _) = kbcheck(&["check", "--help"]);
    assert_eq!(exit, Exit::Clean);
    assert!(out.contains("--fail-on"), "{out}");
    let (exit, out, _) = kbcheck(&["--version"]);
    assert_eq!(exit, Exit::Clean);
    assert!(out.contains(env!("CARGO_PKG_VERSION")), "{out}");
}

// ---------------------------------------------------------------------------------------
// 2. The JSON contract

#[test]
fn json_findings_follow_the_contract() {
    let topology = path("examples/exchange-connector-backbone.yaml");
    let text = std::fs::read_to_string(&topology).unwrap();
    let (exit, report) = check_json(&[&topology]);
    assert_eq!(exit, Exit::Findings);
    let list = report["findings"].as_array().unwrap();
    assert!(!list.is_empty());

    let keys: Vec<(String, Vec<String>)> = findings(&report)
        .into_iter()
        .map(|(r, _, e)| (r, e))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(
        keys, sorted,
        "findings are sorted by rule id, then entity id"
    );

    let mut counts = std::collections::BTreeMap::new();
    for f in list {
        let rule = f["rule"].as_str().unwrap();
        let kb = f["kb"].as_array().unwrap();
        assert!(
            !kb.is_empty() && kb.iter().all(Value::is_string),
            "{rule}: kb is a list of ids"
        );
        let severity = f["severity"].as_str().unwrap();
        assert!(
            ["error", "warning", "info"].contains(&severity),
            "{rule}: severity `{severity}`"
        );
        *counts.entry(severity.to_owned()).or_insert(0u64) += 1;
        assert!(
            !f["message"].as_str().unwrap().is_empty(),
            "{rule}: message"
        );
        let entities: Vec<&str> = f["entities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap())
            .collect();
        let mut sorted = entities.clone();
        sorted.sort_unstable();
        assert_eq!(entities, sorted, "{rule}: entities are sorted");
        let locations = f["locations"].as_array().unwrap();
        assert_eq!(
            locations.len(),
            entities.len(),
            "{rule}: one location per entity"
        );
        for (entity, loc) in entities.iter().zip(locations) {
            // The entity is defined where its `- id:` line is; the location is the `id` key.
            let (line, column) = line_col(&text, &format!("id: {entity}\n"));
            assert_eq!(
                loc["file"].as_str(),
                Some(topology.as_str()),
                "{rule}/{entity}"
            );
            assert_eq!(
                loc["line"].as_u64(),
                Some(line as u64),
                "{rule}/{entity}: line"
            );
            assert_eq!(
                loc["column"].as_u64(),
                Some(column as u64),
                "{rule}/{entity}: column"
            );
        }
    }
    let summary = &report["summary"];
    for level in ["error", "warning", "info"] {
        assert_eq!(
            summary[level].as_u64(),
            Some(counts.get(level).copied().unwrap_or(0)),
            "summary.{level}"
        );
    }
    assert_eq!(summary["total"].as_u64(), Some(list.len() as u64));

    let shared = list
        .iter()
        .find(|f| f["rule"] == "KB-Q151228-DUPLICATE-SERIAL")
        .expect("the shared-serial finding");
    assert_eq!(shared["entities"], serde_json::json!(["PO-PAR", "PO-RED"]));
    assert_eq!(shared["kb"], serde_json::json!(["Q151228"]));
    assert_eq!(shared["severity"], "error");
    let mut derived: Vec<(String, String, String, String)> = shared["derived"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap().to_owned();
            (s("entity"), s("field"), s("value"), s("rule"))
        })
        .collect();
    derived.sort();
    let want = |e: &str| {
        (
            e.to_owned(),
            "serial".to_owned(),
            "22-28798".to_owned(),
            "KB-Q151228-CONNECTOR-SERIAL".to_owned(),
        )
    };
    assert_eq!(
        derived,
        vec![want("PO-PAR"), want("PO-RED")],
        "the serials are derived, by the connector rule"
    );
    let backbone = list
        .iter()
        .find(|f| f["rule"] == "KB-Q151228-CONNECTOR-BACKBONE")
        .unwrap();
    assert_eq!(
        backbone["derived"],
        serde_json::json!([]),
        "the backbone finding rests on written values only"
    );
}

#[test]
fn examples_give_exactly_their_findings() {
    let cases: &[(&str, &[Want<'_>])] = &[
        (
            "examples/backoffice-branch-rollout.yaml",
            &[
                ("KB-Q142196-INVALID-SERIAL", "error", &["PO-BR1"]),
                ("KB-Q142196-INVALID-SERIAL", "warning", &["PO-LAB"]),
                ("KB-Q142196-NOT-FOR-PRODUCTION", "warning", &["PO-LAB"]),
            ],
        ),
        (
            "examples/exchange-connector-backbone.yaml",
            &[
                (
                    "KB-Q151228-CONNECTOR-BACKBONE",
                    "warning",
                    &["BACKBONE-RED-PAR"],
                ),
                (
                    "KB-Q151228-DUPLICATE-SERIAL",
                    "error",
                    &["PO-PAR", "PO-RED"],
                ),
            ],
        ),
        (
            "examples/exchange-55-upgrade.yaml",
            &[
                ("KB-Q179258-STANDARD-16GB", "error", &["EXCH-HQ"]),
                ("KB-Q179258-UPGRADE-FROM-40-50", "info", &["EXCH-HQ"]),
                ("KB-Q179258-UPGRADE-FROM-40-50", "info", &["EXCH-SAP"]),
                (
                    "KB-Q282115-MORE-THAN-FOUR-EDK",
                    "error",
                    &["SXC-FI", "SXC-HR", "SXC-MM", "SXC-PP", "SXC-SD"],
                ),
            ],
        ),
        ("examples/clean-deployment.json", &[]),
    ];
    for (example, want) in cases {
        let (_, report) = check_json(&[&path(example)]);
        assert_eq!(findings(&report), expected(want), "{example}");
        assert_eq!(
            report["warnings"],
            serde_json::json!([]),
            "{example} has no topology warnings"
        );
    }
    // The branch rollout's serials are planned, not written: each finding names the rule that derived it.
    let (_, report) = check_json(&[&path("examples/backoffice-branch-rollout.yaml")]);
    let derived_by: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "KB-Q142196-INVALID-SERIAL")
        .map(|f| {
            (
                f["derived"][0]["entity"].as_str().unwrap(),
                f["derived"][0]["rule"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        derived_by,
        [
            ("PO-BR1", "KB-Q142196-DISK2-SERIAL"),
            ("PO-LAB", "KB-Q142196-TEST-PLATFORM-SERIAL")
        ]
    );
}

#[test]
fn output_writes_the_report_to_a_file() {
    let scratch = Scratch::new("output");
    let report = scratch.path("report.json");
    let topology = path("examples/exchange-connector-backbone.yaml");
    let (exit, out, err) = kbcheck(&["check", "--format", "json", "--output", &report, &topology]);
    assert_eq!(
        exit,
        Exit::Findings,
        "the exit code still reflects the findings:\n{err}"
    );
    assert!(out.is_empty(), "nothing on stdout with --output:\n{out}");
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let (_, printed) = check_json(&[&topology]);
    assert_eq!(
        written, printed,
        "the file holds the same report as stdout would"
    );
}

#[test]
fn unwritable_output_exits_2() {
    let scratch = Scratch::new("unwritable");
    let report = scratch.path("no-such-folder/report.json");
    let (exit, out, err) = kbcheck(&[
        "check",
        "--output",
        &report,
        &path("examples/clean-deployment.json"),
    ]);
    assert_eq!(exit, Exit::Invalid, "{out}{err}");
    assert!(has(&err, "kbcheck::io::write_failed"), "{err}");
    assert!(has(&err, "report.json"), "{err}");
}

// ---------------------------------------------------------------------------------------
// 3. Bad topologies: exit 2, a coded diagnostic at file:line:column, nothing checked

/// `check` a bad topology fixture; asserts exit 2, the code, nothing on stdout, the
/// "nothing was checked" note, and that the header names the file at `at`'s line:column.
#[track_caller]
fn bad_topology(name: &str, extra: &[&str], code: &str, at: &str) -> String {
    let file = fixture(&format!("topologies/{name}"));
    let text = std::fs::read_to_string(&file).unwrap();
    let mut args = vec!["check"];
    args.extend(extra);
    args.push(&file);
    let (exit, out, err) = kbcheck(&args);
    assert_eq!(exit, Exit::Invalid, "{name}:\n{out}{err}");
    assert!(
        out.is_empty(),
        "{name}: nothing is checked, so nothing on stdout:\n{out}"
    );
    assert!(
        has(&err, &format!("kbcheck::{code}")),
        "{name}: no `{code}`:\n{err}"
    );
    assert!(has(&err, "nothing was checked"), "{err}");
    let (line, column) = line_col(&text, at);
    assert!(
        has(&err, &format!("{name}:{line}:{column}]")),
        "{name}: header is not at {line}:{column}:\n{err}"
    );
    err
}

#[test]
fn duplicate_id_is_refused() {
    // The header points at the entity that reuses the id; the first use is context.
    let err = bad_topology(
        "duplicate-id.yaml",
        &[],
        "topology::duplicate_id",
        "S1\n    kind: server\n    product: msmail",
    );
    assert!(has(&err, "duplicate id `S1`"), "{err}");
    assert_label(&err, 4, "S1", "first used here");
    assert_label(&err, 7, "S1", "this entity reuses the id");
}

#[test]
fn unknown_parent_is_refused_with_a_suggestion() {
    let err = bad_topology(
        "unknown-references.yaml",
        &[],
        "topology::unknown_reference",
        "EXCH-REDD",
    );
    assert!(
        has(&err, "`parent` names `EXCH-REDD`, which is not a node"),
        "{err}"
    );
    assert_label(&err, 8, "EXCH-REDD", "no node has this id");
    assert!(has(&err, "help: did you mean `EXCH-RED`?"), "{err}");
}

#[test]
fn unknown_link_ends_are_refused() {
    let err = bad_topology(
        "unknown-references.yaml",
        &[],
        "topology::unknown_reference",
        "EXCH-REDD",
    );
    assert!(has(&err, "`from` names `EXCH-RDE`"), "{err}");
    assert_label(&err, 11, "EXCH-RDE", "no node has this id");
    assert!(has(&err, "did you mean `EXCH-RED`?"), "{err}");
    assert!(has(&err, "`to` names `NOWHERE-AT-ALL`"), "{err}");
    assert_label(&err, 12, "NOWHERE-AT-ALL", "no node has this id");
    assert!(
        has(&err, "help: `to` must be the id of a node in `nodes`"),
        "nothing close, no guess:\n{err}"
    );
}

#[test]
fn missing_id_is_refused() {
    let err = bad_topology(
        "missing-id.yaml",
        &[],
        "topology::missing_key",
        "kind: server\n    product",
    );
    assert!(has(&err, "a node has no `id`"), "{err}");
    assert_label(&err, 5, "kind: server", "`id` is missing here");
}

#[test]
fn missing_kind_is_refused() {
    let err = bad_topology("missing-kind.yaml", &[], "topology::missing_key", "id: S2");
    assert!(has(&err, "a node has no `kind`"), "{err}");
    assert_label(&err, 5, "id: S2", "`kind` is missing here");
}

#[test]
fn unknown_kind_warns_and_the_rest_is_checked() {
    let file = fixture("topologies/unknown-kind.yaml");
    let (exit, report) = check_json(&[&file]);
    assert_eq!(exit, Exit::Clean, "{report}");
    let warnings = report["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{report}");
    assert_eq!(warnings[0]["code"], "kbcheck::topology::unknown_kind");
    assert!(
        warnings[0]["help"]
            .as_str()
            .unwrap()
            .contains("did you mean `postoffice`?"),
        "{report}"
    );
    assert_eq!(report["topologies"][0]["nodes"], 2, "the entity stays");
    let (exit, out, err) = kbcheck(&["check", &file]);
    assert_eq!(exit, Exit::Clean, "{out}{err}");
    assert!(has(&err, "kbcheck::topology::unknown_kind"), "{err}");
    assert!(has(&err, "⚠ unknown node kind `postofice`"), "{err}");
}

#[test]
fn unknown_kind_is_refused_with_strict() {
    let err = bad_topology(
        "unknown-kind.yaml",
        &["--strict"],
        "topology::unknown_kind",
        "postofice",
    );
    assert!(has(&err, "unknown node kind `postofice`"), "{err}");
    assert_label(&err, 6, "postofice", "no vocabulary declares this kind");
    assert!(has(&err, "help: did you mean `postoffice`?"), "{err}");
}

#[test]
fn values_of_the_wrong_type_are_refused() {
    let err = bad_topology("wrong-types.yaml", &[], "topology::wrong_type", "5.5");
    assert!(
        !has(&err, "`install.disk` of a `postoffice` has a wrong value"),
        "a value outside an enumeration is a warning:\n{err}"
    );
    let err = bad_topology(
        "wrong-types.yaml",
        &["--strict"],
        "topology::wrong_type",
        "5.5",
    );
    assert!(
        has(&err, "`version` of a `server` has a wrong value"),
        "{err}"
    );
    assert_label(&err, 6, "5.5", "this value does not fit the vocabulary");
    assert!(has(&err, "`version` takes a string"), "{err}");
    assert!(
        has(
            &err,
            "`install.disk` of a `postoffice` is `3`, a value no vocabulary knows"
        ),
        "{err}"
    );
    assert!(has(&err, "kbcheck::topology::unknown_value"), "{err}");
    assert_label(&err, 10, "3", "not a known value");
    assert!(
        has(&err, "help: known values of `install.disk`: 1, 2"),
        "help describes `disk`, not `install`:\n{err}"
    );
}

#[test]
fn yaml_syntax_error_is_refused() {
    let err = bad_topology("syntax-error.yaml", &[], "parse::syntax", "[server");
    assert_label(&err, 4, "[", "unclosed bracket '['");
    assert!(
        !has(&err, "at line"),
        "the header shows the place; the message does not repeat it:\n{err}"
    );
}

#[test]
fn duplicate_key_is_refused() {
    let err = bad_topology(
        "duplicate-key.yaml",
        &[],
        "parse::duplicate_key",
        "site: paris",
    );
    assert!(has(&err, "× duplicate key `site`"), "{err}");
    assert_label(&err, 6, "s", "duplicate key `site`");
    assert!(
        !has(&err, "DuplicateKeyPolicy"),
        "no parser internals in the message:\n{err}"
    );
}

#[test]
fn unsupported_version_is_refused() {
    let err = bad_topology("version-2.yaml", &[], "topology::unsupported_version", "2");
    assert!(
        has(&err, "unsupported topology format version `2`"),
        "{err}"
    );
    assert_label(&err, 1, "2", "this kbcheck reads version 1");
}

#[test]
fn missing_version_is_refused() {
    let err = bad_topology("no-version.yaml", &[], "topology::missing_key", "name:");
    assert!(has(&err, "the topology has no `version`"), "{err}");
    assert_label(
        &err,
        1,
        "name: Contoso without a format version",
        "`version` is missing here",
    );
    assert!(has(&err, "help: start the file with `version: 1`"), "{err}");
}

#[test]
fn empty_file_is_refused() {
    let file = fixture("topologies/empty.yaml");
    let (exit, out, err) = kbcheck(&["check", &file]);
    assert_eq!(exit, Exit::Invalid, "{out}{err}");
    assert!(has(&err, "kbcheck::parse::empty"), "{err}");
    assert!(has(&err, "empty.yaml` is empty"), "{err}");
}

#[test]
fn top_level_list_is_refused() {
    let err = bad_topology("top-level-list.yaml", &[], "topology::expected_map", "- id");
    assert!(has(&err, "a topology must be a map, found a list"), "{err}");
    assert_label(
        &err,
        1,
        "- id: S1",
        "expected a map of `key: value` entries",
    );
}

#[test]
fn file_over_the_size_limit_is_refused() {
    let file = fixture("topologies/warnings-only.yaml");
    let size = std::fs::metadata(&file).unwrap().len();
    assert!(size > 100);
    let (exit, out, err) = kbcheck(&["check", "--max-file-bytes", "100", &file]);
    assert_eq!(exit, Exit::Invalid, "{out}{err}");
    assert!(has(&err, "kbcheck::limits::file_too_large"), "{err}");
    assert!(
        has(
            &err,
            &format!("is {size} bytes, over the limit of 100 bytes")
        ),
        "{err}"
    );
    assert!(
        !has(&err, "problem in the rules"),
        "the limit is for the topology, not the bundled rules:\n{err}"
    );
}

#[test]
fn nesting_over_the_depth_limit_is_refused() {
    let err = bad_topology(
        "too-deep.yaml",
        &["--max-depth", "5"],
        "limits::document_too_big",
        "{c:",
    );
    assert!(
        has(&err, "nesting is deeper than the limit of 5 levels"),
        "{err}"
    );
    assert!(
        !has(&err, "builtin:rules"),
        "the limit is for the topology, not the bundled rules:\n{err}"
    );
    // 100,000 nested `[` under the default limit: refused, not a stack overflow.
    let scratch = Scratch::new("deep");
    let deep = scratch.write(
        "deep.yaml",
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).as_bytes(),
    );
    let (exit, _, err) = kbcheck(&["check", &deep]);
    assert_eq!(exit, Exit::Invalid);
    assert!(
        has(&err, "kbcheck::limits::document_too_big"),
        "no document_too_big diagnostic"
    );
    assert!(
        has(&err, "nesting is deeper than the limit of 64 levels"),
        "no depth message"
    );
    assert!(has(&err, "deep.yaml:1:"), "no location");
}

#[test]
fn alias_bomb_is_refused() {
    let err = bad_topology("alias-bomb.yaml", &[], "limits::document_too_big", "*e");
    assert!(has(&err, "this looks like an alias bomb"), "{err}");
    assert_label(
        &err,
        11,
        "*",
        "aliases expand beyond the limit (10000 uses); this looks like an alias bomb",
    );
}

#[test]
fn invalid_utf8_is_refused_at_the_byte() {
    let scratch = Scratch::new("utf8");
    let file = scratch.write(
        "latin1.yaml",
        b"version: 1\nnodes:\n  - id: S\xe91\n    kind: server\n",
    );
    let (exit, out, err) = kbcheck(&["check", &file]);
    assert_eq!(exit, Exit::Invalid, "{out}{err}");
    assert!(has(&err, "kbcheck::parse::invalid_utf8"), "{err}");
    assert!(has(&err, "latin1.yaml:3:10]"), "{err}");
    assert_label(&err, 3, "\u{fffd}", "this byte is not UTF-8");
}

#[test]
fn missing_file_is_refused() {
    let (exit, out, err) = kbcheck(&["check", &fixture("topologies/absent.yaml")]);
    assert_eq!(exit, Exit::Invalid, "{out}{err}");
    assert!(has(&err, "kbcheck::io::not_found"), "{err}");
    assert!(has(&err, "absent.yaml`"), "{err}");
}

#[test]
fn parent_cycle_is_refused() {
    let err = bad_topology("parent-cycle.yaml", &[], "topology::parent_cycle", "A\n");
    assert!(has(&err, "`parent` forms a cycle: A -> B -> A"), "{err}");
    assert_label(&err, 3, "A", "this node is its own ancestor");
}

#[test]
fn link_end_of_the_wrong_kind_is_refused() {
    let err = bad_topology(
        "serves-from-server.yaml",
        &[],
        "topology::bad_link_end",
        "serves\n",
    );
    assert!(
        has(
            &err,
            "a `serves` link cannot have a `server` at its `from` end"
        ),
        "{err}"
    );
    assert_label(&err, 10, "serves", "`from` is `S1`, a `server`");
    assert!(has(&err, "help: `serves` links go from pc-mta"), "{err}");
}

#[test]
fn node_kind_under_links_is_refused() {
    let err = bad_topology(
        "node-kind-under-links.yaml",
        &[],
        "topology::kind_misplaced",
        "postoffice",
    );
    assert!(
        has(
            &err,
            "`postoffice` is a node kind, but it is listed under `links`"
        ),
        "{err}"
    );
    assert_label(&err, 8, "postoffice", "a node kind");
    assert!(has(&err, "help: move this entry to `nodes`"), "{err}");
}

#[test]
fn unknown_attribute_is_a_warning_and_the_check_still_runs() {
    let file = fixture("topologies/unknown-attribute.yaml");
    let (exit, out, err) = kbcheck(&["check", &file]);
    assert_eq!(
        exit,
        Exit::Findings,
        "the findings decide the exit, not the warning:\n{out}{err}"
    );
    assert!(has(&err, "kbcheck::topology::unknown_attribute"), "{err}");
    assert!(
        has(&err, "⚠ unknown attribute `serail` on a `postoffice`"),
        "a warning, not an error:\n{err}"
    );
    assert_label(&err, 8, "serail", "no vocabulary declares this attribute");
    assert!(has(&err, "help: did you mean `serial`?"), "{err}");
    assert!(out.contains("PO-BAD"), "the check ran:\n{out}");

    let (exit, report) = check_json(&[&file]);
    assert_eq!(exit, Exit::Findings);
    assert_eq!(
        findings(&report),
        expected(&[("KB-Q142196-INVALID-SERIAL", "error", &["PO-BAD"])])
    );
    let warnings = report["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0]["code"], "kbcheck::topology::unknown_attribute");
    assert_eq!(warnings[0]["line"], 8);
    assert!(
        warnings[0]["help"]
            .as_str()
            .unwrap()
            .contains("did you mean `serial`")
    );

    let (exit, _, _) = kbcheck(&["check", "--fail-on", "never", &file]);
    assert_eq!(exit, Exit::Clean, "a warning alone never exits 2");
    let (exit, out, err) = kbcheck(&["validate", &file]);
    assert_eq!(exit, Exit::Clean, "{out}{err}");
    assert!(
        out.contains("valid (2 nodes, 0 links, 1 warnings)"),
        "{out}"
    );
}

#[test]
fn several_errors_in_one_file_are_all_reported() {
    let err = bad_topology(
        "several-errors.yaml",
        &["--strict"],
        "topology::wrong_type",
        "5.5",
    );
    for code in [
        "wrong_type",
        "duplicate_id",
        "unknown_kind",
        "unknown_reference",
        "missing_key",
    ] {
        assert!(
            has(&err, &format!("kbcheck::topology::{code}")),
            "`{code}` is missing:\n{err}"
        );
    }
    assert_eq!(
        err.matches("\n  × ").count() + usize::from(err.starts_with("  × ")),
        5,
        "five errors:\n{err}"
    );
    assert_label(&err, 13, "S9", "no node has this id");
}

#[test]
fn many_errors_are_shown_up_to_the_cap_then_counted_by_code() {
    let dir = Scratch::new("many-errors");
    let mut t = String::from("version: 1\nnodes:\n  - {id: S, kind: server}\n");
    for i in 0..60 {
        t.push_str(&format!(
            "  - {{id: P{i}, kind: postoffice, parent: S, serial: bad-{i}}}\n"
        ));
    }
    for i in 0..3 {
        t.push_str(&format!("  - {{id: X{i}, kind: no-such-kind}}\n"));
    }
    let file = dir.write("many.yaml", t);
    // Errors are drawn with `×`, warnings (unknown kinds) with `⚠`.
    let drawn = |err: &str| {
        let err = format!("\n{err}");
        err.matches("\n  × ").count() + err.matches("\n  ⚠ ").count()
    };
    let (exit, _, err) = kbcheck(&["validate", &file]);
    assert_eq!(exit, Exit::Invalid);
    assert_eq!(drawn(&err), 50, "{err}");
    // The first 50 in file order: the 3 unknown kinds come last, so all of them are counted.
    assert!(
        err.contains("note: 10 more kbcheck::topology::wrong_type not shown (--max-diagnostics 0 shows all)\n"),
        "{err}"
    );
    assert!(
        err.contains("note: 3 more kbcheck::topology::unknown_kind not shown"),
        "{err}"
    );
    assert!(
        err.contains("\"bad-49\" does not match") && !err.contains("\"bad-50\" does not match"),
        "{err}"
    );
    let (exit, _, err) = kbcheck(&["validate", "--max-diagnostics", "0", &file]);
    assert_eq!(exit, Exit::Invalid);
    assert_eq!(drawn(&err), 63, "{err}");
    assert!(!err.contains("not shown"), "{err}");
    let (_, _, err) = kbcheck(&["check", &file, "--max-diagnostics", "5"]);
    assert_eq!(drawn(&err), 5, "{err}");
    assert!(
        err.contains("note: 55 more kbcheck::topology::wrong_type not shown"),
        "{err}"
    );
}

#[test]
fn human_findings_are_capped_machine_formats_list_all() {
    let dir = Scratch::new("many-findings");
    let mut t = String::from("version: 1\nnodes:\n  - {id: S, kind: server}\n");
    for i in 0..8 {
        t.push_str(&format!(
            "  - {{id: P{i}, kind: postoffice, parent: S, serial: \"0799-99992\", tags: [production]}}\n"
        ));
    }
    let file = dir.write("many.yaml", t);
    let (exit, out, _) = kbcheck(&["check", &file, "--max-diagnostics", "3"]);
    assert_eq!(exit, Exit::Findings);
    assert!(has(&out, "P2") && !has(&out, "`P3`"), "{out}");
    assert!(out.contains("note: 5 more KB-Q"), "{out}");
    let (_, json, _) = kbcheck(&["check", &file, "--max-diagnostics", "3", "--format", "json"]);
    let v: Value = serde_json::from_str(&json).unwrap();
    let n = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["rule"]
                .as_str()
                .is_some_and(|r| r.starts_with("KB-Q142196"))
        })
        .count();
    assert_eq!(n, 8, "{json}");
}

// ---------------------------------------------------------------------------------------
// 4. Bad rules: exit 2, every problem reported, nothing checked

/// `check --rules RULES... clean-deployment.json`; asserts exit 2, nothing on stdout and
/// the "nothing was checked" note; returns stderr.
#[track_caller]
fn bad_rules(rules: &[&str]) -> String {
    let mut args = vec!["check".to_owned()];
    for r in rules {
        args.push("--rules".into());
        args.push(fixture(r));
    }
    args.push(path("examples/clean-deployment.json"));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (exit, out, err) = kbcheck(&args);
    assert_eq!(exit, Exit::Invalid, "{rules:?}:\n{out}{err}");
    assert!(
        out.is_empty(),
        "{rules:?}: no rule ran, so nothing on stdout:\n{out}"
    );
    assert!(has(&err, "in the rules; nothing was checked"), "{err}");
    err
}

/// One broken rule file: its code, the underlined text and label on `line`, and the help.
#[track_caller]
fn bad_rule(file: &str, code: &str, line: usize, text: &str, label: &str, help: &str) {
    let err = bad_rules(&[&format!("rules-bad/{file}")]);
    assert!(
        has(&err, &format!("kbcheck::rule::{code}")),
        "{file}: no `{code}`:\n{err}"
    );
    assert!(
        has(&err, &format!("{file}:{line}:")),
        "{file}: header not on line {line}:\n{err}"
    );
    assert_label(&err, line, text, label);
    assert!(
        has(&err, &format!("help: {help}")),
        "{file}: help `{help}` missing:\n{err}"
    );
    assert!(
        has(&err, "error: 1 problem in the rules"),
        "{file}: one problem, no follow-on errors:\n{err}"
    );
}

#[test]
fn rule_with_an_unknown_top_level_key_is_refused() {
    let err = bad_rules(&["rules-bad/unknown-key.yaml"]);
    assert!(has(&err, "kbcheck::rule::unknown_key"), "{err}");
    assert!(has(&err, "unknown key `tittle` in a rule"), "{err}");
    assert_label(&err, 3, "tittle", "not a key kbcheck knows here");
    assert!(has(&err, "help: did you mean `title`?"), "{err}");
}

#[test]
fn rule_with_an_unknown_operator_is_refused() {
    bad_rule(
        "unknown-operator.yaml",
        "unknown_operator",
        6,
        "equal",
        "not an operator kbcheck knows",
        "did you mean `equals`?",
    );
}

#[test]
fn rule_with_a_bad_regex_is_refused() {
    bad_rule(
        "bad-regex.yaml",
        "bad_regex",
        6,
        "\"(10-\"",
        "here",
        "kbcheck uses Rust regex syntax",
    );
}

#[test]
fn rule_with_a_bad_version_range_is_refused() {
    bad_rule(
        "bad-version-range.yaml",
        "bad_version_range",
        6,
        "\">=4.0 <\"",
        "here",
        "write comparators such as",
    );
}

#[test]
fn rule_with_an_unknown_field_is_refused() {
    bad_rule(
        "unknown-field.yaml",
        "unknown_field",
        6,
        "serail",
        "unknown field",
        "did you mean `serial`?",
    );
}

#[test]
fn rule_relating_over_an_unknown_link_kind_is_refused() {
    bad_rule(
        "unknown-related-link.yaml",
        "unknown_link_kind",
        6,
        "msmail-conector",
        "here",
        "did you mean `msmail-connector`?",
    );
}

#[test]
fn rule_grouping_over_an_unknown_link_kind_is_refused() {
    bad_rule(
        "unknown-component-link.yaml",
        "unknown_link_kind",
        11,
        "serve",
        "here",
        "did you mean `serves`?",
    );
}

#[test]
fn rule_selecting_an_unknown_kind_is_refused() {
    bad_rule(
        "unknown-select-kind.yaml",
        "unknown_kind",
        5,
        "postofice",
        "no vocabulary declares this kind",
        "did you mean `postoffice`?",
    );
}

#[test]
fn severity_list_without_a_default_is_refused() {
    bad_rule(
        "severity-no-default.yaml",
        "bad_severity",
        8,
        "- {when: {tag: production}, level: error}",
        "here",
        "end the list with the default",
    );
    let err = bad_rules(&["rules-bad/severity-no-default.yaml"]);
    assert!(
        has(&err, "the severity list needs a last entry without `when`"),
        "{err}"
    );
}

#[test]
fn duplicate_rule_ids_are_refused() {
    // Each file loads on its own; together they clash.
    for file in ["duplicate-id-a.yaml", "duplicate-id-b.yaml"] {
        let (exit, out, err) = kbcheck(&[
            "check",
            "--rules",
            &fixture(&format!("rules-bad/{file}")),
            &path("examples/clean-deployment.json"),
        ]);
        assert_eq!(
            exit,
            Exit::Clean,
            "{file} alone is a valid rule:\n{out}{err}"
        );
    }
    let err = bad_rules(&[
        "rules-bad/duplicate-id-a.yaml",
        "rules-bad/duplicate-id-b.yaml",
    ]);
    assert!(has(&err, "kbcheck::rule::duplicate_id"), "{err}");
    assert!(has(&err, "rule id `T-DUPLICATE` is used twice"), "{err}");
    assert_label(&err, 2, "T-DUPLICATE", "used again here");
    assert!(
        has(&err, "duplicate-id-a.yaml"),
        "help names the first file:\n{err}"
    );

    let err = bad_rules(&["rules-bad/duplicate-bundled-id.yaml"]);
    assert!(
        has(&err, "rule id `KB-Q151228-DUPLICATE-SERIAL` is used twice"),
        "{err}"
    );
    assert_label(&err, 2, "KB-Q151228-DUPLICATE-SERIAL", "used again here");
    assert!(
        has(
            &err,
            "builtin:rules/exchange/KB-Q151228-DUPLICATE-SERIAL.yaml"
        ),
        "{err}"
    );
}

#[test]
fn three_broken_rules_in_a_folder_are_reported_in_one_run() {
    let err = bad_rules(&["rules-bad-three"]);
    for (file, code) in [
        ("a.yaml", "unknown_operator"),
        ("b.yaml", "unknown_field"),
        ("c.yaml", "bad_regex"),
    ] {
        assert!(
            has(&err, &format!("kbcheck::rule::{code}")),
            "`{code}` missing:\n{err}"
        );
        assert!(
            has(&err, &format!("rules-bad-three/{file}:6:")),
            "{file} missing:\n{err}"
        );
    }
    assert!(
        has(&err, "error: 3 problems in the rules; nothing was checked"),
        "{err}"
    );
}

#[test]
fn every_broken_rule_of_a_folder_is_reported() {
    let err = bad_rules(&["rules-bad"]);
    let dir = std::fs::read_dir(fixture("rules-bad")).unwrap();
    for entry in dir {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name != "duplicate-id-a.yaml" {
            assert!(
                has(&err, &format!("rules-bad/{name}:")),
                "{name} is not reported:\n{err}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// 5. Rule packs, loaded without recompiling

#[test]
fn pack_brings_its_own_kind_and_rule() {
    let topology = fixture("topologies/site-relay.yaml");
    let want = expected(&[("SITE-RELAY-ONE-PRIMARY", "error", &["RELAY-BR", "RELAY-HQ"])]);
    let (exit, report) = check_json(&["--rules", &fixture("pack-site"), &topology]);
    assert_eq!(exit, Exit::Findings);
    assert_eq!(findings(&report), want);
    let (exit, report) = check_json(&["--rules", &fixture("pack-site/*.yaml"), &topology]);
    assert_eq!(exit, Exit::Findings, "a glob loads the pack too");
    assert_eq!(findings(&report), want);
    let (exit, report) = check_json(&[
        "--rules",
        &fixture("pack-site/SITE-RELAY-ONE-PRIMARY.yaml"),
        &topology,
    ]);
    assert_eq!(
        exit,
        Exit::Findings,
        "a single rule file brings its folder's vocabulary"
    );
    assert_eq!(findings(&report), want);
}

#[test]
fn pack_kind_warns_without_the_pack_and_is_refused_with_strict() {
    let file = fixture("topologies/site-relay.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    let (exit, out, err) = kbcheck(&["check", &file]);
    assert_eq!(exit, Exit::Clean, "{out}{err}");
    assert_eq!(
        err.matches("unknown node kind `contoso-relay`").count(),
        3,
        "{err}"
    );
    assert!(out.contains("0 errors"), "the rest is checked:\n{out}");
    let (exit, out, err) = kbcheck(&["check", "--strict", &file]);
    assert_eq!(exit, Exit::Invalid, "{out}{err}");
    assert_eq!(
        err.matches("unknown node kind `contoso-relay`").count(),
        3,
        "{err}"
    );
    let (line, _) = line_col(&text, "kind: contoso-relay");
    assert_label(
        &err,
        line,
        "contoso-relay",
        "no vocabulary declares this kind",
    );
}

#[test]
fn no_default_rules_leaves_the_bundled_rules_out() {
    let pack = fixture("pack-site");
    let (exit, report) = check_json(&[
        "--no-default-rules",
        "--rules",
        &pack,
        &path("examples/exchange-connector-backbone.yaml"),
    ]);
    assert_eq!(exit, Exit::Clean);
    assert_eq!(findings(&report), expected(&[]));
    let (exit, report) = check_json(&[
        "--no-default-rules",
        "--rules",
        &pack,
        &fixture("topologies/site-relay.yaml"),
    ]);
    assert_eq!(exit, Exit::Findings);
    assert_eq!(findings(&report).len(), 1);
    let (exit, out, _) = kbcheck(&["rules", "--no-default-rules", "--rules", &pack]);
    assert_eq!(exit, Exit::Clean);
    assert!(
        out.contains("SITE-RELAY-ONE-PRIMARY") && !out.contains("KB-Q"),
        "{out}"
    );
    assert_eq!(out.lines().last(), Some("1 rules"));
}

#[test]
fn test_runs_a_packs_own_cases() {
    let (exit, out, err) = kbcheck(&["test", &fixture("pack-site")]);
    assert_eq!(exit, Exit::Clean, "{out}{err}");
    assert!(
        out.contains("ok   SITE-RELAY-ONE-PRIMARY (2 cases)"),
        "{out}"
    );
    assert_eq!(
        out.lines().last(),
        Some("1 passed, 0 failed"),
        "only the pack's rules are tested:\n{out}"
    );
}

// ---------------------------------------------------------------------------------------
// 6. `kbcheck test`

#[test]
fn bundled_rules_pass_their_tests() {
    let count = bundled_rules().len();
    let (exit, out, err) = kbcheck(&["test"]);
    assert_eq!(exit, Exit::Clean, "{out}{err}");
    assert_eq!(
        out.lines().last(),
        Some(format!("{count} passed, 0 failed").as_str()),
        "{out}"
    );
    for (id, _) in bundled_rules() {
        assert!(out.contains(&format!("ok   {id} (")), "{id}:\n{out}");
    }
}

/// `kbcheck test` on one fixture rule file.
fn rule_test(file: &str) -> (Exit, String) {
    let (exit, out, err) = kbcheck(&["test", &fixture(&format!("rules-test/{file}"))]);
    assert!(err.is_empty(), "{file}: the rule loads:\n{err}");
    (exit, out)
}

#[test]
fn expected_finding_that_does_not_come_is_missing() {
    let (exit, out) = rule_test("missing.yaml");
    assert_eq!(exit, Exit::Findings, "{out}");
    assert!(out.contains("FAIL T-MISSING (2 cases)"), "{out}");
    assert!(
        out.contains("case `expects a finding that does not come`:"),
        "{out}"
    );
    assert!(
        out.contains("missing: expected a finding on [PO2], none came"),
        "{out}"
    );
    assert_eq!(out.lines().last(), Some("0 passed, 1 failed"));
}

#[test]
fn unexpected_finding_is_noisy() {
    let (exit, out) = rule_test("noisy.yaml");
    assert_eq!(exit, Exit::Findings, "{out}");
    assert!(out.contains("FAIL T-NOISY"), "{out}");
    assert!(
        out.contains("noisy:   unexpected finding on [PO3] (error)"),
        "{out}"
    );
    assert!(!out.contains("missing:"), "{out}");
}

#[test]
fn rule_without_a_non_firing_case_fails() {
    let (exit, out) = rule_test("no-quiet-case.yaml");
    assert_eq!(exit, Exit::Findings, "{out}");
    assert!(out.contains("FAIL T-NO-QUIET-CASE"), "{out}");
    assert!(out.contains("rule has no case that must not fire"), "{out}");
}

#[test]
fn todo_case_is_reported_but_does_not_fail() {
    let (exit, out) = rule_test("todo.yaml");
    assert_eq!(exit, Exit::Clean, "{out}");
    assert!(out.contains("ok   T-TODO (3 cases, 1 todo)"), "{out}");
    assert!(out.contains("todo `a known gap, marked todo`:"), "{out}");
    assert_eq!(out.lines().last(), Some("1 passed, 0 failed"));
}

#[test]
fn test_counts_every_rule_it_was_given() {
    let files: Vec<String> = ["missing.yaml", "noisy.yaml", "todo.yaml"]
        .iter()
        .map(|f| fixture(&format!("rules-test/{f}")))
        .collect();
    let (exit, out, _) = kbcheck(&["test", &files[0], &files[1], &files[2]]);
    assert_eq!(exit, Exit::Findings);
    assert_eq!(out.lines().last(), Some("1 passed, 2 failed"), "{out}");
}

// ---------------------------------------------------------------------------------------
// 7. `kbcheck rules` and `kbcheck explain`

#[test]
fn rules_lists_every_bundled_rule() {
    let bundled = bundled_rules();
    let (exit, out, err) = kbcheck(&["rules"]);
    assert_eq!(exit, Exit::Clean, "{err}");
    for (id, _) in &bundled {
        assert!(
            out.lines().any(|l| l.starts_with(&format!("{id} "))),
            "`{id}` is not listed:\n{out}"
        );
    }
    assert_eq!(
        out.lines().last(),
        Some(format!("{} rules", bundled.len()).as_str())
    );
}

#[test]
fn rules_filters_by_kb_article() {
    let (exit, out, _) = kbcheck(&["rules", "--kb", "Q151228"]);
    assert_eq!(exit, Exit::Clean);
    let mut shown = 0;
    for (id, text) in bundled_rules() {
        // `kb: [Q1, Q2]`, or `kb:` followed by `  - Q1` lines.
        let kb: String = text
            .lines()
            .skip_while(|l| !l.starts_with("kb:"))
            .enumerate()
            .take_while(|(i, l)| *i == 0 || l.starts_with("  - "))
            .map(|(_, l)| l)
            .collect();
        let listed = out.lines().any(|l| l.starts_with(&format!("{id} ")));
        assert_eq!(listed, kb.contains("Q151228"), "`{id}` ({kb}):\n{out}");
        shown += usize::from(listed);
    }
    assert!(shown > 0);
    assert_eq!(out.lines().last(), Some(format!("{shown} rules").as_str()));
}

#[test]
fn explain_prints_the_article_and_the_logic() {
    let id = "KB-Q151228-DUPLICATE-SERIAL";
    let text = bundled_rules()
        .into_iter()
        .find(|(i, _)| i == id)
        .unwrap()
        .1;
    let title = text
        .lines()
        .find_map(|l| l.strip_prefix("title: "))
        .unwrap();
    let (exit, out, err) = kbcheck(&["explain", id]);
    assert_eq!(exit, Exit::Clean, "{err}");
    assert_eq!(out.lines().next(), Some(format!("{id}: {title}").as_str()));
    for section in [
        "KB articles:",
        "Symptoms:",
        "Cause:",
        "Resolution:",
        "Logic:",
    ] {
        assert!(out.lines().any(|l| l == section), "no `{section}`:\n{out}");
    }
    assert!(out.contains("Event ID 4188"), "{out}");
    assert!(out.contains("service specific error 3"), "{out}");
    assert!(
        out.contains("The PC MTA refuses to serve two postoffices with the same serial number"),
        "cause:\n{out}"
    );
    assert!(
        out.contains("Give each postoffice the PC MTA serves a distinct serial number"),
        "resolution:\n{out}"
    );
    assert!(out.contains("groups them by `serial`"), "logic:\n{out}");
}

#[test]
fn explain_unknown_rule_exits_2_with_a_suggestion() {
    let (exit, out, err) = kbcheck(&["explain", "KB-Q151228-DUPLICATE-SERIALS"]);
    assert_eq!(exit, Exit::Invalid, "{out}{err}");
    assert!(out.is_empty());
    assert!(has(&err, "kbcheck::cli::unknown_rule"), "{err}");
    assert!(
        has(&err, "no rule has the id `KB-Q151228-DUPLICATE-SERIALS`"),
        "{err}"
    );
    assert!(
        has(&err, "help: did you mean `KB-Q151228-DUPLICATE-SERIAL`?"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------
// An open vocabulary: packs extend it, unknown words warn, `--strict` refuses them

/// The codes of a JSON report's `warnings`, sorted.
fn warning_codes(report: &Value) -> Vec<String> {
    let mut codes: Vec<String> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            w["code"]
                .as_str()
                .unwrap()
                .trim_start_matches("kbcheck::")
                .to_owned()
        })
        .collect();
    codes.sort();
    codes
}

#[test]
fn a_pack_adds_a_key_inside_install_and_a_source_value_and_its_rule_fires() {
    let pack = fixture("pack-install");
    let topo = fixture("topologies/install-program.yaml");
    let (exit, report) = check_json(&["--rules", &pack, &topo]);
    assert_eq!(exit, Exit::Clean, "a warning finding only:\n{report}");
    assert_eq!(
        findings(&report),
        expected(&[("PACK-INSTALL-PROGRAM", "warning", &["PO-HQ"])])
    );
    assert_eq!(warning_codes(&report), Vec::<String>::new(), "{report}");
    // The pack's words are closed-world valid too.
    let (exit, out, err) = kbcheck(&["check", "--strict", "--rules", &pack, &topo]);
    assert_eq!(exit, Exit::Clean, "{out}{err}");
    assert!(err.is_empty(), "{err}");
    let (exit, out, err) = kbcheck(&["test", &pack]);
    assert_eq!(exit, Exit::Clean, "{out}{err}");
}

#[test]
fn without_the_pack_its_words_are_warnings_and_the_rest_is_checked() {
    let topo = fixture("topologies/install-program.yaml");
    let (exit, report) = check_json(&[&topo]);
    assert_eq!(exit, Exit::Clean, "{report}");
    assert_eq!(
        warning_codes(&report),
        [
            "topology::unknown_attribute",
            "topology::unknown_kind",
            "topology::unknown_tag",
            "topology::unknown_value",
            "topology::unknown_value",
        ],
        "{report}"
    );
    let text = report["warnings"].to_string();
    for message in [
        "unknown attribute `install.program` on a `postoffice`",
        "unknown link kind `cc-mail-link`",
        "unknown tag `lab`",
        "`install.source` of a `postoffice` is `backoffice-2.0`, a value no vocabulary knows",
        "`product` of a `server` is `lotus-notes`, a value no vocabulary knows",
    ] {
        assert!(text.contains(message), "no `{message}` in {text}");
    }
    assert!(text.contains("did you mean `backoffice-1.5`?"), "{text}");
    assert_eq!(report["topologies"][0]["links"], 1, "the link stays");
    // Human output: each warning as a diagnostic, and counted on the summary line.
    let (exit, out, err) = kbcheck(&["check", &topo]);
    assert_eq!(exit, Exit::Clean, "{out}{err}");
    assert!(
        out.contains("; 5 input warnings (unknown words; `--strict` makes them errors)"),
        "{out}"
    );
    assert_eq!(err.matches("  ⚠ ").count(), 5, "{err}");
    // SARIF: the invocation's notifications.
    let (exit, out, _) = kbcheck(&["check", "--format", "sarif", &topo]);
    assert_eq!(exit, Exit::Clean);
    let sarif: Value = serde_json::from_str(&out).unwrap();
    let notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"].to_string();
    assert!(
        notes.contains("unknown link kind `cc-mail-link`"),
        "{notes}"
    );
}

#[test]
fn strict_turns_every_vocabulary_warning_into_an_error() {
    let topo = fixture("topologies/install-program.yaml");
    let (exit, out, err) = kbcheck(&["check", "--strict", &topo]);
    assert_eq!(exit, Exit::Invalid, "{out}{err}");
    assert!(out.is_empty(), "{out}");
    assert_eq!(err.matches("  × ").count(), 5, "{err}");
    assert!(!has(&err, "  ⚠ "), "{err}");
    assert!(has(&err, "invalid topology; nothing was checked"), "{err}");
    assert!(
        has(
            &err,
            "note: `--strict` (or `strict: true` in kbcheck.yaml) makes words the vocabulary does not know errors"
        ),
        "{err}"
    );
    let (exit, _, err) = kbcheck(&["validate", "--strict", &topo]);
    assert_eq!(exit, Exit::Invalid, "{err}");
    // `strict: true` in the project config does the same; the flag is not needed.
    let s = Scratch::new("strict-config");
    let config = s.write("kbcheck.yaml", "strict: true\n");
    let (exit, _, err) = kbcheck(&["check", "--config", &config, &topo]);
    assert_eq!(exit, Exit::Invalid, "{err}");
    assert!(has(&err, "× unknown link kind `cc-mail-link`"), "{err}");
    let config = s.write("off.yaml", "strict: false\n");
    let (exit, _, err) = kbcheck(&["check", "--config", &config, &topo]);
    assert_eq!(exit, Exit::Clean, "{err}");
}

#[test]
fn structural_errors_stay_errors_without_strict() {
    // A value of the wrong JSON type, a dangling reference: errors in both modes.
    let err = bad_topology("wrong-types.yaml", &[], "topology::wrong_type", "5.5");
    assert!(
        has(&err, "× `version` of a `server` has a wrong value"),
        "{err}"
    );
    bad_topology(
        "unknown-references.yaml",
        &[],
        "topology::unknown_reference",
        "EXCH-REDD",
    );
}

#[test]
fn an_unknown_link_kind_warns_and_the_topology_is_checked_and_drawn() {
    let s = Scratch::new("unknown-link");
    let topo = s.write(
        "plan.yaml",
        "version: 1
defaults: {tags: [production]}
nodes:
  - {id: S1, kind: server, product: exchange, version: \"5.5\"}
  - {id: S2, kind: server, product: exchange, version: \"5.5\"}
  - {id: PO1, kind: postoffice, parent: S1, serial: \"0799-99992\"}
links:
  - {id: X400-1, kind: x400-conector, from: S1, to: S2}
",
    );
    let (exit, report) = check_json(&[&topo]);
    assert_eq!(exit, Exit::Findings, "{report}");
    assert_eq!(
        findings(&report),
        expected(&[("KB-Q142196-INVALID-SERIAL", "error", &["PO1"])])
    );
    assert_eq!(warning_codes(&report), ["topology::unknown_kind"]);
    assert!(
        report["warnings"][0]["help"]
            .as_str()
            .unwrap()
            .contains("did you mean `x400-connector`?"),
        "{report}"
    );
    let (exit, out, err) = kbcheck(&["graph", "--format", "dot", &topo]);
    assert_eq!(exit, Exit::Clean, "{err}");
    assert!(
        out.contains("X400-1") || out.contains("x400-conector"),
        "{out}"
    );
}

#[test]
fn values_rules_compare_with_are_known_and_a_near_miss_warns() {
    let s = Scratch::new("known-values");
    let topo = s.write(
        "plan.yaml",
        "version: 1
defaults: {tags: [prodution]}
nodes:
  - {id: S1, kind: server, product: Exchange, os: Windows-2000}
",
    );
    let (exit, report) = check_json(&[&topo]);
    assert_eq!(exit, Exit::Clean, "{report}");
    let text = report["warnings"].to_string();
    for (message, help) in [
        (
            "`product` of a `server` is `Exchange`, a value no vocabulary knows",
            "did you mean `exchange`? Values are compared with their case",
        ),
        (
            "`os` of a `server` is `Windows-2000`, a value no vocabulary knows",
            "did you mean `windows-2000`?",
        ),
        ("unknown tag `prodution`", "did you mean `production`?"),
    ] {
        assert!(text.contains(message), "no `{message}` in {text}");
        assert!(text.contains(help), "no `{help}` in {text}");
    }
    let (exit, _, err) = kbcheck(&["check", "--strict", &topo]);
    assert_eq!(exit, Exit::Invalid, "{err}");
    assert!(has(&err, "× unknown tag `prodution`"), "{err}");
}

#[test]
fn a_rule_comparing_with_a_value_no_vocabulary_knows_warns() {
    let s = Scratch::new("rule-literal");
    s.write(
        "pack/R.yaml",
        "id: R
title: t
select: {kind: server}
when: {field: product, equals: Exchange}
severity: warning
message: m
",
    );
    let (exit, out, err) = kbcheck(&["rules", "--no-default-rules", "--rules", &s.path("pack")]);
    assert_eq!(exit, Exit::Clean, "{out}{err}");
    assert!(has(&err, "kbcheck::rule::unknown_value"), "{err}");
    assert!(
        has(
            &err,
            "the rule compares `product` with `Exchange`, a value no vocabulary knows"
        ),
        "{err}"
    );
    assert!(has(&err, "did you mean `exchange`?"), "{err}");
    // A tag it grades by is checked the same way.
    s.write(
        "pack/T.yaml",
        "id: T
title: t
select: {kind: server}
severity: [{when: {tag: prodution}, level: error}, {level: warning}]
message: m
",
    );
    let (_, _, err) = kbcheck(&["rules", "--no-default-rules", "--rules", &s.path("pack")]);
    assert!(
        has(
            &err,
            "the rule names the tag `prodution`, which no vocabulary declares"
        ),
        "{err}"
    );
    assert!(has(&err, "did you mean `production`?"), "{err}");
    std::fs::remove_file(s.0.join("pack/T.yaml")).unwrap();
    // Declared by the pack, the value is known.
    s.write(
        "pack/vocabulary.yaml",
        "nodes:\n  server:\n    attributes:\n      product: {known: [Exchange]}\n",
    );
    let (exit, out, err) = kbcheck(&["rules", "--no-default-rules", "--rules", &s.path("pack")]);
    assert_eq!(exit, Exit::Clean, "{out}{err}");
    assert!(err.is_empty(), "{err}");
}

#[test]
fn every_literal_a_bundled_rule_compares_with_is_known_to_the_vocabulary() {
    // The compiler checks each `equals` / `in` / `contains` literal against the attribute's
    // `enum` and `known` values (rule::unknown_value); the bundled rules must raise none.
    let set = kbcheck::lang::load::load(
        &kbcheck::lang::load::RuleSources {
            bundled: true,
            paths: Vec::new(),
        },
        &kbcheck::limits::Limits::default(),
    )
    .unwrap();
    let warnings: Vec<String> = set
        .warnings
        .iter()
        .map(|d| format!("{}: {} ({:?})", d.code, d.message, d.location))
        .collect();
    assert!(warnings.is_empty(), "{warnings:#?}");
    // And the attributes the rules compare with fixed values have known values to check.
    for (kind, path) in [
        ("server", "product"),
        ("server", "os"),
        ("server", "edition"),
        ("postoffice", "product"),
        ("postoffice", "install.source"),
        ("gateway", "type"),
    ] {
        let path: Vec<String> = path.split('.').map(str::to_owned).collect();
        assert!(
            set.vocab
                .known_values(kbcheck::vocabulary::Class::Node, &[kind.to_owned()], &path)
                .is_some(),
            "`{}` of `{kind}` has no known values",
            path.join(".")
        );
    }
}

#[test]
fn schema_topology_with_a_pack_prints_the_merged_vocabulary() {
    let (exit, out, err) = kbcheck(&["schema", "topology", "--rules", &fixture("pack-install")]);
    assert_eq!(exit, Exit::Clean, "{err}");
    let schema: Value = serde_json::from_str(&out).unwrap();
    let text = schema.to_string();
    for word in [
        "\"program\"",
        "backoffice-2.0",
        "backoffice-1.5",
        "cc-mail-link",
        "lotus-notes",
    ] {
        assert!(text.contains(word), "no {word} in the merged schema");
    }
    let (_, bundled, _) = kbcheck(&["schema", "topology"]);
    assert!(
        !bundled.contains("backoffice-2.0"),
        "the pack's words only with the pack"
    );
}

#[test]
fn the_two_drives_finding_points_at_the_postoffice_too() {
    let s = Scratch::new("two-drives");
    let topo = s.write(
        "plan.yaml",
        "version: 1
nodes:
  - {id: S1, kind: server, product: exchange, version: \"5.5\"}
  - {id: MTA1, kind: pc-mta, parent: S1}
  - {id: PO1, kind: postoffice, parent: S1}
links:
  - {id: DRIVE-M, kind: serves, from: MTA1, to: PO1, drive: M}
  - {id: DRIVE-N, kind: serves, from: MTA1, to: PO1, drive: N}
",
    );
    let (exit, report) = check_json(&[&topo]);
    assert_eq!(exit, Exit::Findings);
    let f = &report["findings"][0];
    assert_eq!(f["rule"], "KB-Q151228-TWO-DRIVES");
    assert_eq!(f["entities"], serde_json::json!(["DRIVE-M", "DRIVE-N"]));
    assert_eq!(f["key_entities"], serde_json::json!(["MTA1", "PO1"]));
    let located: Vec<(&str, bool)> = f["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["entity"].as_str().unwrap(), l["key"] == true))
        .collect();
    assert_eq!(
        located,
        [
            ("DRIVE-M", false),
            ("DRIVE-N", false),
            ("MTA1", true),
            ("PO1", true)
        ]
    );
    let (_, out, _) = kbcheck(&["check", &topo]);
    assert_label(&out, 5, "{id: PO1", "postoffice `PO1` (the group's key)");
}

// ------------------------------------------------------------------ kbcheck new rule

/// The skeleton `kbcheck new rule` wrote, with the scratch folder's path taken out.
fn new_rule(scratch: &Scratch, args: &[&str]) -> (Exit, String, String) {
    let dir = scratch.path("my-rules");
    let mut all = vec!["new", "rule"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--dir", &dir]);
    let (exit, out, err) = kbcheck(&all);
    (
        exit,
        out.replace(&dir, "my-rules"),
        err.replace(&dir, "my-rules"),
    )
}

#[test]
fn new_rule_from_a_kb_article_fills_in_its_header() {
    let scratch = Scratch::new("new-kb");
    let kb = fixture("kb/Q151228.TXT");
    let (exit, out, err) = new_rule(&scratch, &["KB-Q151228-EXAMPLE", "--kb", &kb]);
    assert_eq!(exit, Exit::Clean, "{err}");
    assert_eq!(
        out,
        "wrote `my-rules/KB-Q151228-EXAMPLE.yaml`: fill in its 8 `FILL IN:` values (it does not \
         load until then), then run `kbcheck test my-rules`\n"
    );
    let text = std::fs::read_to_string(scratch.path("my-rules/KB-Q151228-EXAMPLE.yaml")).unwrap();
    snapshot("new", "KB-Q151228-EXAMPLE.yaml", &text, "cli");
    for line in [
        "title: \"XFOR: Microsoft Mail Connector and Duplicate Serial Numbers\"",
        "kb: [\"Q151228\"]",
        "products: [\"Microsoft Exchange Server, versions 5.5, 4.0, 5.0\"]",
        "references: [\"https://jeffpar.github.io/kbarchive/kb/151/Q151228/\", \"https://support.microsoft.com/kb/151228\"]",
    ] {
        assert!(text.lines().any(|l| l == line), "no `{line}` in:\n{text}");
    }
}

#[test]
fn new_rule_without_an_article_leaves_its_metadata_to_fill_in() {
    let scratch = Scratch::new("new-bare");
    let (exit, out, err) = new_rule(&scratch, &["SITE-RULE"]);
    assert_eq!(exit, Exit::Clean, "{err}");
    assert!(out.contains("fill in its 12 `FILL IN:` values"), "{out}");
    let text = std::fs::read_to_string(scratch.path("my-rules/SITE-RULE.yaml")).unwrap();
    snapshot("new", "SITE-RULE.yaml", &text, "cli");
    // Every metadata key a rule can have is there.
    for key in [
        "id",
        "title",
        "kb",
        "products",
        "tags",
        "symptoms",
        "cause",
        "resolution",
        "references",
        "select",
        "when",
        "severity",
        "message",
        "tests",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(&format!("{key}:"))),
            "no `{key}:` in:\n{text}"
        );
    }
}

#[test]
fn a_fresh_skeleton_never_loads_and_says_what_to_fill_in() {
    let scratch = Scratch::new("new-test");
    let kb = fixture("kb/Q151228.TXT");
    let (exit, _, err) = new_rule(&scratch, &["KB-Q151228-EXAMPLE", "--kb", &kb]);
    assert_eq!(exit, Exit::Clean, "{err}");
    let dir = scratch.path("my-rules");
    let (exit, out, err) = kbcheck(&["test", &dir]);
    assert_eq!(exit, Exit::Invalid, "{out}{err}");
    assert!(has(&err, "kbcheck::rule::placeholder"), "{err}");
    assert!(has(&err, "× `select` is not filled in yet"), "{err}");
    assert!(
        has(
            &err,
            "help: write here which entities the rule looks at, e.g. `{kind: postoffice}`"
        ),
        "{err}"
    );
    assert_label(
        &err,
        17,
        "\"FILL IN: which entities the rule looks at, e.g. `{kind: postoffice}`\"",
        "fill this in",
    );
    for path in [
        "symptoms[0]",
        "cause",
        "resolution",
        "when",
        "message",
        "tests[0].topology.nodes[0].kind",
        "tests[1].topology.nodes[0].kind",
    ] {
        assert!(
            has(&err, &format!("× `{path}` is not filled in yet")),
            "{path}: {err}"
        );
    }
    assert!(
        has(&err, "error: 8 problems in the rules; nothing was checked"),
        "{err}"
    );
    // Nor does a gate pass with it.
    let (exit, _, err) = kbcheck(&["check", "--rules", &dir, "examples/clean-deployment.json"]);
    assert_eq!(exit, Exit::Invalid, "{err}");
    assert!(has(&err, "`select` is not filled in yet"), "{err}");
}

#[test]
fn a_skeleton_filled_in_loads_and_its_cases_run() {
    let scratch = Scratch::new("new-filled");
    let kb = fixture("kb/Q151228.TXT");
    let (exit, _, err) = new_rule(&scratch, &["KB-Q151228-EXAMPLE", "--kb", &kb]);
    assert_eq!(exit, Exit::Clean, "{err}");
    let path = scratch.path("my-rules/KB-Q151228-EXAMPLE.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    // What an author writes in place of each placeholder, by the line it starts.
    let filled: Vec<String> = text
        .lines()
        .map(|l| {
            let fill = [
                ("  - \"FILL IN:", "  - PC MTA error 3"),
                ("cause:", "cause: two postoffices share a serial"),
                ("resolution:", "resolution: give each its own serial"),
                ("select:", "select: {kind: postoffice}"),
                ("when:", "when: {field: serial, equals: \"22-28798\"}"),
                (
                    "message:",
                    "message: \"postoffice `{id}` has serial 22-28798\"",
                ),
                (
                    "        - {id: FIRES",
                    "        - {id: FIRES, kind: postoffice, serial: \"22-28798\"}",
                ),
                (
                    "        - {id: QUIET",
                    "        - {id: QUIET, kind: postoffice, serial: \"22-12345\"}",
                ),
            ];
            fill.iter()
                .find(|(start, _)| l.starts_with(start))
                .map_or_else(|| l.to_owned(), |(_, with)| (*with).to_owned())
        })
        .collect();
    std::fs::write(&path, filled.join("\n")).unwrap();
    let (exit, out, err) = kbcheck(&["test", &scratch.path("my-rules")]);
    assert_eq!(exit, Exit::Clean, "{out}{err}");
    assert_eq!(
        out,
        "ok   KB-Q151228-EXAMPLE (2 cases)\n1 passed, 0 failed\n"
    );
}

#[test]
fn new_rule_never_overwrites_and_refuses_bad_input() {
    let scratch = Scratch::new("new-refuse");
    let (exit, _, err) = new_rule(&scratch, &["SITE-RULE"]);
    assert_eq!(exit, Exit::Clean, "{err}");
    let path = scratch.path("my-rules/SITE-RULE.yaml");
    std::fs::write(&path, "# mine\n").unwrap();
    let (exit, out, err) = new_rule(&scratch, &["SITE-RULE"]);
    assert_eq!(exit, Exit::Invalid, "{out}");
    assert!(has(&err, "kbcheck::new::file_exists"), "{err}");
    assert!(
        has(
            &err,
            "`my-rules/SITE-RULE.yaml` already exists; kbcheck does not overwrite it"
        ),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "# mine\n");

    let (exit, _, err) = new_rule(&scratch, &["../escape"]);
    assert_eq!(exit, Exit::Invalid);
    assert!(has(&err, "kbcheck::new::bad_id"), "{err}");
    assert!(!scratch.0.join("escape.yaml").exists());

    let (exit, _, err) = new_rule(&scratch, &["X", "--kb", &path]);
    assert_eq!(exit, Exit::Invalid);
    assert!(has(&err, "kbcheck::new::bad_kb_file"), "{err}");
    assert!(
        has(
            &err,
            "is not a KB article: no `DOCUMENT:Q...` line names the article"
        ),
        "{err}"
    );

    let (exit, _, err) = new_rule(&scratch, &["X", "--kb", &scratch.path("nowhere.txt")]);
    assert_eq!(exit, Exit::Invalid);
    assert!(has(&err, "kbcheck::io::not_found"), "{err}");
    assert!(!scratch.0.join("my-rules/X.yaml").exists());
}

// ---------------------------------------------------------------------------------------
// Computed values, from a fresh folder without rebuilding

/// A site's vocabulary and rules using every computed-value construct: a value test with
/// arithmetic, `length`, `number` with `extract`, `count` and `lookup`; `starts-with` /
/// `ends-with` with field and expression operands; a computed `count` bound; computed group
/// keys; derivations that copy from a relative and look values up; `let` in a message.
const EXPR_VOCABULARY: &str = "name: hosting
nodes:
  mail-host:
    description: A hosted mail server.
    attributes:
      mailboxes: {type: integer, description: Mailboxes on the host.}
      custom-recipients: {type: integer, description: Custom recipients on the host.}
      licensed-users: {type: integer, description: Users the licence covers.}
      address: {type: string, description: 'The relay address, e.g. `relay.contoso.com:2525`.'}
      os: {type: string, description: The operating system.}
      os-family: {type: string, description: The family of the operating system.}
      network: {type: string, description: The MS Mail network.}
      aliases: {type: array, items: {type: string}, description: Other names.}
  mail-store:
    description: A store on a mail host.
    attributes:
      network: {type: string, description: The MS Mail network.}
      name: {type: string, description: The store name.}
      share: {type: string, description: 'The share, `\\\\HOST\\NAME`.'}
      size: {type: integer, description: Gigabytes.}
";

const EXPR_RULES: &[(&str, &str)] = &[
    (
        "HOST-OVER-LICENCE.yaml",
        r"id: HOST-OVER-LICENCE
title: More recipients than licensed users, or a privileged port
select: {kind: mail-host}
let: {recipients: {add: [{field: mailboxes}, {field: custom-recipients}]}}
when:
  any:
    - {value: {add: [{field: mailboxes}, {field: custom-recipients}]}, gt: {field: licensed-users}}
    - {value: {number: {field: address}, extract: ':([0-9]+)$'}, lt: 1024}
    - {value: {count: {field: aliases}}, gt: {mul: [2, 2]}}
severity: error
message: 'host `{id}` has {recipients} recipients for {licensed-users} licences'
tests:
  - name: over the licence, and a privileged port
    topology: {version: 1, nodes: [{id: H1, kind: mail-host, mailboxes: 90, custom-recipients: 20, licensed-users: 100, address: 'relay:2525'}, {id: H2, kind: mail-host, mailboxes: 1, custom-recipients: 0, licensed-users: 100, address: 'relay:25'}]}
    expect: [{entities: [H1]}, {entities: [H2]}]
  - name: within the licence
    topology: {version: 1, nodes: [{id: H1, kind: mail-host, mailboxes: 80, custom-recipients: 20, licensed-users: 100, address: 'relay:2525', aliases: [a, b]}]}
    expect: []
",
    ),
    (
        "STORE-SHARE.yaml",
        r"id: STORE-SHARE
title: A store shared from another host, or named too long
select: {kind: mail-store}
when:
  any:
    - not: {field: share, as: caseless, starts-with: {concat: ['\\', {field: id, of: parent}, '\']}}
    - {field: share, ends-with: {field: network}}
    - {value: {length: {field: name}}, gt: 10}
severity: warning
message: 'store `{id}` on `{parent:id}`: share `{share}`'
tests:
  - name: another host's share
    topology: {version: 1, nodes: [{id: H, kind: mail-host}, {id: S, kind: mail-store, parent: H, name: ST, share: '\\OTHER\ST'}]}
    expect: [{entities: [S]}]
  - name: its own host's share
    topology: {version: 1, nodes: [{id: H, kind: mail-host}, {id: S, kind: mail-store, parent: H, name: ST, share: '\\h\ST'}]}
    expect: []
",
    ),
    (
        "HOST-FULL.yaml",
        "id: HOST-FULL
title: Stores larger than the host's mailboxes allow
select: {kind: mail-host}
when: {related: {via: children, kind: mail-store, sum: size, count: {min: {div: [{field: mailboxes}, 10]}}}}
severity: info
message: 'stores on `{id}` are full'
tests:
  - name: full
    topology: {version: 1, nodes: [{id: H, kind: mail-host, mailboxes: 100}, {id: S, kind: mail-store, parent: H, size: 10}]}
    expect: [{entities: [H]}]
  - name: room left
    topology: {version: 1, nodes: [{id: H, kind: mail-host, mailboxes: 100}, {id: S, kind: mail-store, parent: H, size: 9}]}
    expect: []
",
    ),
    (
        "SAME-STORE-ADDRESS.yaml",
        "id: SAME-STORE-ADDRESS
title: Two stores with one address, ignoring case
select: {kind: mail-store}
group: {by: [{upper: {field: network}}, {upper: {field: name}}], size: {min: 2}}
severity: error
message: 'stores {members} share {key}'
tests:
  - name: the same address in other case
    topology: {version: 1, nodes: [{id: A, kind: mail-store, network: Net, name: st}, {id: B, kind: mail-store, network: NET, name: ST}]}
    expect: [{entities: [A, B]}]
  - name: different addresses
    topology: {version: 1, nodes: [{id: A, kind: mail-store, network: Net, name: st}, {id: B, kind: mail-store, network: NET, name: ST2}]}
    expect: []
",
    ),
    (
        "STORE-NETWORK.yaml",
        "id: STORE-NETWORK
title: A store is on its host's network
select: {kind: mail-store}
derive: {set: {network: {field: network, of: parent}}}
tests:
  - name: copied
    topology: {version: 1, nodes: [{id: H, kind: mail-host, network: NET}, {id: S, kind: mail-store, parent: H}]}
    expect: [{entities: [S]}]
  - name: written
    topology: {version: 1, nodes: [{id: H, kind: mail-host, network: NET}, {id: S, kind: mail-store, parent: H, network: OTHER}]}
    expect: []
",
    ),
    (
        "HOST-OS-FAMILY.yaml",
        "id: HOST-OS-FAMILY
title: The family of a host's operating system
select: {kind: mail-host}
derive: {set: {os-family: {lookup: {field: os}, table: {windows-nt-4.0: windows-nt, os2-2.1: os2}, default: other}}}
tests:
  - name: looked up
    topology: {version: 1, nodes: [{id: H, kind: mail-host, os: os2-2.1}, {id: G, kind: mail-host, os: beos}]}
    expect: [{entities: [H]}, {entities: [G]}]
  - name: no os
    topology: {version: 1, nodes: [{id: H, kind: mail-host}]}
    expect: []
",
    ),
];

#[test]
fn a_new_rule_folder_computes_values_without_rebuilding() {
    let dir = Scratch::new("computed-values");
    dir.write("rules/vocabulary.yaml", EXPR_VOCABULARY);
    for (name, text) in EXPR_RULES {
        dir.write(&format!("rules/{name}"), text);
    }
    let rules = dir.path("rules");
    let (exit, out, err) = kbcheck(&["test", &rules]);
    assert_eq!(exit, Exit::Clean, "{out}{err}");
    assert_eq!(
        out.lines().last(),
        Some(format!("{} passed, 0 failed", EXPR_RULES.len()).as_str()),
        "{out}"
    );
    let topology = dir.write(
        "topology.yaml",
        "version: 1
nodes:
  - {id: H, kind: mail-host, network: NET, mailboxes: 90, custom-recipients: 20, licensed-users: 100, address: 'relay:2525', os: os2-2.1}
  - {id: S1, kind: mail-store, parent: H, name: MAIN, share: '\\\\H\\MAIN', size: 4}
  - {id: S2, kind: mail-store, parent: H, name: main, share: '\\\\OTHER\\MAIN', size: 5}
  - {id: PLAN, kind: mail-host, mailboxes: 5, address: 'relay:2525', tags: [planned]}
",
    );
    let (exit, out, err) = kbcheck(&[
        "check",
        "--no-default-rules",
        "--rules",
        &rules,
        "--format",
        "json",
        "--fail-on",
        "never",
        &topology,
    ]);
    assert_eq!(exit, Exit::Clean, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let fired: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let has_finding =
        |rule: &str, message: &str| fired.iter().any(|(r, m)| r == rule && m == message);
    assert!(
        has_finding(
            "HOST-OVER-LICENCE",
            "host `H` has 110 recipients for 100 licences"
        ),
        "{fired:#?}"
    );
    assert!(
        has_finding("STORE-SHARE", "store `S2` on `H`: share `\\\\OTHER\\MAIN`"),
        "{fired:#?}"
    );
    assert!(
        has_finding("SAME-STORE-ADDRESS", "stores S1, S2 share NET / MAIN"),
        "{fired:#?}"
    );
    // 90 mailboxes / 10 = 9 gigabytes, and the stores take 4 + 5.
    assert!(
        has_finding("HOST-FULL", "stores on `H` are full"),
        "{fired:#?}"
    );
    // The planned host leaves `custom-recipients` and `licensed-users` out: inconclusive,
    // naming the fields inside the expression.
    let inconclusive = report["inconclusive"].as_array().unwrap();
    let missing: Vec<&str> = inconclusive
        .iter()
        .filter(|r| r["rule"] == "HOST-OVER-LICENCE")
        .flat_map(|r| r["missing"].as_array().unwrap())
        .filter_map(|m| m["field"].as_str())
        .collect();
    assert_eq!(
        missing,
        ["aliases", "custom-recipients", "licensed-users"],
        "{inconclusive:#?}"
    );

    let explain = |id: &str, entity: &str| {
        kbcheck(&[
            "explain",
            id,
            "--no-default-rules",
            "--rules",
            &rules,
            "--topology",
            &topology,
            "--entity",
            entity,
        ])
    };
    let (exit, out, err) = explain("HOST-OVER-LICENCE", "PLAN");
    assert_eq!(exit, Exit::Clean, "{err}");
    assert!(
        out.contains("add(`mailboxes`, `custom-recipients`) = unknown (from `mailboxes` = `5`, `custom-recipients` not set)"),
        "{out}"
    );
    assert!(
        out.contains(
            "number(`address` extracting /:([0-9]+)$/) = `2525` (from `address` = `relay:2525`)"
        ),
        "{out}"
    );
    assert!(
        out.contains("INCONCLUSIVE: not set: `aliases`, `custom-recipients`, `licensed-users`"),
        "{out}"
    );
    let (_, out, _) = explain("HOST-FULL", "H");
    assert!(
        out.contains("bound div(`mailboxes`, `10`) = `9` (from `mailboxes` = `90`)"),
        "{out}"
    );
    let (_, out, _) = explain("HOST-OS-FAMILY", "H");
    assert!(
        out.contains("derives `os-family` = lookup(`os` in a table of 2, else `other`) = `os2` (from `os` = `os2-2.1`)"),
        "{out}"
    );
}

#[test]
fn rules_adds_to_the_configs_rules_and_only_rules_replaces_them() {
    let s = Scratch::new("rules-add");
    let config = s.write(
        "kbcheck.yaml",
        format!("rules: [{:?}]\n", fixture("pack-site")),
    );
    let ids = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["rules", "--json", "--no-default-rules", "--config", &config];
        args.extend_from_slice(extra);
        let (exit, out, err) = kbcheck(&args);
        assert_eq!(exit, Exit::Clean, "{err}");
        let list: Value = serde_json::from_str(&out).unwrap();
        list.as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(&[]), ["SITE-RELAY-ONE-PRIMARY"]);
    let install = fixture("pack-install");
    let both = ids(&["--rules", &install]);
    assert!(
        both.contains(&"SITE-RELAY-ONE-PRIMARY".to_owned())
            && both.contains(&"PACK-INSTALL-PROGRAM".to_owned()),
        "{both:?}"
    );
    assert_eq!(ids(&["--only-rules", &install]), ["PACK-INSTALL-PROGRAM"]);
    // The config's folder named again with `--rules` is loaded once.
    assert_eq!(
        ids(&["--rules", &fixture("pack-site")]),
        ["SITE-RELAY-ONE-PRIMARY"]
    );
}

#[test]
fn a_link_kind_is_not_corrected_to_a_different_connector() {
    let s = Scratch::new("no-false-suggestion");
    let plan = |kind: &str| {
        s.write(
            &format!("{kind}.yaml"),
            format!(
                "version: 1
nodes:
  - {{id: S1, kind: server, product: exchange, version: \"5.5\"}}
  - {{id: S2, kind: server, product: exchange, version: \"5.5\"}}
links:
  - {{id: L1, kind: {kind}, from: S1, to: S2}}
"
            ),
        )
    };
    let (_, _, err) = kbcheck(&["validate", "--no-config", &plan("smtp-connector")]);
    assert!(has(&err, "unknown link kind `smtp-connector`"), "{err}");
    assert!(!err.contains("did you mean"), "{err}");
    let (_, _, err) = kbcheck(&["validate", "--no-config", &plan("sitte-connector")]);
    assert!(has(&err, "did you mean `site-connector`?"), "{err}");
}

#[test]
fn columns_are_characters_in_every_format() {
    // `é` is two bytes: a byte column would be one more per `é` before the entity.
    let s = Scratch::new("columns");
    let topo = s.write(
        "plan.yaml",
        "version: 1\nnodes: [{id: \"éé\", kind: server, product: msmail, version: \"3.5\"}, {id: PO1, kind: postoffice, parent: \"éé\", serial: 0799-99992, tags: [production], colour: x}]\n",
    );
    let (_, out, _) = kbcheck(&["check", "--no-config", "--format", "json", &topo]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    let finding = &doc["findings"][0]["locations"][0];
    let warning = &doc["warnings"][0];
    let column = |v: &Value| v["column"].as_u64().unwrap();
    // Where `{id: PO1` and `colour` start, counted in characters from 1.
    let line2 = "nodes: [{id: \"éé\", kind: server, product: msmail, version: \"3.5\"}, {id: PO1, kind: postoffice, parent: \"éé\", serial: 0799-99992, tags: [production], colour: x}]";
    let chars = |part: &str| line2.split(part).next().unwrap().chars().count() as u64 + 1;
    assert_eq!(column(finding), chars("{id: PO1"));
    assert_eq!(column(warning), chars("colour"));
    let (_, human, err) = kbcheck(&["check", "--no-config", &topo]);
    for c in [column(finding), column(warning)] {
        let header = format!("plan.yaml:2:{c}]");
        assert!(
            human.contains(&header) || err.contains(&header),
            "no `{header}`:\n{human}\n{err}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// List quantifiers, text captures and `at-least` expectations in a pack (issue 22)

/// `kbcheck test` on the `pack-lists` vocabulary and rule `id`, with `from` replaced by `to`.
fn test_pack_lists_changed(id: &str, from: &str, to: &str) -> (Exit, String, String) {
    let scratch = Scratch::new(&format!("pack-lists-{id}"));
    let rule = std::fs::read_to_string(fixture(&format!("pack-lists/{id}.yaml"))).unwrap();
    assert!(rule.contains(from), "`{from}` is not in {id}");
    scratch.write(&format!("pack/{id}.yaml"), rule.replace(from, to));
    scratch.write(
        "pack/vocabulary.yaml",
        std::fs::read_to_string(fixture("pack-lists/vocabulary.yaml")).unwrap(),
    );
    kbcheck(&["test", &scratch.path("pack")])
}

#[test]
fn a_pack_testing_list_elements_and_captured_text_passes_its_cases_without_a_rebuild() {
    let pack = fixture("pack-lists");
    let (exit, out, err) = kbcheck(&["test", &pack]);
    assert_eq!(exit, Exit::Clean, "{out}{err}");
    assert!(out.contains("ok   CONTOSO-X400-COUNTRY (3 cases)"), "{out}");
    assert!(
        out.contains("ok   CONTOSO-ONE-SMTP-GATEWAY (2 cases)"),
        "{out}"
    );
    assert_eq!(out.lines().last(), Some("2 passed, 0 failed"), "{out}");
}

#[test]
fn an_at_least_expectation_fails_when_a_listed_entity_is_not_in_the_finding() {
    let (exit, out, err) = test_pack_lists_changed(
        "CONTOSO-ONE-SMTP-GATEWAY",
        "[{entities: [G1, G2], at-least: true}]",
        "[{entities: [G1, G4], at-least: true}]",
    );
    assert_eq!(exit, Exit::Findings, "{out}{err}");
    assert!(
        out.contains("missing: expected a finding on [G1, G4, ...], none came"),
        "{out}"
    );
    assert!(
        out.contains("noisy:   unexpected finding on [G1, G2, G3] (warning)"),
        "{out}"
    );
}

#[test]
fn a_text_operator_on_a_list_attribute_is_refused_with_the_quantifier_to_write() {
    let (exit, out, err) = test_pack_lists_changed(
        "CONTOSO-X400-COUNTRY",
        "  field: address-spaces\n  any:\n    value: {capture: {element: true}, extract: '^X400:c=(?P<country>[^;]*);', group: country}\n    as: caseless\n    not-in: [us, gb, de]\n",
        "  {field: address-spaces, matches: '^X400:c=fr;'}\n",
    );
    assert_eq!(exit, Exit::Invalid, "{out}{err}");
    assert!(has(&err, "kbcheck::rule::list_needs_quantifier"), "{err}");
    assert!(
        has(
            &err,
            "× `address-spaces` is a list; `matches` tests one value"
        ),
        "{err}"
    );
    assert!(
        has(
            &err,
            "help: say which elements must pass: `{field: address-spaces, any: {matches: ...}}`"
        ),
        "{err}"
    );
    assert_label(&err, 9, "matches", "applied to the whole list");
}

#[test]
fn explain_shows_each_element_a_quantifier_tested() {
    let scratch = Scratch::new("explain-elements");
    let topo = scratch.write(
        "t.yaml",
        "version: 1\nnodes:\n  - {id: G, kind: contoso-gateway, address-spaces: ['SMTP:*@contoso.com', 'X400:c=fr;a= ;p=contoso;']}\n",
    );
    let pack = fixture("pack-lists");
    let (exit, out, err) = kbcheck(&[
        "explain",
        "CONTOSO-X400-COUNTRY",
        "--rules",
        &pack,
        "--topology",
        &topo,
    ]);
    assert_eq!(exit, Exit::Clean, "{out}{err}");
    for line in [
        "[x] `address-spaces` has some element where:",
        "[ ] element `SMTP:*@contoso.com`",
        "[x] element `X400:c=fr;a= ;p=contoso;`",
        "=> FIRES",
    ] {
        assert!(out.contains(line), "no `{line}` in:\n{out}");
    }
}

// ---------------------------------------------------------------------------------------
// Reference attributes and a word that is a node kind and a link kind, in a pack (issue 22)

/// A topology with the bundled node kind `dirsync-requestor` and the `pack-refs` link kind of
/// that name, whose `via` names `via`.
fn dirsync_topology(scratch: &Scratch, via: &str) -> String {
    scratch.write(
        "t.yaml",
        format!(
            "version: 1
nodes:
  - {{id: P1, kind: postoffice, network: N1}}
  - {{id: P2, kind: postoffice, network: N2}}
  - {{id: H1, kind: postoffice, network: N1}}
  - {{id: D, kind: dirsync-server, parent: H1}}
  - {{id: R1, kind: dirsync-requestor, parent: P1}}
links:
  - {{id: REQ, kind: dirsync-requestor, from: P1, to: D, via: {via}}}
"
        ),
    )
}

#[test]
fn a_pack_following_a_reference_with_a_word_the_bundled_vocabulary_uses_otherwise_loads_and_fires()
{
    let pack = fixture("pack-refs");
    let (exit, out, err) = kbcheck(&["test", &pack]);
    assert_eq!(exit, Exit::Clean, "{out}{err}");
    assert!(out.contains("ok   CONTOSO-DIRSYNC-VIA (2 cases)"), "{out}");
    let scratch = Scratch::new("pack-refs-check");
    let topo = dirsync_topology(&scratch, "P2");
    let (exit, out, err) = kbcheck(&[
        "check",
        &topo,
        "--rules",
        &pack,
        "--format",
        "json",
        "--fail-on",
        "warning",
    ]);
    assert_eq!(exit, Exit::Findings, "{out}{err}");
    assert!(out.contains("\"rule\": \"CONTOSO-DIRSYNC-VIA\""), "{out}");
    assert!(
        out.contains("Dir-Sync requests of `P1` pass `P2`, on another network"),
        "{out}"
    );
    // The same link routed through its own network passes.
    let topo = dirsync_topology(&scratch, "H1");
    let (_, out, err) = kbcheck(&["check", &topo, "--rules", &pack, "--format", "json"]);
    assert!(!out.contains("CONTOSO-DIRSYNC-VIA"), "{out}{err}");
}

#[test]
fn a_reference_to_no_node_or_a_node_of_another_kind_is_refused_with_its_place() {
    let pack = fixture("pack-refs");
    let scratch = Scratch::new("pack-refs-bad");
    let topo = dirsync_topology(&scratch, "P3");
    let (exit, _, err) = kbcheck(&["check", &topo, "--rules", &pack]);
    assert_eq!(exit, Exit::Invalid, "{err}");
    assert!(has(&err, "kbcheck::topology::unknown_reference"), "{err}");
    assert!(
        has(&err, "× `via` names `P3`, which is not a node"),
        "{err}"
    );
    assert!(has(&err, "help: did you mean `P1`?"), "{err}");
    assert_label(&err, 9, "P3", "no node has this id");
    let topo = dirsync_topology(&scratch, "D");
    let (exit, _, err) = kbcheck(&["check", &topo, "--rules", &pack]);
    assert_eq!(exit, Exit::Invalid, "{err}");
    assert!(
        has(&err, "kbcheck::topology::wrong_reference_kind"),
        "{err}"
    );
    assert!(
        has(
            &err,
            "× `via` names `D`, a `dirsync-server`, where a `postoffice` is expected"
        ),
        "{err}"
    );
    assert_label(&err, 9, "D", "a `dirsync-server`");
}

#[test]
fn graph_draws_a_reference_as_a_dotted_edge() {
    let pack = fixture("pack-refs");
    let scratch = Scratch::new("pack-refs-graph");
    let topo = dirsync_topology(&scratch, "P2");
    let (exit, out, err) = kbcheck(&["graph", &topo, "--rules", &pack, "--format", "dot"]);
    assert_ne!(exit, Exit::Invalid, "{out}{err}");
    assert!(
        out.contains("\"P1\" -> \"P2\" [label=\"REQ.via\", tooltip=\"REQ.via\", style=dotted, arrowhead=vee];"),
        "{out}"
    );
}

// ---------------------------------------------------------------------------------------
// Every construct of the rule language's part 3 in one pack, run with no rebuild (issue 22)

#[test]
fn a_pack_using_every_part_3_construct_passes_its_tests_and_fires_next_to_the_bundled_rules() {
    let pack = fixture("pack-part3");
    // The retirement rule's third case runs on the run's today: 2026-06-01 is after its date.
    let (exit, out, err) = kbcheck(&["test", "--today", "2026-06-01", &pack]);
    assert_eq!(exit, Exit::Clean, "{out}{err}");
    for line in [
        "ok   CONTOSO-BLANK-ADMD (3 cases)",
        "ok   CONTOSO-DIRSYNC-UNSERIALED-ROUTE (2 cases)",
        "ok   CONTOSO-RETIRED-GATEWAY (3 cases)",
        "ok   CONTOSO-SENDS-IN-MAINTENANCE (3 cases)",
        "4 passed, 0 failed",
    ] {
        assert!(out.contains(line), "no `{line}` in:\n{out}");
    }
    // A today before that date fails exactly that case.
    let (exit, out, _) = kbcheck(&["test", "--today", "2025-12-31", &pack]);
    assert_eq!(exit, Exit::Findings, "{out}");
    assert!(out.contains("FAIL CONTOSO-RETIRED-GATEWAY"), "{out}");
    assert!(out.contains("3 passed, 1 failed"), "{out}");

    // One topology that holds the bundled node kind `dirsync-requestor` and the pack's link kind
    // of that name, checked with the bundled rules and the pack together.
    let scratch = Scratch::new("pack-part3-check");
    let topo = scratch.write(
        "t.yaml",
        "version: 1
nodes:
  - {id: S, kind: server, maintenance-windows: ['23:00-01:00']}
  - {id: G, kind: contoso-gateway, host: S, retired: 2026-01-01,
     address-spaces: ['SMTP:*@contoso.com', 'X400:c=us;a=  ;p=contoso;'], send-windows: ['00:15-00:45']}
  - {id: OK, kind: contoso-gateway, host: S, retired: 2027-01-01,
     address-spaces: ['X400:c=us;a= ;p=contoso;'], send-windows: ['01:00-02:00']}
  - {id: P1, kind: postoffice, serial: 22-1}
  - {id: P2, kind: postoffice}
  - {id: H1, kind: postoffice, serial: 22-3}
  - {id: D, kind: dirsync-server, parent: H1}
  - {id: R1, kind: dirsync-requestor, parent: P1}
links:
  - {id: REQ, kind: dirsync-requestor, from: P1, to: D, via: P2}
",
    );
    let (exit, out, err) = kbcheck(&[
        "check",
        &topo,
        "--rules",
        &pack,
        "--today",
        "2026-06-01",
        "--format",
        "json",
    ]);
    assert_eq!(exit, Exit::Findings, "{out}{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mut got: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"].as_str().unwrap().starts_with("CONTOSO-"))
        .map(|f| {
            format!(
                "{} {}",
                f["rule"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            "CONTOSO-BLANK-ADMD gateway `G` writes an X.400 ADMD of several spaces: \
             [SMTP:*@contoso.com, X400:c=us;a=  ;p=contoso;]",
            "CONTOSO-DIRSYNC-UNSERIALED-ROUTE Dir-Sync requests of `P1` pass `P2`, which has no \
             serial number",
            "CONTOSO-RETIRED-GATEWAY gateway `G` was retired on 2026-01-01, 151 days ago, and still \
             routes mail",
            "CONTOSO-SENDS-IN-MAINTENANCE gateway `G` sends at [00:15-00:45] while `S` is down \
             at [23:00-01:00]",
        ]
    );
    // A reference to a node of another kind is refused with its place, pack and bundled
    // vocabulary loaded together.
    let bad = scratch.write(
        "bad.yaml",
        "version: 1\nnodes:\n  - {id: P, kind: postoffice}\n  - {id: G, kind: contoso-gateway, host: P}\n",
    );
    let (exit, _, err) = kbcheck(&["check", &bad, "--rules", &pack]);
    assert_eq!(exit, Exit::Invalid, "{err}");
    assert!(
        has(&err, "kbcheck::topology::wrong_reference_kind"),
        "{err}"
    );
    assert!(has(&err, "bad.yaml:4:42"), "{err}");
}
