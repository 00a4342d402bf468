//! The bad-input catalogue (docs/errors.md), one refusal per class of input that
//! `tests/cli.rs` (topologies, rules) and `tests/gate.rs` (waivers, config) do not already
//! refuse: vocabularies, packs, the command line, the limits, and a few rule mistakes. Each
//! asserts exit 2, the diagnostic's code and message, and the text miette underlines. Then the
//! fail-closed behaviour of `check`: inconclusive results and a run with no rules. Last, a
//! scan of `src/` checks that docs/errors.md lists every diagnostic code kbcheck can emit.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers fail the test by panicking"
)]

mod common;

use common::{Scratch, assert_label, has, kbcheck};
use kbcheck::cli::Exit;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> &'static str {
    env!("CARGO_MANIFEST_DIR")
}

fn example(name: &str) -> String {
    format!("{}/examples/{name}", root())
}

/// Run `args`; assert exit 2, nothing on stdout, and the diagnostic `code` with `message`.
#[track_caller]
fn refused(args: &[&str], code: &str, message: &str) -> String {
    let (exit, out, err) = kbcheck(args);
    assert_eq!(exit, Exit::Invalid, "{args:?}\n{out}{err}");
    assert!(
        out.is_empty(),
        "nothing is checked, so nothing on stdout:\n{out}"
    );
    assert!(
        has(&err, &format!("kbcheck::{code}")),
        "no `{code}`:\n{err}"
    );
    assert!(has(&err, message), "no message `{message}`:\n{err}");
    err
}

/// A minimal valid rule, for folders that need one.
const RULE: &str = "id: CONTOSO-1
title: t
select: {kind: server}
when: {field: os, equals: windows-nt-3.51}
severity: warning
message: m
";

// ---------------------------------------------------------------------------------------
// Vocabularies a rules folder brings

/// `check --rules FOLDER` where FOLDER has a rule and `vocabulary.yaml` with `vocab`.
#[track_caller]
fn bad_vocabulary(test: &str, vocab: &str, code: &str, message: &str) -> String {
    let s = Scratch::new(test);
    s.write("pack/rule.yaml", RULE);
    s.write("pack/vocabulary.yaml", vocab);
    refused(
        &[
            "check",
            "--rules",
            &s.path("pack"),
            &example("clean-deployment.json"),
        ],
        code,
        message,
    )
}

#[test]
fn vocabulary_attribute_that_is_not_a_schema_is_refused() {
    let err = bad_vocabulary(
        "vocab-schema",
        "nodes:\n  fax-server:\n    attributes:\n      lines: 3\n",
        "vocabulary::bad_schema",
        "attribute `lines` must be described by a JSON Schema map",
    );
    assert_label(&err, 4, "3", "expected a map such as `{type: string}`");
}

#[test]
fn vocabulary_schema_that_does_not_compile_is_refused() {
    let err = bad_vocabulary(
        "vocab-compile",
        "nodes:\n  fax-server:\n    attributes:\n      lines: {type: integr}\n",
        "vocabulary::bad_schema",
        "attribute `lines` has an invalid JSON Schema",
    );
    // The label points at the start of the schema map.
    assert_label(&err, 4, "{", "this schema does not compile");
}

#[test]
fn vocabulary_redeclaring_a_bundled_attribute_incompatibly_names_both_places() {
    let err = bad_vocabulary(
        "vocab-dup",
        "common:\n  site: {type: integer}\n",
        "vocabulary::conflicting_attribute",
        "attribute `site` of every kind is declared twice, incompatibly: its type is \"string\" in one and \"integer\" in the other",
    );
    assert_label(&err, 2, "site", "declared again here");
    // The first declaration is in another file, the bundled vocabulary: shown as well.
    assert!(
        has(&err, "builtin:schemas/vocabulary/mail.yaml"),
        "the first place is named:\n{err}"
    );
    let line = include_str!("../schemas/vocabulary/mail.yaml")
        .lines()
        .position(|l| l == "  site:")
        .unwrap()
        + 1;
    assert_label(&err, line, "site", "first declared here");
}

