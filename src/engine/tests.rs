//! End-to-end tests of rule evaluation: rules compiled from YAML and run by the engine
//! over small topologies (relations, groups, unknown values).

use crate::diagnostic::Diags;
use crate::lang::RuleSet;
use crate::lang::operators::testing::vocab;
use crate::source::SourceFile;
use crate::topology::Topology;

/// Compile `rule` (YAML) with the bundled vocabulary; the diagnostic codes if it fails.
pub(crate) fn compile(rule: &str) -> Result<RuleSet, Vec<String>> {
    compile_with(rule, vocab())
}

/// Compile `rule` (YAML) with `vocab`; the diagnostic codes if it fails.
pub(crate) fn compile_with(
    rule: &str,
    vocab: crate::vocabulary::Vocabulary,
) -> Result<RuleSet, Vec<String>> {
    let file = SourceFile::new("rule.yaml", rule.to_owned());
    let tree =
        crate::parse::parse_document(&file, &Default::default()).map_err(|d| vec![d.code])?;
    let mut diags = Diags::default();
    match crate::lang::compile::compile(&file, &tree, &vocab, &mut diags) {
        Some(r) if !diags.has_errors() => Ok(RuleSet {
            vocab,
            rules: vec![r],
            packs: Vec::new(),
            inconclusive: crate::lang::InconclusiveFor::All,
            warnings: diags,
            today: None,
        }),
        _ => Err(diags.0.iter().map(|d| d.code.clone()).collect()),
    }
}

/// `rule` compiled, and `topology` loaded (both YAML).
pub(crate) fn compiled_on(rule: &str, topology: &str) -> (RuleSet, Topology) {
    compiled_on_with(rule, topology, vocab())
}

/// `rule` compiled with `vocab`, and `topology` loaded (both YAML).
pub(crate) fn compiled_on_with(
    rule: &str,
    topology: &str,
    vocab: crate::vocabulary::Vocabulary,
) -> (RuleSet, Topology) {
    let set = compile_with(rule, vocab).unwrap();
    let file = SourceFile::new("t.yaml", topology.to_owned());
    let tree = crate::parse::parse_document(&file, &Default::default()).unwrap();
    let (topo, diags) = Topology::load(&file, tree, &set.vocab);
    assert!(!diags.has_errors(), "{diags:?}");
    (set, topo.unwrap())
}

/// The entity ids of each finding `rule` gives on `topology` (both YAML).
pub(crate) fn fire(rule: &str, topology: &str) -> Vec<Vec<String>> {
    fire_or_not(rule, topology).0
}

/// Findings as entity ids; inconclusive results as (entity, missing fields).
pub(crate) type Fired = (Vec<Vec<String>>, Vec<(String, Vec<String>)>);

/// The entity ids of each finding, and `(entity, missing fields)` of each inconclusive
/// result.
pub(crate) fn fire_or_not(rule: &str, topology: &str) -> Fired {
    fire_or_not_with(rule, topology, vocab())
}

/// [`fire_or_not`] with another vocabulary.
pub(crate) fn fire_or_not_with(
    rule: &str,
    topology: &str,
    vocab: crate::vocabulary::Vocabulary,
) -> Fired {
    let (set, topo) = compiled_on_with(rule, topology, vocab);
    let results = crate::engine::evaluate_all(&set, &topo);
    let findings = results
        .findings
        .iter()
        .map(|f| {
            f.entities
                .iter()
                .map(|&i| topo.entity(i).id.clone())
                .collect()
        })
        .collect();
    let undecided = results
        .inconclusive
        .iter()
        .map(|r| (topo.entity(r.entity).id.clone(), r.missing_text(&topo)))
        .collect();
    (findings, undecided)
}

pub(crate) const ROUTES: &str = "version: 1
nodes:
  - {id: A, kind: postoffice}
  - {id: B, kind: postoffice}
  - {id: C, kind: postoffice}
links:
  - {kind: external-postoffice, from: A, to: B, route: direct}
  - {kind: external-postoffice, from: B, to: C, route: indirect}
";

fn reaching(link_where: &str) -> Vec<Vec<String>> {
    let rule = format!(
        "{{id: R, title: t, select: {{kind: postoffice}}, severity: error, message: m,
          when: {{related: {{links: [external-postoffice], direction: out, hops: any, link-where: {link_where}, where: {{field: id, equals: C}}}}}}}}"
    );
    fire(&rule, ROUTES)
}

