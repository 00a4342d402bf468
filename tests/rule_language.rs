//! The rule language's constructs end to end through the command line: findings that name
//! bound entities (and the paths walked to them), named conditions, and rule test cases from
//! files and generated nodes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests: a failed step is a failed test"
)]

mod common;
use common::{Scratch, has, kbcheck};
use kbcheck::cli::Exit;

/// Two postoffices under one server with the same name clash; the check rule names both.
const CLASH_RULE: &str = r#"
id: T-SAME-PO-NAME
title: Two postoffices of one server share a name
severity: error
select: {kind: postoffice}
when:
  related:
    path: [parent, children]
    kind: postoffice
    bind: twin
    where: {field: name, equals: {field: name, of: subject}}
report: [twin]
message: postoffice `{id}` has the same name as `{twin}` ({twin:name})
tests:
  - name: two of three share a name
    topology:
      version: 1
      nodes:
        - {id: S, kind: server}
        - {id: A, kind: postoffice, name: P, parent: S}
        - {id: B, kind: postoffice, name: P, parent: S}
        - {id: C, kind: postoffice, name: Q, parent: S}
    expect: [{entities: [A, B]}]
  - name: names differ
    topology:
      version: 1
      nodes:
        - {id: S, kind: server}
        - {id: A, kind: postoffice, name: P, parent: S}
        - {id: B, kind: postoffice, name: Q, parent: S}
    expect: []
"#;

const CLASH_TOPOLOGY: &str = "version: 1
nodes:
  - {id: S, kind: server}
  - {id: A, kind: postoffice, name: P, parent: S}
  - {id: B, kind: postoffice, name: P, parent: S}
  - {id: C, kind: postoffice, name: Q, parent: S}
";

#[test]
fn a_check_rule_finding_names_both_clashing_entities() {
    let dir = Scratch::new("clash");
    let rule = dir.write("rules/clash.yaml", CLASH_RULE);
    let topo = dir.write("t.yaml", CLASH_TOPOLOGY);
    let (exit, out, err) = kbcheck(&[
        "check",
        "--no-default-rules",
        "--rules",
        &rule,
        "--format",
        "json",
        &topo,
    ]);
    assert_eq!(exit, Exit::Findings, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "A–B once, not also B–A:\n{out}");
    let f = &findings[0];
    assert_eq!(f["entities"], serde_json::json!(["A", "B"]));
    assert_eq!(f["locations"].as_array().unwrap().len(), 2);
    assert_eq!(f["message"], "postoffice `A` has the same name as `B` (P)");
    // A two-step path is reachability: the finding shows the way from A to B.
    assert_eq!(f["paths"][0]["binding"], "twin");
    assert_eq!(f["paths"][0]["walked"], serde_json::json!(["A", "S", "B"]));
    let (exit, out, _) = kbcheck(&["test", &rule]);
    assert_eq!(exit, Exit::Clean, "{out}");
}