#[test]
fn vocabulary_redeclaring_a_nested_key_incompatibly_names_the_key() {
    let err = bad_vocabulary(
        "vocab-dup-nested",
        "nodes:\n  postoffice:\n    attributes:\n      install:\n        type: object\n        properties:\n          disk: {type: string}\n",
        "vocabulary::conflicting_attribute",
        "attribute `install.disk` of node kind `postoffice` is declared twice, incompatibly",
    );
    assert_label(&err, 4, "install", "declared again here");
}

#[test]
fn topology_in_a_rules_folder_gets_one_clear_diagnostic() {
    let s = Scratch::new("topology-in-rules");
    s.write("pack/rule.yaml", RULE);
    s.write(
        "pack/plan.yaml",
        "version: 1\nnodes:\n  - {id: S1, kind: server}\n",
    );
    let err = refused(
        &[
            "check",
            "--rules",
            &s.path("pack"),
            &example("clean-deployment.json"),
        ],
        "rules::topology_in_rules",
        "this looks like a topology, not a rule",
    );
    assert_label(&err, 2, "nodes", "a topology's `nodes`");
    assert_eq!(err.matches("  × ").count(), 1, "one diagnostic:\n{err}");
    assert!(!has(&err, "missing_key"), "{err}");
}

#[test]
fn vocabulary_dotted_attribute_is_refused_with_a_hint_to_nest_it() {
    let err = bad_vocabulary(
        "vocab-dotted",
        "nodes:\n  server:\n    attributes:\n      install.program: {type: string}\n",
        "vocabulary::dotted_attribute",
        "attribute `install.program` has a dot in its name",
    );
    assert_label(
        &err,
        4,
        "install.program",
        "a dotted name is a path, not an attribute",
    );
    assert!(
        has(
            &err,
            "nest it: declare `install` with `type: object` and `program` under its `properties`"
        ),
        "{err}"
    );
}

#[test]
fn vocabulary_reference_words_out_of_place_are_refused() {
    let err = bad_vocabulary(
        "vocab-reference",
        "links:\n  fax-route:\n    attributes:\n      via: {type: string, kinds: [postoffice]}\n",
        "vocabulary::bad_reference",
        "attribute `via`: `kinds` only applies to a reference",
    );
    assert!(
        has(
            &err,
            "write `type: reference` beside `kinds`, or remove `kinds`"
        ),
        "{err}"
    );
    assert_label(&err, 4, "{", "here");
}

#[test]
fn vocabulary_reference_to_a_kind_no_vocabulary_declares_is_refused() {
    let err = bad_vocabulary(
        "vocab-reference-kind",
        "links:\n  fax-route:\n    attributes:\n      via: {type: reference, kinds: [postofice]}\n",
        "vocabulary::bad_reference",
        "attribute `via`: `kinds` names `postofice`, which is not a node kind",
    );
    assert!(has(&err, "did you mean `postoffice`?"), "{err}");
    assert_label(&err, 4, "via", "declared here");
}

#[test]
fn vocabulary_unknown_key_is_refused_with_a_suggestion() {
    let err = bad_vocabulary(
        "vocab-key",
        "nodes:\n  fax-server:\n    atributes:\n      lines: {type: integer}\n",
        "vocabulary::unknown_key",
        "unknown key `atributes`",
    );
    assert!(has(&err, "did you mean `attributes`?"), "{err}");
    assert_label(&err, 3, "atributes", "not a key kbcheck knows here");
}

// ---------------------------------------------------------------------------------------
// Packs

#[test]
fn pack_needing_a_newer_kbcheck_is_refused() {
    let s = Scratch::new("pack-newer");
    s.write("pack/rule.yaml", RULE);
    s.write("pack/pack.yaml", "name: site\nkbcheck: \">=9.0\"\n");
    let err = refused(
        &[
            "check",
            "--rules",
            &s.path("pack"),
            &example("clean-deployment.json"),
        ],
        "pack::needs_newer",
        "the pack needs kbcheck `>=9.0`",
    );
    assert_label(&err, 2, "\">=9.0\"", "required version");
}

