//! Aggregates over relations (`{sum: F, over: REL}`, `{count: true, over: REL}`, `min`,
//! `max`), `{let: NAME}` in conditions, and group keys computed from list elements
//! (`{each: F, value: EXPR}`): values, what is unknown, load errors, every place a value goes.

use super::expr_tests::load_error;
use crate::engine::tests::{compile, fire, fire_or_not};

/// Machines with MMTA instances: `S` (7 + 6 letters, 21 free), `T` (one instance whose
/// letters are not written, 4 free), `U` (no instance, 3 free).
const TOPO: &str = "version: 1
nodes:
  - {id: S, kind: server, free-drive-letters: 21}
  - {id: E1, kind: external, parent: S, drive-letters: 7, platform: os2}
  - {id: E2, kind: external, parent: S, drive-letters: 6, platform: windows-nt}
  - {id: P, kind: postoffice, parent: S}
  - {id: T, kind: server, free-drive-letters: 4}
  - {id: E3, kind: external, parent: T, platform: os2}
  - {id: U, kind: server, free-drive-letters: 3}
";

fn server_rule(when: &str) -> String {
    format!(
        "{{id: R, title: t, select: {{kind: server}}, severity: error, message: m, when: {when}}}"
    )
}

fn run(when: &str) -> (Vec<String>, Vec<(String, Vec<String>)>) {
    let (f, u) = fire_or_not(&server_rule(when), TOPO);
    (f.into_iter().flatten().collect(), u)
}

const OVER: &str = "{via: children, kind: external}";

#[test]
fn sum_over_children_is_a_value_compared_with_any_operator() {
    // 13 on S; unknown on T (E3 has no `drive-letters`); 0 on U (nothing reached).
    let (f, u) = run(&format!(
        "{{value: {{sum: drive-letters, over: {OVER}}}, gt: 12}}"
    ));
    assert_eq!(f, ["S"]);
    assert_eq!(
        u,
        [("T".to_owned(), vec!["drive-letters of E3".to_owned()])]
    );
    let (f, _) = run(&format!(
        "{{value: {{sum: drive-letters, over: {OVER}}}, equals: 0}}"
    ));
    assert_eq!(f, ["U"]);
    // A decimal bound, which `count: {min}` cannot say.
    let (f, _) = run(&format!(
        "{{value: {{sum: drive-letters, over: {OVER}}}, gt: 12.5}}"
    ));
    assert_eq!(f, ["S"]);
    // Against a field of the entity, as an operand.
    let (f, _) = run(&format!(
        "{{field: free-drive-letters, lt: {{mul: [{{sum: drive-letters, over: {OVER}}}, 2]}}}}"
    ));
    assert_eq!(f, ["S"]);
}

#[test]
fn count_min_and_max_over_a_relation() {
    let (f, u) = run(&format!(
        "{{value: {{count: true, over: {OVER}}}, equals: 2}}"
    ));
    assert_eq!((f, u), (vec!["S".to_owned()], vec![]));
    // `where` says which count; an unknown `where` leaves the count unknown.
    let (f, u) = run(
        "{value: {count: true, over: {via: children, kind: external, where: {field: platform, equals: os2}}}, gte: 1}",
    );
    assert_eq!((f, u), (vec!["S".to_owned(), "T".to_owned()], vec![]));
    let (f, u) = run(
        "{value: {count: true, over: {via: children, kind: external, where: {field: drive-letters, gt: 6}}}, equals: 1}",
    );
    assert_eq!(f, ["S"]);
    assert_eq!(
        u,
        [("T".to_owned(), vec!["drive-letters of E3".to_owned()])]
    );
    let (f, _) = run(&format!(
        "{{value: {{max: drive-letters, over: {OVER}}}, equals: 7}}"
    ));
    assert_eq!(f, ["S"]);
    let (f, _) = run(&format!(
        "{{value: {{min: drive-letters, over: {OVER}}}, equals: 6}}"
    ));
    assert_eq!(f, ["S"]);
    // Over nothing, `min` and `max` have no value: false (U), where T's is unknown.
    let (f, u) = run(&format!(
        "{{value: {{max: drive-letters, over: {OVER}}}, gte: 0}}"
    ));
    assert_eq!(
        (f, u),
        (
            vec!["S".to_owned()],
            vec![("T".to_owned(), vec!["drive-letters of E3".to_owned()])]
        )
    );
    // A computed value per reached entity.
    let (f, _) = run(&format!(
        "{{value: {{sum: {{mul: [{{field: drive-letters}}, 2]}}, over: {OVER}}}, equals: 26}}"
    ));
    assert_eq!(f, ["S"]);
}