#[test]
fn link_where_follows_only_matching_links() {
    // Over every link, A and B reach C; over direct links only, nobody does.
    assert_eq!(
        reaching("{field: route, in: [direct, indirect]}"),
        vec![vec!["A"], vec!["B"]]
    );
    assert_eq!(
        reaching("{field: route, equals: indirect}"),
        vec![vec!["B"]]
    );
    assert!(reaching("{field: route, equals: direct}").is_empty());
}

#[test]
fn link_where_checks_link_fields() {
    let rule = "{id: R, title: t, select: {kind: postoffice}, severity: error, message: m,
      when: {related: {links: [external-postoffice], link-where: {field: rout, equals: direct}}}}";
    assert_eq!(
        compile(rule).unwrap_err(),
        vec!["kbcheck::rule::unknown_field"]
    );
}

const MACHINE: &str = "version: 1
nodes:
  - {id: S, kind: server, free-drive-letters: 7}
  - {id: E1, kind: external, parent: S, drive-letters: 3}
  - {id: E2, kind: external, parent: S, drive-letters: 3}
  - {id: E3, kind: external, parent: S, drive-letters: 1}
  - {id: E4, kind: external, parent: S}
  - {id: T, kind: server}
";

fn sum_rule(count: &str) -> String {
    format!(
        "{{id: R, title: t, select: {{kind: server}}, severity: error, message: m,
          when: {{related: {{via: children, kind: external, sum: drive-letters, count: {count}}}}}}}"
    )
}

/// MACHINE with E4's drive letters written, so every sum is known.
fn machine_known() -> String {
    MACHINE.replace(
        "{id: E4, kind: external, parent: S}",
        "{id: E4, kind: external, parent: S, drive-letters: 0}",
    )
}

#[test]
fn sum_adds_up_a_field_and_bounds_may_be_fields() {
    let machine = machine_known();
    // S: 3 + 3 + 1 + 0 = 7; T has no instances, a sum of 0.
    assert_eq!(
        fire(&sum_rule("{min: 7, max: 7}"), &machine),
        vec![vec!["S"]]
    );
    assert!(fire(&sum_rule("{min: 8}"), &machine).is_empty());
    assert_eq!(fire(&sum_rule("{max: 0}"), &machine), vec![vec!["T"]]);
    // 7 <= S's 7 free letters; T has no `free-drive-letters`: its bound is unknown.
    let (fired, undecided) = fire_or_not(&sum_rule("{max: {field: free-drive-letters}}"), &machine);
    assert_eq!(fired, vec![vec!["S"]]);
    assert_eq!(
        undecided,
        vec![("T".to_owned(), vec!["free-drive-letters".to_owned()])]
    );
    assert!(
        fire(
            &sum_rule("{min: {field: free-drive-letters}, max: 6}"),
            &machine
        )
        .is_empty()
    );
}

#[test]
fn a_summed_field_that_is_not_set_leaves_the_sum_unknown() {
    // E4 has no `drive-letters`: S's total is 7 plus an unknown, so undecided; T is decided.
    let (fired, undecided) = fire_or_not(&sum_rule("{min: 7, max: 7}"), MACHINE);
    assert!(fired.is_empty());
    assert_eq!(
        undecided,
        vec![("S".to_owned(), vec!["drive-letters of E4".to_owned()])]
    );
    assert_eq!(fire(&sum_rule("{max: 0}"), MACHINE), vec![vec!["T"]]);
}

#[test]
fn count_bounds_may_be_fields_without_sum() {
    let rule = "{id: R, title: t, select: {kind: server}, severity: error, message: m,
      when: {related: {via: children, kind: external, count: {min: {field: free-drive-letters}}}}}";
    // S: 4 instances, at least 7 wanted: false. T: no bound, so unknown.
    let (fired, undecided) = fire_or_not(rule, MACHINE);
    assert!(fired.is_empty());
    assert_eq!(undecided.len(), 1);
    let rule = rule.replace("min:", "max:");
    assert_eq!(fire(&rule, MACHINE), vec![vec!["S"]]);
}

const PLANNED: &str = "version: 1
nodes:
  - {id: S1, kind: server, product: exchange, version: '5.5'}
  - {id: S2, kind: server, product: exchange}
  - {id: S3, kind: server, product: msmail}
  - {id: P1, kind: postoffice, parent: S1, serial: '1-1'}
  - {id: P2, kind: postoffice, parent: S2}
  - {id: P3, kind: postoffice}
";

fn check(when: &str) -> String {
    format!(
        "{{id: R, title: t, select: {{kind: postoffice}}, severity: error, message: m, when: {when}}}"
    )
}