#[test]
fn pack_with_a_bad_version_range_is_refused() {
    let s = Scratch::new("pack-range");
    s.write("pack/rule.yaml", RULE);
    s.write("pack/pack.yaml", "name: site\nkbcheck: newest\n");
    let err = refused(
        &[
            "check",
            "--rules",
            &s.path("pack"),
            &example("clean-deployment.json"),
        ],
        "pack::bad_version_range",
        "invalid version range `newest`",
    );
    assert_label(&err, 2, "newest", "here");
}

// ---------------------------------------------------------------------------------------
// The command line

#[test]
fn unknown_flag_exits_2_with_usage() {
    let (exit, out, err) = kbcheck(&[
        "check",
        "--fail-on-warnings",
        &example("clean-deployment.json"),
    ]);
    assert_eq!(exit, Exit::Invalid, "{out}{err}");
    assert!(
        has(&err, "unexpected argument '--fail-on-warnings'"),
        "{err}"
    );
    assert!(has(&err, "Usage: kbcheck check"), "{err}");
}

#[test]
fn bad_today_is_refused() {
    refused(
        &[
            "check",
            "--today",
            "2025-13-01",
            &example("clean-deployment.json"),
        ],
        "cli::bad_date",
        "`--today`:",
    );
}

#[test]
fn base_with_two_topologies_is_refused() {
    let t = example("clean-deployment.json");
    refused(
        &["check", "--base", &t, &t, &t],
        "cli::base_needs_one_topology",
        "`--base` compares one topology, but 2 were given",
    );
}

#[test]
fn explain_an_unknown_entity_is_refused_with_a_suggestion() {
    let err = refused(
        &[
            "explain",
            "KB-Q142196-INVALID-SERIAL",
            "--topology",
            &example("backoffice-branch-rollout.yaml"),
            "--entity",
            "PO-BR3",
        ],
        "cli::unknown_entity",
        "has no entity `PO-BR3`",
    );
    assert!(
        has(&err, "did you mean `PO-BR1`?") || has(&err, "did you mean `PO-BR2`?"),
        "{err}"
    );
}

#[test]
fn a_folder_given_where_one_topology_is_expected_is_refused() {
    // `check` and `validate` take folders (tests/inputs.rs); `graph` draws one file.
    refused(
        &["graph", &format!("{}/examples", root())],
        "io::is_directory",
        "is a folder, not a file",
    );
}

#[test]
fn rules_that_match_nothing_are_refused() {
    let s = Scratch::new("rules-none");
    std::fs::create_dir_all(s.0.join("empty")).unwrap();
    let t = example("clean-deployment.json");
    refused(
        &["check", "--rules", &s.path("empty"), &t],
        "rules::empty_folder",
        "has no rule files (.yaml, .yml, .json)",
    );
    refused(
        &[
            "check",
            "--rules",
            &format!("{}/*.nothing", s.path("empty")),
            &t,
        ],
        "rules::no_match",
        "matches no rule files",
    );
    refused(
        &["check", "--rules", &format!("{}/[", s.path("empty")), &t],
        "rules::bad_glob",
        "invalid glob pattern",
    );
}

// ---------------------------------------------------------------------------------------
// Limits

#[test]
fn too_many_nodes_or_links_are_refused() {
    let t = example("exchange-connector-backbone.yaml");
    let err = refused(
        &["check", "--max-nodes", "3", &t],
        "limits::too_many_nodes",
        "the topology has 7 nodes, over the limit of 3",
    );
    assert_label(&err, 11, "nodes", "7 nodes");
    assert!(has(&err, "raise the limit with `--max-nodes`"), "{err}");
    refused(
        &["validate", "--max-links", "1", &t],
        "limits::too_many_links",
        "the topology has 4 links, over the limit of 1",
    );
    let (exit, _, err) = kbcheck(&["check", "--max-nodes", "7", "--max-links", "4", &t]);
    assert_eq!(exit, Exit::Findings, "at the limit is allowed:\n{err}");
}