#[test]
fn sarif_lists_the_bound_entity_as_a_related_location() {
    let dir = Scratch::new("clash-sarif");
    let rule = dir.write("rules/clash.yaml", CLASH_RULE);
    let topo = dir.write("t.yaml", CLASH_TOPOLOGY);
    let (_, out, err) = kbcheck(&[
        "check",
        "--no-default-rules",
        "--rules",
        &rule,
        "--format",
        "sarif",
        &topo,
    ]);
    assert!(err.is_empty(), "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let result = &doc["runs"][0]["results"][0];
    assert_eq!(
        result["relatedLocations"].as_array().map(Vec::len),
        Some(1),
        "{out}"
    );
}

const CONDITIONS: &str = r#"
conditions:
  exchange-5x:
    all:
      - {field: product, equals: exchange}
      - any:
          - {field: version, version: ">=5.0 <6"}
          - {field: version, missing: true}
  on-exchange-5x:
    related: {via: parent, kind: server, where: {use: exchange-5x}}
"#;

fn rule_using(cond: &str) -> String {
    format!(
        r#"
id: T-NAMED
title: a rule using named conditions
severity: warning
select: {{kind: postoffice}}
when: {cond}
message: postoffice `{{id}}` is on Exchange 5.x
tests:
  - name: on 5.5
    topology:
      version: 1
      nodes:
        - {{id: S, kind: server, product: exchange, version: "5.5"}}
        - {{id: P, kind: postoffice, parent: S}}
    expect: [{{entities: [P]}}]
  - name: on 4.0
    topology:
      version: 1
      nodes:
        - {{id: S, kind: server, product: exchange, version: "4.0"}}
        - {{id: P, kind: postoffice, parent: S}}
    expect: []
"#
    )
}

#[test]
fn named_conditions_are_defined_once_and_used_by_name() {
    let dir = Scratch::new("named");
    dir.write("rules/conditions.yaml", CONDITIONS);
    dir.write("rules/r.yaml", rule_using("{use: on-exchange-5x}"));
    let (exit, out, err) = kbcheck(&["test", &dir.path("rules")]);
    assert_eq!(exit, Exit::Clean, "{out}{err}");
    assert!(out.contains("1 passed, 0 failed"), "{out}");
    // A single rule file brings the conditions file beside it.
    let (exit, out, err) = kbcheck(&["test", &dir.path("rules/r.yaml")]);
    assert_eq!(exit, Exit::Clean, "{out}{err}");
}

#[test]
fn an_unknown_named_condition_is_a_load_error_with_a_suggestion() {
    let dir = Scratch::new("named-unknown");
    dir.write("rules/conditions.yaml", CONDITIONS);
    dir.write("rules/r.yaml", rule_using("{use: on-exchange-5}"));
    let (exit, _, err) = kbcheck(&["test", &dir.path("rules")]);
    assert_eq!(exit, Exit::Invalid);
    assert!(has(&err, "no named condition `on-exchange-5`"), "{err}");
    assert!(has(&err, "on-exchange-5x"), "the suggestion:\n{err}");
    assert!(has(&err, "r.yaml:6:"), "the span is in the rule:\n{err}");
}

#[test]
fn a_named_condition_that_uses_itself_is_a_load_error() {
    let dir = Scratch::new("named-cycle");
    dir.write(
        "rules/conditions.yaml",
        "conditions:\n  a: {any: [{use: b}]}\n  b: {not: {use: a}}\n",
    );
    dir.write("rules/r.yaml", rule_using("{use: a}"));
    let (exit, _, err) = kbcheck(&["test", &dir.path("rules")]);
    assert_eq!(exit, Exit::Invalid);
    assert!(has(&err, "kbcheck::rule::condition_cycle"), "{err}");
    assert!(
        has(&err, "named condition `a` uses itself (`a` → `b` → `a`)"),
        "{err}"
    );
}

#[test]
fn a_named_condition_of_the_wrong_shape_is_a_load_error_in_its_file() {
    let dir = Scratch::new("named-shape");
    dir.write(
        "rules/conditions.yaml",
        "conditions:\n  listed: [{tag: production}]\n  unknown-field: {field: serail, exists: true}\n",
    );
    dir.write("rules/r.yaml", rule_using("{use: unknown-field}"));
    let (exit, _, err) = kbcheck(&["test", &dir.path("rules")]);
    assert_eq!(exit, Exit::Invalid);
    assert!(
        has(
            &err,
            "named condition `listed` must be a condition map, found a list"
        ),
        "{err}"
    );
    assert!(
        has(&err, "conditions.yaml:3:"),
        "the field error points into the conditions file:\n{err}"
    );
    assert!(has(&err, "no vocabulary declares `serail`"), "{err}");
    assert!(
        has(
            &err,
            "named condition `unknown-field` does not fit where it is used"
        ),
        "{err}"
    );
}

const MANY_RULE: &str = r#"
id: T-MANY-POSTOFFICES
title: a server with more than 150 postoffices
severity: warning
select: {kind: server}
when: {related: {via: children, kind: postoffice, count: {min: 151}}}
message: server `{id}` has more than 150 postoffices
tests:
  - name: 200 postoffices under one server
    topology: {version: 1, nodes: [{id: S, kind: server}]}
    generate:
      - {count: 200, node: {id: "PO-{i}", kind: postoffice, parent: S, name: "P{i}"}}
    expect: [{entities: [S]}]
  - name: 150 postoffices, from a file
    topology-file: cases/one-server.yaml
    generate:
      - {count: 150, node: {id: "PO-{i}", kind: postoffice, parent: S}}
    expect: []
"#;

#[test]
fn a_case_reads_its_topology_from_a_file_and_generates_nodes() {
    let dir = Scratch::new("cases");
    let rule = dir.write("rules/many.yaml", MANY_RULE);
    dir.write(
        "rules/cases/one-server.yaml",
        "version: 1\nnodes:\n  - {id: S, kind: server}\n",
    );
    // The case file is not taken for a rule when the folder is loaded.
    let (exit, out, err) = kbcheck(&["test", &dir.path("rules")]);
    assert_eq!(exit, Exit::Clean, "{out}{err}");
    let (exit, out, err) = kbcheck(&["test", &rule]);
    assert_eq!(exit, Exit::Clean, "{out}{err}");
    // A missing case file is a load error naming where it was looked for.
    std::fs::remove_file(dir.path("rules/cases/one-server.yaml")).unwrap();
    let (exit, _, err) = kbcheck(&["test", &rule]);
    assert_eq!(exit, Exit::Invalid);
    assert!(
        has(
            &err,
            "cannot read the case topology `cases/one-server.yaml`"
        ),
        "{err}"
    );
}

#[test]
fn a_generated_node_that_breaks_the_topology_fails_its_case_with_its_line() {
    let dir = Scratch::new("cases-bad");
    let rule = dir.write(
        "rules/many.yaml",
        MANY_RULE.replace("parent: S, name:", "parent: NOPE, name:"),
    );
    dir.write(
        "rules/cases/one-server.yaml",
        "version: 1\nnodes:\n  - {id: S, kind: server}\n",
    );
    let (exit, out, _) = kbcheck(&["test", &rule]);
    assert_eq!(exit, Exit::Findings, "{out}");
    assert!(out.contains("invalid topology"), "{out}");
}

#[test]
fn an_inherited_attribute_is_read_from_the_nearest_ancestor_and_explain_says_so() {
    let dir = Scratch::new("inherited");
    let rule = dir.write(
        "rules/site.yaml",
        r#"
id: T-SITE-COLON
title: a postoffice in a site whose name has a colon
severity: error
select: {kind: postoffice}
when: {field: site, contains: ":"}
message: postoffice `{id}` is in site `{site}`
tests:
  - name: the site comes from the server
    topology: {version: 1, nodes: [{id: S, kind: server, site: "A:B"}, {id: P, kind: postoffice, parent: S}]}
    expect: [{entities: [P]}]
  - name: a postoffice's own site wins
    topology: {version: 1, nodes: [{id: S, kind: server, site: "A:B"}, {id: P, kind: postoffice, parent: S, site: AB}]}
    expect: []
"#,
    );
    let topo = dir.write(
        "t.yaml",
        "version: 1\ndefaults: {site: DEFAULT}\nnodes:\n  - {id: S, kind: server, site: \"HQ:1\"}\n  - {id: M, kind: pc-mta, parent: S}\n  - {id: P, kind: postoffice, parent: M}\n  - {id: Q, kind: postoffice}\n",
    );
    let (exit, out, err) = kbcheck(&["test", &rule]);
    assert_eq!(exit, Exit::Clean, "{out}{err}");
    let (_, out, err) = kbcheck(&[
        "explain",
        "--no-default-rules",
        "--rules",
        &rule,
        "T-SITE-COLON",
        "--topology",
        &topo,
    ]);
    assert!(err.is_empty(), "{err}");
    // Two levels up, before the topology's defaults; a node without ancestors takes the default.
    assert!(out.contains("found `HQ:1`, inherited from `S`"), "{out}");
    assert!(out.contains("found `DEFAULT`"), "{out}");
}

#[test]
fn the_diagram_draws_the_path_a_binding_was_reached_by() {
    let dir = Scratch::new("witness-diagram");
    let topo = dir.write(
        "t.yaml",
        "version: 1
nodes:
  - {id: A, kind: postoffice}
  - {id: B, kind: postoffice}
  - {id: C, kind: postoffice}
  - {id: G, kind: postoffice}
  - {id: GW, kind: gateway, parent: G}
links:
  - {id: AB, kind: msmail-connector, from: A, to: B}
  - {id: BG, kind: msmail-connector, from: B, to: G}
  - {id: AC, kind: msmail-connector, from: A, to: C}
",
    );
    let rule = format!(
        "{}/docs/examples/rule-language/through.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let (_, out, err) = kbcheck(&[
        "graph",
        "--no-default-rules",
        "--rules",
        &rule,
        "--format",
        "mermaid",
        &topo,
    ]);
    assert!(err.is_empty(), "{err}");
    assert!(
        out.contains("B<br/>postoffice<br/>info EX-POSTOFFICE-CHAIN (path)"),
        "{out}"
    );
    assert!(
        out.contains("msmail-connector AB<br/>info EX-POSTOFFICE-CHAIN (path)"),
        "{out}"
    );
    assert!(
        out.contains("msmail-connector BG<br/>info EX-POSTOFFICE-CHAIN (path)"),
        "{out}"
    );
    assert!(
        out.contains("|\"msmail-connector AC\"|"),
        "AC is not on the path:\n{out}"
    );
}