#[test]
fn a_missing_field_makes_a_condition_unknown_not_false() {
    // Kleene logic: `all` is false if any part is, `any` true if any part is; `not` keeps
    // unknown; `exists` / `missing` are always definite.
    let (fired, undecided) = fire_or_not(&check("{field: serial, not-equals: '1-1'}"), PLANNED);
    assert!(fired.is_empty());
    assert_eq!(
        undecided,
        vec![
            ("P2".to_owned(), vec!["serial".to_owned()]),
            ("P3".to_owned(), vec!["serial".to_owned()])
        ]
    );
    let (fired, undecided) = fire_or_not(&check("{not: {field: serial, equals: '1-1'}}"), PLANNED);
    assert!(fired.is_empty());
    assert_eq!(undecided.len(), 2);
    let (fired, undecided) = fire_or_not(
        &check("{all: [{field: serial, equals: '2-2'}, {field: network, equals: N}]}"),
        PLANNED,
    );
    assert!(fired.is_empty());
    assert_eq!(
        undecided.len(),
        2,
        "P1 is definitely false: its serial is 1"
    );
    let (fired, undecided) = fire_or_not(
        &check("{any: [{field: serial, equals: '1-1'}, {field: network, equals: N}]}"),
        PLANNED,
    );
    assert_eq!(fired, vec![vec!["P1"]]);
    assert_eq!(
        undecided,
        vec![
            (
                "P2".to_owned(),
                vec!["network".to_owned(), "serial".to_owned()]
            ),
            (
                "P3".to_owned(),
                vec!["network".to_owned(), "serial".to_owned()]
            )
        ]
    );
    let (fired, undecided) = fire_or_not(&check("{field: serial, missing: true}"), PLANNED);
    assert_eq!(fired, vec![vec!["P2"], vec!["P3"]]);
    assert!(undecided.is_empty());
}

#[test]
fn a_presence_test_in_the_same_group_decides_absence() {
    // The author says what a missing `serial` means, so the other test of it is false.
    let (fired, undecided) = fire_or_not(
        &check(
            "{any: [{field: serial, equals: '1-1'}, {all: [{field: serial, missing: true}, {field: version, of: parent, equals: '5.5'}]}]}",
        ),
        PLANNED,
    );
    assert_eq!(fired, vec![vec!["P1"]]);
    // P2: no serial, and its server's version is unknown; P3: no parent at all.
    assert_eq!(
        undecided,
        vec![
            ("P2".to_owned(), vec!["version of S2".to_owned()]),
            ("P3".to_owned(), vec!["parent".to_owned()])
        ]
    );
}

#[test]
fn relations_propagate_unknown() {
    let rule = |q: &str| {
        format!(
            "{{id: R, title: t, select: {{kind: server}}, severity: error, message: m,
              when: {{related: {{via: children, kind: postoffice, where: {{field: serial, equals: '1-1'}}, {q}}}}}}}"
        )
    };
    // S1: its one postoffice matches. S2: its one is unknown. S3: none at all.
    let (fired, undecided) = fire_or_not(&rule("quantifier: any"), PLANNED);
    assert_eq!(fired, vec![vec!["S1"]]);
    assert_eq!(
        undecided,
        vec![("S2".to_owned(), vec!["serial of P2".to_owned()])]
    );
    let (fired, undecided) = fire_or_not(&rule("quantifier: none"), PLANNED);
    assert_eq!(fired, vec![vec!["S3"]]);
    assert_eq!(undecided.len(), 1);
    let (fired, undecided) = fire_or_not(&rule("quantifier: all"), PLANNED);
    assert_eq!(fired, vec![vec!["S1"]], "`all` over nothing stays false");
    assert_eq!(undecided.len(), 1);
    let (fired, undecided) = fire_or_not(&rule("count: {min: 1, max: 1}"), PLANNED);
    assert_eq!(fired, vec![vec!["S1"]]);
    assert_eq!(undecided.len(), 1, "S2: 0 or 1 matches");
    let (fired, undecided) = fire_or_not(&rule("count: {max: 1}"), PLANNED);
    assert_eq!(
        fired.len(),
        3,
        "0 or 1 match is within at most 1 either way"
    );
    assert!(undecided.is_empty());
}