#[test]
fn the_default_limits_admit_a_million_nodes() {
    use kbcheck::value::{Key, Node, Pos, Value};
    let tree = Node {
        value: Value::Map(vec![(
            Key {
                name: "nodes".into(),
                pos: Pos::default(),
            },
            Node {
                value: Value::List(Vec::new()),
                pos: Pos::default(),
            },
        )]),
        pos: Pos::default(),
    };
    let file = kbcheck::source::SourceFile::new("big.yaml", String::new());
    let limits = kbcheck::limits::Limits::default();
    let check = |nodes| kbcheck::limits::check_topology(&file, &tree, [nodes, 0], &limits);
    assert!(check(1_000_000).is_ok());
    assert!(check(limits.max_nodes + 1).is_err());
    assert!(
        limits.max_yaml_nodes >= 20 * 1_000_000,
        "room for attributes"
    );
}

#[test]
fn too_many_rules_are_refused_before_any_is_read() {
    refused(
        &[
            "check",
            "--max-rules",
            "5",
            &example("clean-deployment.json"),
        ],
        "limits::too_many_rules",
        "rule files would be loaded, over the limit of 5",
    );
}

#[test]
fn a_regex_over_the_size_limit_is_refused() {
    let s = Scratch::new("regex");
    let rule = RULE.replace(
        "{field: os, equals: windows-nt-3.51}",
        "{field: os, matches: '(\\w{50}){50}'}",
    );
    let file = s.write("rule.yaml", &rule);
    let t = example("clean-deployment.json");
    let err = refused(
        &["check", "--no-default-rules", "--rules", &file, &t],
        "limits::regex_too_big",
        "the regular expression compiles to more than the limit of 1048576 bytes",
    );
    assert_label(&err, 4, "'(\\w{50}){50}'", "this pattern");
    // The flag lowers (or raises) the limit.
    let plain = s.write(
        "plain.yaml",
        RULE.replace("equals: windows-nt-3.51", "matches: '^windows-nt-[0-9.]+$'"),
    );
    refused(
        &[
            "check",
            "--no-default-rules",
            "--max-regex-bytes",
            "100",
            "--rules",
            &plain,
            &t,
        ],
        "limits::regex_too_big",
        "more than the limit of 100 bytes",
    );
    let (exit, _, err) = kbcheck(&["check", "--no-default-rules", "--rules", &plain, &t]);
    assert_eq!(exit, Exit::Clean, "{err}");
}

#[test]
fn deep_json_and_yaml_are_refused_at_the_depth_limit() {
    let s = Scratch::new("deep");
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    for name in ["deep.json", "deep.yaml"] {
        let file = s.write(name, &deep);
        let err = refused(
            &["check", &file],
            "limits::document_too_big",
            "nesting is deeper than the limit of 64 levels",
        );
        assert!(has(&err, &format!("{name}:1:")), "{err}");
    }
    // Block maps nest by indentation: 200 levels, each one space deeper.
    let mut block = String::from("version: 1\nnodes:\n- id: A\n  kind: server\n  description:\n");
    for i in 0..200 {
        block.push_str(&format!("{}k{i}:\n", " ".repeat(i + 3)));
    }
    let file = s.write("block.yaml", &block);
    refused(
        &["check", &file],
        "limits::document_too_big",
        "nesting is deeper than the limit of 64 levels",
    );
    // Raised to its ceiling, the limit still refuses 100,000 levels, without running out
    // of stack; past the ceiling the flag itself is refused.
    let file = s.path("deep.json");
    refused(
        &["check", "--max-depth", "5000", &file],
        "limits::document_too_big",
        "nesting is deeper than the limit of 5000 levels",
    );
    let (exit, _, err) = kbcheck(&["check", "--max-depth", "5001", &file]);
    assert_eq!(exit, Exit::Invalid);
    assert!(has(&err, "5001 is not in 1..=5000"), "{err}");
}