#[test]
fn the_documented_examples_pass_their_cases_and_are_in_the_guide() {
    let root = env!("CARGO_MANIFEST_DIR");
    let dir = format!("{root}/docs/examples/rule-language");
    let (exit, out, err) = kbcheck(&["test", &dir]);
    assert_eq!(exit, Exit::Clean, "{out}{err}");
    assert!(out.ends_with("8 passed, 0 failed\n"), "{out}");
    let guide = std::fs::read_to_string(format!("{root}/docs/rules.md")).unwrap();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".yaml") {
            assert!(
                guide.contains(&format!("examples/rule-language/{name}")),
                "docs/rules.md does not show `{name}`"
            );
        }
    }
}

/// A pack's own vocabulary with a date and a list of time windows, a rule about "today" and a
/// rule about overlapping windows: no rebuild needed.
const FAX_VOCABULARY: &str = r#"
nodes:
  fax-server:
    description: A fax server MS Mail users send faxes through.
    attributes:
      commissioned: {type: date, description: The day the fax server went into service.}
      send-windows:
        type: array
        items: {type: time-window}
        description: The daily windows the server sends faxes in.
      cheap-rate: {type: time-window, description: The window calls cost least in.}
"#;

const FAX_AGE_RULE: &str = r#"
id: T-FAX-AGE
title: A fax server in service for more than a year
select: {kind: fax-server}
when:
  all:
    - {field: commissioned, as: date, gte: 2000-01-01}
    - {value: {days-since: {field: commissioned}}, gt: 365}