#[test]
fn multi_hop_walks_and_paths_aggregate_what_they_reach() {
    // From a postoffice, over its parent to the instances beside it.
    let rule = "{id: R, title: t, select: {kind: postoffice}, severity: error, message: m,
      when: {value: {sum: drive-letters, over: {path: [parent, {via: children, kind: external}]}}, equals: 13}}";
    assert_eq!(fire(rule, TOPO), [["P"]]);
    let chain = crate::engine::tests::ROUTES;
    let rule = "{id: R, title: t, select: {kind: postoffice}, severity: error, message: m,
      when: {value: {count: true, over: {links: [external-postoffice], direction: out, hops: any}}, gte: 2}}";
    assert_eq!(fire(rule, chain), [["A"]]);
}

#[test]
fn the_total_prints_in_messages_and_keys_groups() {
    let rule = format!(
        "{{id: R, title: t, select: {{kind: server}}, severity: error,
      let: {{taken: {{sum: drive-letters, over: {OVER}}}}},
      when: {{value: {{let: taken}}, gt: {{field: free-drive-letters}}}},
      message: '`{{id}}` takes {{taken}} of {{free-drive-letters}}'}}"
    );
    let topo = TOPO.replace("free-drive-letters: 21", "free-drive-letters: 12");
    assert_eq!(
        super::expr_tests::messages(&rule, &topo),
        ["`S` takes 13 of 12"]
    );
    // As a group key: servers with the same number of instances.
    let rule = format!(
        "{{id: R, title: t, select: {{kind: server}}, severity: error, message: '{{members}} {{key}}',
      group: {{by: [{{count: true, over: {OVER}}}], size: {{min: 2}}}}}}"
    );
    let topo = TOPO.replace(
        "  - {id: U, kind: server, free-drive-letters: 3}\n",
        "  - {id: U, kind: server}\n  - {id: E4, kind: external, parent: U}\n",
    );
    assert_eq!(super::expr_tests::messages(&rule, &topo), ["T, U 1"]);
}

#[test]
fn a_derivation_sets_an_aggregate() {
    let rule = format!(
        "{{id: R, title: t, select: {{kind: server}},
      derive: {{set: {{free-drive-letters: {{sum: drive-letters, over: {OVER}}}}}}}}}"
    );
    let topo = "version: 1
nodes:
  - {id: S, kind: server}
  - {id: E1, kind: external, parent: S, drive-letters: 7}
  - {id: W, kind: server, free-drive-letters: 2}
";
    let derived = super::expr_tests::derived(&rule, topo);
    assert_eq!(derived, [("S".to_owned(), "7".to_owned())]);
}

#[test]
fn aggregate_load_errors_point_at_what_is_wrong() {
    let (code, text) = load_error(&server_rule(
        "{value: {sum: drive-letters, over: {via: children, kind: external, count: {min: 2}}}, gt: 1}",
    ));
    assert_eq!(
        (code.as_str(), text.as_str()),
        ("kbcheck::rule::bad_expression", "count")
    );
    let (code, text) = load_error(&server_rule(
        "{value: {count: 1, over: {via: children}}, gt: 1}",
    ));
    assert_eq!(
        (code.as_str(), text.as_str()),
        ("kbcheck::rule::bad_expression", "1")
    );
    let (code, text) = load_error(&server_rule(
        "{value: {sum: version, over: {via: children, kind: external}}, gt: 1}",
    ));
    assert_eq!(
        (code.as_str(), text.as_str()),
        ("kbcheck::rule::expression_type", "version")
    );
    let (code, text) = load_error(&server_rule(
        "{value: {sum: drive-letter, over: {via: children, kind: external}}, gt: 1}",
    ));
    assert_eq!(
        (code.as_str(), text.as_str()),
        ("kbcheck::rule::unknown_field", "drive-letter")
    );
    let (code, _) = load_error(&server_rule("{value: {sum: drive-letters}, gt: 1}"));
    assert_eq!(code, "kbcheck::rule::bad_expression");
    let (code, text) = load_error(&server_rule(
        "{value: {length: {field: id}, over: {via: children}}, gt: 1}",
    ));
    assert_eq!(
        (code.as_str(), text.as_str()),
        ("kbcheck::rule::unknown_key", "over")
    );
    // A strict bound on a relation's count points at the aggregate.
    let (code, text) = load_error(&server_rule(
        "{related: {via: children, kind: external, count: {gt: 2}}}",
    ));
    assert_eq!(
        (code.as_str(), text.as_str()),
        ("kbcheck::rule::bad_argument", "gt")
    );
}

#[test]
fn a_count_bound_with_gt_says_to_write_an_aggregate() {
    let vocab = crate::lang::operators::testing::vocab();
    let rule = server_rule("{related: {via: children, kind: external, count: {gt: 2}}}");
    let file = crate::source::SourceFile::new("rule.yaml", rule);
    let tree = crate::parse::parse_document(&file, &Default::default()).unwrap();
    let mut diags = crate::diagnostic::Diags::default();
    let _ = crate::lang::compile::compile(&file, &tree, &vocab, &mut diags);
    let help = diags.iter().find_map(|d| d.help.clone()).unwrap();
    assert!(help.contains("{value: {count: true, over:"), "{help}");
}