#[test]
fn an_alias_bomb_is_refused() {
    let s = Scratch::new("bomb");
    let mut text = String::from(
        "version: 1\nnodes:\n  - {id: A, kind: server}\nx0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    for i in 1..12 {
        let p = i - 1;
        let refs = vec![format!("*a{p}"); 10].join(", ");
        text.push_str(&format!("x{i}: &a{i} [{refs}]\n"));
    }
    let file = s.write("bomb.yaml", &text);
    refused(
        &["check", &file],
        "limits::document_too_big",
        "this looks like an alias bomb",
    );
}

// ---------------------------------------------------------------------------------------
// Rule mistakes tests/cli.rs does not cover

#[track_caller]
fn bad_rule_text(test: &str, rule: &str, code: &str, message: &str) -> String {
    let s = Scratch::new(test);
    let file = s.write("rule.yaml", rule);
    refused(
        &[
            "check",
            "--no-default-rules",
            "--rules",
            &file,
            &example("clean-deployment.json"),
        ],
        code,
        message,
    )
}

#[test]
fn rule_message_with_an_unknown_placeholder_is_refused_on_one_line() {
    let err = bad_rule_text(
        "placeholder",
        &RULE.replace("message: m", "message: \"{x\\ny:z}\""),
        "rule::bad_message",
        "unknown placeholder prefix `x\\ny:`",
    );
    assert_label(&err, 6, "\"{x\\ny:z}\"", "here");
}

#[test]
fn rule_with_two_kinds_of_logic_is_refused() {
    let rule = format!("{RULE}group: {{by: [os], size: {{min: 2}}}}\n");
    let err = bad_rule_text(
        "logic",
        &rule,
        "rule::conflicting_logic",
        "a rule has one of `when`, `group` or `derive`; this one has when and group",
    );
    assert_label(&err, 1, "id: CONTOSO-1", "this rule");
}

#[test]
fn rule_walking_an_unknown_step_is_refused() {
    let err = bad_rule_text(
        "step",
        &RULE.replace(
            "{field: os, equals: windows-nt-3.51}",
            "{related: {via: [parents]}}",
        ),
        "rule::unknown_step",
        "unknown step `parents` in `via`",
    );
    assert!(has(&err, "did you mean `parent`?"), "{err}");
    assert_label(&err, 4, "parents", "here");
}

#[test]
fn rule_deriving_structure_is_refused() {
    let rule = "id: D\ntitle: t\nselect: {kind: postoffice}\nderive:\n  set: {parent: S1}\n";
    let err = bad_rule_text(
        "derive",
        rule,
        "rule::bad_derive",
        "`parent` is structure, not an attribute; it cannot be derived",
    );
    assert_label(&err, 5, "parent", "here");
}

#[test]
fn two_documents_in_one_rule_file_are_refused() {
    let err = bad_rule_text(
        "documents",
        &format!("{RULE}---\n{RULE}"),
        "parse::multiple_documents",
        "the file holds more than one YAML document",
    );
    assert_label(&err, 7, "-", "the file holds more than one YAML document");
}

// ---------------------------------------------------------------------------------------
// Fail closed

#[test]
fn a_check_with_no_rules_exits_2() {
    let err = refused(
        &[
            "check",
            "--no-default-rules",
            &example("clean-deployment.json"),
        ],
        "rules::none_loaded",
        "no check or group rules are loaded, so nothing would be checked",
    );
    assert!(has(&err, "help: drop `--no-default-rules`"), "{err}");
    // Derivations alone check nothing either.
    let derivation = format!("{}/rules/exchange/KB-Q151228-CONNECTOR-SERIAL.yaml", root());
    refused(
        &[
            "check",
            "--no-default-rules",
            "--rules",
            &derivation,
            &example("clean-deployment.json"),
        ],
        "rules::none_loaded",
        "nothing would be checked",
    );
}