severity: warning
message: "fax server `{id}` went into service on {commissioned}"
tests:
  - name: 366 days before today
    today: 2025-06-30
    topology: {version: 1, nodes: [{id: F, kind: fax-server, commissioned: 2024-06-29}]}
    expect: [{entities: [F]}]
  - name: 365 days before today, and a date before 2000
    today: 2025-06-30
    topology:
      version: 1
      nodes:
        - {id: F, kind: fax-server, commissioned: 2024-06-30}
        - {id: G, kind: fax-server, commissioned: 1999-12-31}
    expect: []
  - name: on the run's today (`--today`)
    topology: {version: 1, nodes: [{id: F, kind: fax-server, commissioned: 2024-01-01}]}
    expect: [{entities: [F]}]
"#;

const FAX_WINDOW_RULE: &str = r#"
id: T-FAX-PEAK
title: A fax server sends outside the cheap rate only
select: {kind: fax-server}
when: {not: {field: send-windows, overlaps: {field: cheap-rate}}}
severity: warning
message: "fax server `{id}` sends at {send-windows}, never in the cheap rate {cheap-rate}"
tests:
  - name: sending 08:00-18:00 while the cheap rate runs 18:00-08:00 (touching both ends)
    topology: {version: 1, nodes: [{id: F, kind: fax-server, send-windows: ["08:00-18:00"], cheap-rate: "18:00-08:00"}]}
    expect: [{entities: [F]}]
  - name: one window a minute into the cheap rate, past midnight
    topology: {version: 1, nodes: [{id: F, kind: fax-server, send-windows: ["12:00-13:00", "07:59-08:30"], cheap-rate: "18:00-08:00"}]}
    expect: []