#[test]
fn sum_and_bounds_are_checked_when_compiled() {
    let no_count = "{id: R, title: t, select: {kind: server}, severity: error, message: m,
      when: {related: {via: children, kind: external, sum: drive-letters}}}";
    assert_eq!(
        compile(no_count).unwrap_err(),
        vec!["kbcheck::rule::bad_argument"]
    );
    let unknown = sum_rule("{max: 3}").replace("sum: drive-letters", "sum: drive-letter");
    assert_eq!(
        compile(&unknown).unwrap_err(),
        vec!["kbcheck::rule::unknown_field"]
    );
    let bad_bound = sum_rule("{max: {field: free-drive-letter}}");
    assert_eq!(
        compile(&bad_bound).unwrap_err(),
        vec!["kbcheck::rule::unknown_field"]
    );
    let backwards = sum_rule("{min: 3, max: 2}");
    assert_eq!(
        compile(&backwards).unwrap_err(),
        vec!["kbcheck::rule::bad_argument"]
    );
}

const DERIVE: &str = "{id: D, title: t, select: {kind: postoffice},
  when: {field: install.disk, equals: 2}, derive: {set: {serial: '0799-99992'}CONFLICT}}";

const WRITTEN: &str = "version: 1
nodes:
  - {id: SAME, kind: postoffice, serial: '0799-99992', install: {disk: 2}}
  - {id: OTHER, kind: postoffice, serial: '22-12345', install: {disk: 2}, tags: [production]}
  - {id: UNSET, kind: postoffice, install: {disk: 2}}
  - {id: DISK1, kind: postoffice, serial: '22-12345', install: {disk: 1}}
";

#[test]
fn a_written_value_wins_silently_unless_the_derivation_says_what_a_conflict_means() {
    assert_eq!(
        fire(&DERIVE.replace("CONFLICT", ""), WRITTEN),
        Vec::<Vec<String>>::new()
    );
    let rule = DERIVE.replace(
        "CONFLICT",
        ", conflict: {severity: [{when: {tag: production}, level: error}, {level: warning}],
           message: 'writes `{serial}`, the article implies 0799-99992'}",
    );
    assert_eq!(fire(&rule, WRITTEN), vec![vec!["OTHER"]]);
    let set = compile(&rule).unwrap();
    let file = SourceFile::new("t.yaml", WRITTEN.to_owned());
    let tree = crate::parse::parse_document(&file, &Default::default()).unwrap();
    let topo = Topology::load(&file, tree, &set.vocab).0.unwrap();
    let findings = crate::engine::evaluate(&set, &topo);
    let [f] = findings.as_slice() else {
        panic!("{findings:?}")
    };
    assert_eq!(f.severity, crate::lang::Level::Error);
    assert_eq!(
        &*f.message,
        "writes `22-12345`, the article implies 0799-99992"
    );
}

#[test]
fn a_conflict_needs_a_severity_and_a_message() {
    let rule = DERIVE.replace("CONFLICT", ", conflict: {message: m}");
    assert_eq!(
        compile(&rule).unwrap_err(),
        vec!["kbcheck::rule::missing_key"]
    );
    let rule = DERIVE.replace("CONFLICT", ", conflict: {severity: error, mesage: m}");
    let codes = compile(&rule).unwrap_err();
    assert!(
        codes.contains(&"kbcheck::rule::unknown_key".to_owned()),
        "{codes:?}"
    );
}

#[test]
fn a_group_finding_names_the_node_its_key_refers_to() {
    // Links grouped by the node they point at name that node too; a key that is a plain
    // value (a drive letter) names nothing more. (KB Q151228 TWO-DRIVES: tests/cli.rs.)
    let topo = "version: 1
nodes:
  - {id: MTA1, kind: pc-mta}
  - {id: PO1, kind: postoffice}
  - {id: PO2, kind: postoffice}
links:
  - {kind: serves, from: MTA1, to: PO1, drive: M}
  - {kind: serves, from: MTA1, to: PO1, drive: N}
  - {kind: serves, from: MTA1, to: PO2, drive: M}
";
    let keys = |by: &str| -> Vec<Vec<String>> {
        let rule = format!(
            "{{id: R, title: t, select: {{link: serves}}, severity: error, message: m,
              group: {{by: [{by}], size: {{min: 2}}}}}}"
        );
        let set = compile(&rule).unwrap();
        let file = SourceFile::new("t.yaml", topo.to_owned());
        let tree = crate::parse::parse_document(&file, &Default::default()).unwrap();
        let topo = Topology::load(&file, tree, &set.vocab).0.unwrap();
        crate::engine::evaluate(&set, &topo)
            .iter()
            .map(|f| {
                f.key_entities
                    .iter()
                    .map(|&i| topo.entity(i).id.clone())
                    .collect()
            })
            .collect()
    };
    assert_eq!(keys("to"), vec![vec!["PO1"]]);
    assert_eq!(keys("drive"), vec![Vec::<String>::new()]);
}