/// A planned topology leaving out the values two rules need.
const PLANNED: &str = "version: 1
nodes:
  - {id: C1, kind: cluster}
  - {id: S1, kind: server, parent: C1, product: exchange, version: '5.5', os: windows-2000}
  - {id: PO1, kind: postoffice, parent: S1, network: N, name: P, tags: [planned]}
";

#[test]
fn inconclusive_results_are_for_planned_entities_unless_asked_for_all() {
    let s = Scratch::new("inconclusive-scope");
    let file = s.write("planned.yaml", PLANNED);
    let entities = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["check", "--format", "json", "--fail-on", "never"];
        args.extend(extra);
        args.push(&file);
        let (_, out, err) = kbcheck(&args);
        let doc: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
        let mut ids: Vec<String> = doc["inconclusive"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| format!("{} {}", r["entity"].as_str().unwrap(), r["rule"]))
            .collect();
        ids.dedup();
        ids
    };
    // S1 (a cluster node, not planned) leaves `install.shared-cluster-drive` out, as PO1 (planned) leaves
    // `serial` out: by default only the plan's gaps are inconclusive.
    let planned = entities(&[]);
    assert!(planned.iter().all(|e| e.starts_with("PO1 ")), "{planned:?}");
    assert!(!planned.is_empty());
    let all = entities(&["--inconclusive", "all"]);
    assert!(all.iter().any(|e| e.starts_with("S1 ")), "{all:?}");
    assert!(all.iter().any(|e| e.starts_with("PO1 ")), "{all:?}");
}

#[test]
fn inconclusive_results_are_reported_and_fail_only_when_asked() {
    let s = Scratch::new("inconclusive");
    let file = s.write("planned.yaml", PLANNED);
    // The serial of PO1 is neither written nor derived: KB-Q142196-INVALID-SERIAL cannot be
    // decided. Not a finding, so the default gate passes; listed apart.
    let (exit, out, err) = kbcheck(&["check", "--format", "json", "--fail-on", "never", &file]);
    assert_eq!(exit, Exit::Clean, "{out}{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let list = doc["inconclusive"].as_array().unwrap();
    let serial = list
        .iter()
        .find(|r| r["rule"] == "KB-Q142196-INVALID-SERIAL")
        .unwrap_or_else(|| panic!("{list:?}"));
    assert_eq!(serial["entity"], "PO1");
    assert_eq!(serial["kb"], serde_json::json!(["Q142196"]));
    assert_eq!(serial["location"]["line"], 5);
    assert_eq!(
        serial["missing"],
        serde_json::json!([{"entity": "PO1", "field": "serial"}])
    );
    assert_eq!(doc["summary"]["inconclusive"], list.len());
    assert_eq!(doc["fail_on_inconclusive"], false);
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["rule"] != "KB-Q142196-INVALID-SERIAL"),
        "an undecided rule is not a finding"
    );

    // Human output: one summary line; the details with --show-inconclusive.
    let (_, out, _) = kbcheck(&["check", "--fail-on", "never", &file]);
    assert!(
        out.contains(&format!(
            "{} inconclusive: rules that could not be decided because a value they need is not set (--show-inconclusive lists them)",
            list.len()
        )),
        "{out}"
    );
    assert!(
        !out.contains("inconclusive: KB-Q142196-INVALID-SERIAL"),
        "{out}"
    );
    let (exit, out, _) = kbcheck(&["check", "--fail-on", "never", "--show-inconclusive", &file]);
    assert_eq!(exit, Exit::Clean);
    assert!(
        out.contains("inconclusive: KB-Q142196-INVALID-SERIAL on postoffice `PO1` (")
            && out.contains("planned.yaml:5:5): not set: `serial`"),
        "{out}"
    );

    // A strict gate fails on them.
    let (exit, out, _) = kbcheck(&[
        "check",
        "--fail-on",
        "never",
        "--fail-on-inconclusive",
        "--format",
        "json",
        &file,
    ]);
    assert_eq!(exit, Exit::Findings, "{out}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["summary"]["failing"], list.len());
    assert_eq!(doc["fail_on_inconclusive"], true);

    // Writing the value decides the rule: no longer inconclusive, and no finding.
    let decided = s.write(
        "decided.yaml",
        PLANNED.replace("name: P,", "name: P, serial: '22-12345',"),
    );
    let (_, out, _) = kbcheck(&["check", "--format", "json", &decided]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        doc["inconclusive"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["rule"] != "KB-Q142196-INVALID-SERIAL"),
        "{out}"
    );
}