"#;

const FAX_TOPOLOGY: &str = r#"version: 1
nodes:
  - {id: OLD, kind: fax-server, commissioned: 2024-01-01, send-windows: ["09:00-17:00"], cheap-rate: "22:00-06:00"}
  - {id: NEW, kind: fax-server, commissioned: 2025-06-01, send-windows: ["21:00-23:00"], cheap-rate: "22:00-06:00"}
"#;

#[test]
fn a_fresh_pack_with_date_and_window_rules_passes_its_tests_and_fires_on_today() {
    let dir = Scratch::new("dates");
    dir.write("pack/vocabulary.yaml", FAX_VOCABULARY);
    dir.write("pack/age.yaml", FAX_AGE_RULE);
    dir.write("pack/peak.yaml", FAX_WINDOW_RULE);
    let pack = dir.path("pack");
    let topo = dir.write("t.yaml", FAX_TOPOLOGY);
    // The case without `today:` runs on `--today`: a year and a half after 2024-01-01, but not
    // a year after it.
    let (exit, out, err) = kbcheck(&["test", "--today", "2025-06-30", &pack]);
    assert_eq!(exit, Exit::Clean, "{out}{err}");
    assert!(out.contains("ok   T-FAX-AGE (3 cases)"), "{out}");
    assert!(out.contains("ok   T-FAX-PEAK (2 cases)"), "{out}");
    let (exit, out, _) = kbcheck(&["test", "--today", "2024-12-31", &pack]);
    assert_eq!(exit, Exit::Findings, "{out}");
    assert!(out.contains("on the run's today"), "{out}");
    let check = |today: &str| {
        let (exit, out, err) = kbcheck(&[
            "check",
            "--no-default-rules",
            "--rules",
            &pack,
            "--today",
            today,
            "--format",
            "json",
            &topo,
        ]);
        assert!(err.is_empty(), "{err}");
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        let mut got: Vec<String> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{} {}",
                    f["rule"].as_str().unwrap(),
                    f["entities"][0].as_str().unwrap()
                )
            })
            .collect();
        got.sort();
        (exit, got)
    };
    // OLD sends only outside its cheap rate; NEW's 21:00-23:00 overlaps 22:00-06:00.
    let (exit, got) = check("2025-06-30");
    assert_eq!(exit, Exit::Clean, "warnings do not fail the run");
    assert_eq!(got, ["T-FAX-AGE OLD", "T-FAX-PEAK OLD"]);
    let (_, got) = check("2024-12-31");
    assert_eq!(
        got,
        ["T-FAX-PEAK OLD"],
        "365 days after 2024-01-01 is not more than a year"
    );
    // `explain` compares with the same today, and shows the days it computed.
    let (_, out, _) = kbcheck(&[
        "explain",
        "T-FAX-AGE",
        "--no-default-rules",
        "--rules",
        &pack,
        "--today",
        "2025-06-30",
        "--topology",
        &topo,
        "--entity",
        "OLD",
    ]);
    assert!(out.contains("days-since(`commissioned`) = `546`"), "{out}");
    // A today that is not a date, and a topology date that does not exist, stop the run.
    let (exit, _, err) = kbcheck(&["test", "--today", "2025-02-30", &pack]);
    assert_eq!(exit, Exit::Invalid);
    assert!(has(&err, "February 2025 has 28 days"), "{err}");
    let bad = dir.write(
        "bad.yaml",
        "version: 1\nnodes:\n  - {id: F, kind: fax-server, cheap-rate: '18:00-18:00'}\n",
    );
    let (exit, _, err) = kbcheck(&["check", "--no-default-rules", "--rules", &pack, &bad]);
    assert_eq!(exit, Exit::Invalid);
    assert!(has(&err, "kbcheck::topology::wrong_type"), "{err}");
    assert!(has(&err, "bad.yaml:3:43"), "{err}");
}