#[test]
fn let_names_are_read_in_conditions_on_the_selected_entity() {
    // Inside a relation's `where`, `{let: NAME}` is still the selected entity's value.
    let rule = "{id: R, title: t, select: {kind: server}, severity: error, message: '{free}',
      let: {free: {field: free-drive-letters}, half: {div: [{let: free}, 2]}},
      when: {related: {via: children, kind: external, where: {field: drive-letters, gt: {let: half}}}}}";
    // S: half 10.5, no instance above; T: half 2, E3 unknown; U: nothing reached.
    let (f, u) = fire_or_not(rule, &TOPO.replace("drive-letters: 7", "drive-letters: 11"));
    assert_eq!(f, [["S"]]);
    assert_eq!(
        u,
        [("T".to_owned(), vec!["drive-letters of E3".to_owned()])]
    );
    // A `let` name that is unknown names the selected entity's unset field.
    let rule = "{id: R, title: t, select: {kind: external}, severity: error, message: m,
      let: {free: {field: free-drive-letters, of: parent}},
      when: {value: {let: free}, lt: 5}}";
    let topo = "version: 1
nodes:
  - {id: S, kind: server}
  - {id: E, kind: external, parent: S}
";
    let (f, u) = fire_or_not(rule, topo);
    assert!(f.is_empty());
    assert_eq!(
        u,
        [("E".to_owned(), vec!["free-drive-letters of S".to_owned()])]
    );
}

#[test]
fn let_load_errors_unknown_names_and_cycles() {
    let (code, text) = load_error(
        "{id: R, title: t, select: {kind: server}, severity: error, message: m,
      let: {free: {field: free-drive-letters}}, when: {value: {let: fre}, gt: 1}}",
    );
    assert_eq!(
        (code.as_str(), text.as_str()),
        ("kbcheck::rule::unknown_let", "fre")
    );
    let (code, text) = load_error(
        "{id: R, title: t, select: {kind: server}, severity: error, message: m,
      let: {a: {add: [{let: b}, 1]}, b: {add: [{let: a}, 1]}}, when: {value: {let: a}, gt: 1}}",
    );
    assert_eq!(
        (code.as_str(), text.as_str()),
        ("kbcheck::rule::let_cycle", "a")
    );
    // Only the cycle is reported, not the uses of the names it left uncompiled.
    assert_eq!(
        compile(
            "{id: R, title: t, select: {kind: server}, severity: error, message: m,
      let: {a: {let: a}}, when: {value: {let: a}, gt: 1}}"
        )
        .unwrap_err(),
        ["kbcheck::rule::let_cycle"]
    );
}

/// Servers grouped by a service, compared ignoring case.
const SERVICES_RULE: &str = "{id: R, title: t, select: {kind: server}, severity: error,
  message: '{members} {key}',
  group: {by: [{each: services, value: {upper: {element: true}}}], size: {min: 2}}}";

#[test]
fn each_key_computed_from_every_element() {
    let topo = "version: 1
nodes:
  - {id: A, kind: server, services: [fpnw, dhcp]}
  - {id: B, kind: server, services: [FPNW]}
  - {id: C, kind: server, services: [Dhcp-relay]}
";
    assert_eq!(
        super::expr_tests::messages(SERVICES_RULE, topo),
        ["A, B FPNW"]
    );
    // Written exactly, the two spellings are two keys.
    let exact = SERVICES_RULE.replace(", value: {upper: {element: true}}", "");
    assert!(super::expr_tests::messages(&exact, topo).is_empty());
    // An element whose key has no value joins no group: only `dhcp` has a capture here.
    let captured = SERVICES_RULE.replace(
        "{upper: {element: true}}",
        "{capture: {element: true}, extract: '^(dhcp)'}",
    );
    let topo = topo.replace("[FPNW]", "[dhcp, FPNW]");
    assert_eq!(super::expr_tests::messages(&captured, &topo), ["A, B dhcp"]);
}

#[test]
fn each_key_load_errors() {
    let bad = SERVICES_RULE.replace(
        "{each: services, value: {upper: {element: true}}}",
        "{each: {upper: {element: true}}}",
    );
    let (code, text) = load_error(&bad);
    assert_eq!(
        (code.as_str(), text.as_str()),
        ("kbcheck::rule::wrong_type", "{upper: {element: true}}")
    );
    let reads_entity = SERVICES_RULE.replace(
        "{upper: {element: true}}",
        "{concat: [{element: true}, {field: id}]}",
    );
    assert!(
        compile(&reads_entity).is_ok(),
        "an element key may read the entity"
    );
    let typo = SERVICES_RULE.replace("value: {upper", "values: {upper");
    assert_eq!(compile(&typo).unwrap_err(), ["kbcheck::rule::unknown_key"]);
    // `{element: true}` outside `value` is still an error.
    let outside = "{id: R, title: t, select: {kind: server}, severity: error, message: m,
  group: {by: [{upper: {element: true}}], size: {min: 2}}}";
    assert_eq!(
        load_error(outside).0,
        "kbcheck::rule::element_outside_quantifier"
    );
}