#[test]
fn explain_marks_unknown_conditions() {
    let s = Scratch::new("explain");
    let file = s.write("planned.yaml", PLANNED);
    let (exit, out, err) = kbcheck(&[
        "explain",
        "KB-Q142196-INVALID-SERIAL",
        "--topology",
        &file,
        "--entity",
        "PO1",
    ]);
    assert_eq!(exit, Exit::Clean, "{err}");
    assert!(
        out.contains(
            "[?] `serial` is `0799-99992`: not set   <- this condition left it undecided: a value it needs is not set"
        ),
        "{out}"
    );
    assert!(out.contains("=> INCONCLUSIVE: not set: `serial`"), "{out}");
    // A false condition is marked as the first failing one.
    let (_, out, _) = kbcheck(&[
        "explain",
        "KB-Q142196-INVALID-SERIAL",
        "--topology",
        &example("exchange-connector-backbone.yaml"),
        "--entity",
        "PO-LEGACY",
    ]);
    assert!(
        out.contains(
            "[ ] `serial` is `0799-99992`: found `21-77311`   <- this condition decided it"
        ),
        "{out}"
    );
}

// ---------------------------------------------------------------------------------------
// docs/errors.md lists every code

/// Every diagnostic code `src/` can emit, as `area::name` (without `kbcheck::`).
fn codes_in_src() -> BTreeSet<String> {
    fn files(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut paths = Vec::new();
    files(&Path::new(root()).join("src"), &mut paths);
    let mut codes = BTreeSet::new();
    let mut reader_areas = BTreeSet::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        // Unit tests quote codes they expect; they are not emitted.
        let text = text.split("#[cfg(test)]").next().unwrap_or("");
        let literals = string_literals(text);
        for (at, lit) in &literals {
            let lit = lit.strip_prefix("kbcheck::").unwrap_or(lit);
            if let Some((area, name)) = lit.split_once("::")
                && is_word(area)
                && is_word(name)
            {
                codes.insert(lit.to_owned());
            }
            // `MapReader::new(file, node, "AREA", ...)` and `string_list(..., "AREA", ...)`
            // report `AREA::expected_map`, `missing_key`, `unknown_key`, `wrong_type`.
            let before = &text[..*at];
            let call = before.rfind('(').map(|p| &before[..p]).unwrap_or("");
            if (call.ends_with("MapReader::new") || call.ends_with("string_list"))
                && is_word(lit)
                && before[before.rfind('(').unwrap_or(0)..]
                    .matches(',')
                    .count()
                    == 2
            {
                reader_areas.insert(lit.to_owned());
            }
        }
        // `cx.error(diags, pos, "NAME", ...)` / `self.error(...)` in the rule compiler, and
        // `cx.error(node, "NAME", ...)` in the operators, report `rule::NAME`.
        let rel = path.strip_prefix(root()).unwrap().display().to_string();
        if rel.starts_with("src/engine") || rel.starts_with("src/lang") {
            for (start, _) in text.match_indices(".error(") {
                let call_start = start + ".error(".len();
                let first = literals
                    .iter()
                    .find(|(at, _)| *at >= call_start)
                    .filter(|(at, _)| !text[call_start..*at].contains(';'));
                if let Some((_, lit)) = first
                    && is_word(lit)
                {
                    codes.insert(format!("rule::{lit}"));
                }
            }
        }
    }
    for area in reader_areas {
        for name in ["expected_map", "missing_key", "unknown_key", "wrong_type"] {
            codes.insert(format!("{area}::{name}"));
        }
    }
    codes
}