/// A gateway rule whose must-not-fire case is a near miss written with `NEAR_MISS`.
fn near_miss_rule(near_miss: &str) -> String {
    format!(
        r#"
id: T-PROFS-GATEWAY
title: a PROFS gateway
severity: warning
select: {{kind: gateway}}
when: {{field: type, equals: profs}}
message: gateway `{{id}}` is a PROFS gateway
tests:
  - name: a PROFS gateway
    topology: {{version: 1, nodes: [{{id: PO, kind: postoffice}}, {{id: G, kind: gateway, parent: PO, type: profs}}]}}
    expect: [{{entities: [G]}}]
  - name: the near miss
    topology:
      version: 1
      nodes:
        - {{id: PO, kind: postoffice}}
        - {near_miss}
    expect: []
"#
    )
}

#[test]
fn a_case_with_a_word_the_vocabulary_does_not_know_fails_with_its_place_and_a_suggestion() {
    let dir = Scratch::new("case-words");
    // Before, both near misses passed: no gateway was selected, or `colour` was not read.
    for (near_miss, says, line_col) in [
        (
            "{id: G, kind: gatway, parent: PO, type: snads}",
            "unknown node kind `gatway`",
            ":17:25:",
        ),
        (
            "{id: G, kind: gateway, parent: PO, type: snads, colour: red}",
            "unknown attribute `colour` on a `gateway`",
            ":17:59:",
        ),
        (
            "{id: G, kind: gateway, parent: PO, type: snads, version: 3}",
            "`version` of a `gateway` has a wrong value",
            ":17:68:",
        ),
    ] {
        let rule = dir.write("rules/profs.yaml", near_miss_rule(near_miss));
        let (exit, out, err) = kbcheck(&["test", &rule]);
        assert_eq!(exit, Exit::Findings, "{near_miss}: {out}{err}");
        assert!(out.contains("FAIL T-PROFS-GATEWAY"), "{out}");
        assert!(out.contains("case `the near miss`"), "{out}");
        assert!(out.contains("invalid topology: "), "{out}");
        assert!(
            out.contains(&format!("profs.yaml{line_col} {says}")),
            "{out}"
        );
        assert!(out.contains("help: "), "{out}");
    }
    let rule = dir.write(
        "rules/profs.yaml",
        near_miss_rule("{id: G, kind: gatway, parent: PO, type: snads}"),
    );
    let (_, out, _) = kbcheck(&["test", &rule]);
    assert!(out.contains("did you mean `gateway`?"), "{out}");
    // `strict: false` allows words no vocabulary knows, on purpose; a wrong type still fails.
    let lenient = near_miss_rule("{id: G, kind: gateway, parent: PO, type: snads, colour: red}")
        .replace("expect: []", "strict: false\n    expect: []");
    let rule = dir.write("rules/profs.yaml", lenient);
    let (exit, out, err) = kbcheck(&["test", &rule]);
    assert_eq!(exit, Exit::Clean, "{out}{err}");
}