fn is_word(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The plain string literals of Rust source, each with the offset of its opening quote.
fn string_literals(text: &str) -> Vec<(usize, String)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            // A char literal such as '"' is not the start of a string.
            b'\'' if bytes.get(i + 2) == Some(&b'\'') => i += 3,
            b'\'' if bytes.get(i + 1) == Some(&b'\\') && bytes.get(i + 3) == Some(&b'\'') => i += 4,
            b'"' => {
                let start = i;
                let mut s = String::new();
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    if let Some(&b) = bytes.get(i) {
                        s.push(char::from(b));
                    }
                    i += 1;
                }
                out.push((start, s));
            }
            _ => {}
        }
        i += 1;
    }
    out
}

#[test]
fn docs_errors_md_lists_every_code() {
    let docs = std::fs::read_to_string(Path::new(root()).join("docs/errors.md")).unwrap();
    let codes = codes_in_src();
    assert!(codes.len() > 60, "the scan found too few codes: {codes:?}");
    for must in [
        "rule::bad_regex",
        "rule::bad_scope",
        "topology::missing_key",
        "waiver::unknown_key",
        "limits::too_many_nodes",
    ] {
        assert!(codes.contains(must), "the scan misses `{must}`: {codes:?}");
    }
    let missing: Vec<&String> = codes
        .iter()
        .filter(|c| !docs.contains(&format!("`kbcheck::{c}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/errors.md does not list: {missing:?}"
    );
    // And the page lists nothing kbcheck cannot emit.
    let listed: Vec<&str> = docs
        .split("`kbcheck::")
        .skip(1)
        .filter_map(|s| s.split('`').next())
        .filter(|c| {
            c.split_once("::")
                .is_some_and(|(a, n)| is_word(a) && is_word(n))
        })
        .collect();
    let stale: Vec<&&str> = listed.iter().filter(|c| !codes.contains(**c)).collect();
    assert!(
        stale.is_empty(),
        "docs/errors.md lists codes not in src: {stale:?}"
    );
    // One row per code: two rows would say two things, and drift apart.
    let mut rows = BTreeSet::new();
    let twice: Vec<&str> = docs
        .lines()
        .filter_map(|l| l.strip_prefix("| `kbcheck::"))
        .filter_map(|l| l.split('`').next())
        .filter(|c| !rows.insert(*c))
        .collect();
    assert!(
        twice.is_empty(),
        "docs/errors.md has more than one row for: {twice:?}"
    );
}

#[test]
fn explain_marks_the_condition_that_decided_not_a_member_of_a_true_any() {
    let s = Scratch::new("explain-decided");
    let rules = s.write(
        "rules/T-DECIDED.yaml",
        "id: T-DECIDED
title: a test rule
kb: [Q000000]
resolution: none
select: {kind: server}
when:
  all:
    - any:
        - {field: product, equals: msmail}
        - {field: version, equals: \"5.5\"}
    - {field: os, equals: os2}
severity: error
message: \"{id}\"
",
    );
    let topo = s.write(
        "plan.yaml",
        "version: 1
nodes:
  - {id: S1, kind: server, product: exchange, version: \"5.5\", os: windows-nt-4.0}
",
    );
    let (exit, out, err) = kbcheck(&[
        "explain",
        "T-DECIDED",
        "--no-default-rules",
        "--rules",
        &rules,
        "--topology",
        &topo,
    ]);
    assert_eq!(exit, Exit::Clean, "{err}");
    let marked: Vec<&str> = out.lines().filter(|l| l.contains("<-")).collect();
    assert_eq!(marked.len(), 1, "{out}");
    assert!(
        marked[0].contains("`os` is `os2`") && marked[0].contains("this condition decided it"),
        "{out}"
    );
}