/// A derivation in one file that another file's rule reads.
const DERIVING_RULE: &str = r#"
id: T-DERIVE-SERIAL
title: a connector-made postoffice has the connector's serial
select: {kind: postoffice}
when: {field: created-by, equals: msmail-connector}
derive:
  set: {serial: "22-28798"}
tests:
  - name: made by the connector
    topology: {version: 1, nodes: [{id: P, kind: postoffice, created-by: msmail-connector}]}
    expect: [{entities: [P]}]
  - name: made by hand
    topology: {version: 1, nodes: [{id: P, kind: postoffice, created-by: setup}]}
    expect: []
"#;

const READING_RULE: &str = r#"
id: T-READ-SERIAL
title: a postoffice with the connector's serial
severity: warning
select: {kind: postoffice}
when: {field: serial, equals: "22-28798"}
message: postoffice `{id}` has serial {serial}
tests:
  - name: the serial comes from the derivation in the other file
    topology: {version: 1, nodes: [{id: P, kind: postoffice, created-by: msmail-connector}]}
    expect: [{entities: [P]}]
  - name: another serial
    topology: {version: 1, nodes: [{id: P, kind: postoffice, serial: "10-1"}]}
    expect: []
"#;

#[test]
fn a_file_tested_alone_gets_the_derivations_of_its_folder() {
    let dir = Scratch::new("folder-derivations");
    dir.write("rules/derive.yaml", DERIVING_RULE);
    let file = dir.write("rules/read.yaml", READING_RULE);
    let (exit, folder_out, err) = kbcheck(&["test", &dir.path("rules")]);
    assert_eq!(exit, Exit::Clean, "{folder_out}{err}");
    // Before, the file alone lacked the derivation and its firing case failed.
    let (exit, out, err) = kbcheck(&["test", &file]);
    assert_eq!(exit, Exit::Clean, "{out}{err}");
    assert_eq!(out, "ok   T-READ-SERIAL (2 cases)\n1 passed, 0 failed\n");
    assert!(
        folder_out.contains("ok   T-READ-SERIAL (2 cases)"),
        "{folder_out}"
    );
    // A folder that does not load adds nothing, and says so.
    dir.write("rules/broken.yaml", "id: T-BROKEN\n");
    let (exit, out, err) = kbcheck(&["test", &file]);
    assert_eq!(exit, Exit::Findings, "{out}{err}");
    assert!(out.contains("missing: expected a finding on [P]"), "{out}");
    assert!(
        has(&err, "the derivations of the other rule files in"),
        "{err}"
    );
}

#[test]
fn explain_heads_the_when_tree_apart_from_the_selection() {
    let dir = Scratch::new("explain-when");
    let rule = dir.write(
        "rules/gw.yaml",
        near_miss_rule("{id: G, kind: gateway, parent: PO, type: snads}").replace(
            "select: {kind: gateway}",
            "select: {kind: gateway, where: {field: version, exists: true}}",
        ),
    );
    let topo = dir.write(
        "t.yaml",
        "version: 1\nnodes:\n  - {id: PO, kind: postoffice}\n  - {id: G, kind: gateway, parent: PO, type: profs, version: \"3.0\"}\n",
    );
    let (exit, out, err) = kbcheck(&[
        "explain",
        "T-PROFS-GATEWAY",
        "--no-default-rules",
        "--rules",
        &rule,
        "--topology",
        &topo,
    ]);
    assert_eq!(exit, Exit::Clean, "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    let select = lines
        .iter()
        .position(|l| *l == "    select where:")
        .expect(&out);
    let when = lines.iter().position(|l| *l == "    when:").expect(&out);
    let type_test = lines
        .iter()
        .position(|l| l.contains("`type` is `profs`"))
        .expect(&out);
    let version_test = lines
        .iter()
        .position(|l| l.contains("`version` is set"))
        .expect(&out);
    assert!(
        select < version_test && version_test < when && when < type_test,
        "{out}"
    );
}
