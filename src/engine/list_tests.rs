//! List quantifiers (`src/lang/quantifier.rs`) and text captures (`src/lang/expr/capture.rs`)
//! end to end: each quantifier's truth over elements, Kleene unknowns, the element in
//! expressions, and the load errors (with the text they underline).

use crate::engine::tests::{compile, fire_or_not};

/// Servers with installed `services` lists (a list of text in the bundled vocabulary).
const TOPO: &str = r#"version: 1
nodes:
  - {id: BOTH, kind: server, os: windows-nt-4.0, services: [fpnw, gsnw]}
  - {id: GATE, kind: server, os: windows-nt-4.0, services: [gsnw-3.5, gsnw-4.0, dhcp]}
  - {id: NONE, kind: server, os: windows-nt-4.0, services: []}
  - {id: UNSET, kind: server, os: windows-nt-4.0}
  - {id: NOOS, kind: server, services: [fpnw]}
"#;

fn rule(when: &str) -> String {
    format!(
        "{{id: R, title: t, select: {{kind: server}}, severity: error, message: m, when: {when}}}"
    )
}

/// Entity ids of the findings, and `(entity, missing)` of the inconclusive results.
fn run(when: &str) -> (Vec<String>, Vec<(String, Vec<String>)>) {
    let (f, u) = fire_or_not(&rule(when), TOPO);
    let mut f: Vec<String> = f.into_iter().flatten().collect();
    f.sort();
    (f, u)
}

fn fired(when: &str) -> Vec<String> {
    run(when).0
}

/// The code and the underlined text of the first error compiling a rule with `when`.
fn load_error(when: &str) -> (String, String) {
    super::expr_tests::load_error(&rule(when))
}

fn unset() -> Vec<(String, Vec<String>)> {
    vec![("UNSET".to_owned(), vec!["services".to_owned()])]
}

#[test]
fn any_holds_when_one_element_passes_and_an_unset_list_is_unknown() {
    let (f, u) = run("{field: services, any: {matches: '^fp'}}");
    assert_eq!(f, ["BOTH", "NOOS"]);
    assert_eq!(u, unset());
    // `.*` matches every element, but there is none in an empty list.
    assert_eq!(
        fired("{field: services, any: {matches: '.*'}}"),
        ["BOTH", "GATE", "NOOS"]
    );
}

#[test]
fn all_and_none_hold_over_an_empty_list() {
    let (f, u) = run("{field: services, all: {starts-with: gsnw}}");
    assert_eq!(f, ["NONE"]);
    assert_eq!(u, unset());
    assert_eq!(
        fired("{field: services, all: {matches: '^[a-z]+$'}}"),
        ["BOTH", "NONE", "NOOS"]
    );
    assert_eq!(
        fired("{field: services, none: {equals: fpnw}}"),
        ["GATE", "NONE"]
    );
}

#[test]
fn count_bounds_the_passing_elements() {
    let when = |min: u32, max: &str| {
        format!("{{field: services, count: {{min: {min}{max}}}, where: {{starts-with: gsnw}}}}")
    };
    assert_eq!(fired(&when(2, "")), ["GATE"]);
    assert_eq!(fired(&when(1, ", max: 1")), ["BOTH"]);
    assert_eq!(fired(&when(0, ", max: 0")), ["NONE", "NOOS"]);
}

#[test]
fn the_inner_condition_may_use_compare_modes_combinators_and_entity_fields() {
    assert_eq!(
        fired("{field: services, any: {as: caseless, equals: FPNW}}"),
        ["BOTH", "NOOS"]
    );
    assert_eq!(
        fired("{field: services, any: {all: [{starts-with: gsnw}, {not: {ends-with: '4.0'}}]}}"),
        ["BOTH", "GATE"]
    );
    // An element compared with a field of the entity: unknown where the field is not set,
    // for each element it leaves undecided.
    let (f, u) = run(
        "{field: services, any: {value: {concat: [{element: true}, '@', {field: os}]}, equals: 'fpnw@windows-nt-4.0'}}",
    );
    assert_eq!(f, ["BOTH"]);
    assert_eq!(
        u,
        [
            ("NOOS".to_owned(), vec!["os".to_owned()]),
            ("UNSET".to_owned(), vec!["services".to_owned()])
        ]
    );
}

#[test]
fn kleene_counts_undecided_elements_both_ways() {
    // NOOS's one element is undecided (its `os` is not set): at least one is unknown, at
    // most one is true.
    let when = |q: &str| {
        format!("{{field: services, {q}: {{value: {{field: os}}, equals: windows-nt-4.0}}}}")
    };
    let (f, u) = run(&when("any"));
    assert_eq!(f, ["BOTH", "GATE"]);
    assert!(u.iter().any(|(e, m)| e == "NOOS" && m == &["os"]), "{u:?}");
    assert_eq!(
        fire_or_not(
            &rule("{field: services, count: {max: 1}, where: {value: {field: os}, equals: windows-nt-4.0}}"),
            TOPO
        )
        .0
        .into_iter()
        .flatten()
        .collect::<Vec<_>>(),
        ["NONE", "NOOS"],
        "NOOS passes `max: 1` whatever its undecided element gives"
    );
}

#[test]
fn a_group_that_tests_presence_decides_an_unset_list() {
    let (f, u) =
        run("{any: [{field: services, missing: true}, {field: services, any: {equals: fpnw}}]}");
    assert_eq!(f, ["BOTH", "NOOS", "UNSET"]);
    assert!(u.is_empty(), "{u:?}");
}

#[test]
fn a_group_that_tests_presence_decides_the_element_condition_too() {
    // NOOS has no `os`: the group tests its presence, so the element condition's test of
    // `os` is false there, as it would be outside the quantifier, not unknown. (Found by the
    // differential oracle, tests/oracle/.)
    let when = "{any: [{field: os, missing: false}, {field: services, any: {value: {concat: [{element: true}, '@', {field: os}]}, equals: 'fpnw@x'}}]}";
    let (f, u) = run(when);
    assert_eq!(f, ["BOTH", "GATE", "NONE", "UNSET"]);
    assert!(u.is_empty(), "{u:?}");
}

#[test]
fn quantifiers_nest_over_the_value_of_an_expression() {
    assert_eq!(
        fired("{value: {field: services}, none: {value: {length: {element: true}}, gt: 4}}"),
        ["BOTH", "NONE", "NOOS"]
    );
}

#[test]
fn a_text_operator_on_a_list_is_a_load_error_suggesting_a_quantifier() {
    for op in ["matches: '^fp'", "starts-with: fp", "gt: 2"] {
        let (code, under) = load_error(&format!("{{field: services, {op}}}"));
        assert_eq!(code, "kbcheck::rule::list_needs_quantifier", "{op}");
        assert_eq!(under, op.split(':').next().unwrap());
    }
    let (code, under) = load_error("{value: {field: services}, ends-with: x}");
    assert_eq!(
        (code.as_str(), under.as_str()),
        ("kbcheck::rule::list_needs_quantifier", "ends-with")
    );
    // Whole-list operators stay as they were.
    assert_eq!(fired("{field: services, contains: gsnw}"), ["BOTH"]);
}

#[test]
fn quantifier_load_errors_point_at_the_mistake() {
    let cases = [
        (
            "{field: os, any: {equals: x}}",
            "kbcheck::rule::not_a_list",
            "any",
        ),
        (
            "{field: services, count: {min: 1}}",
            "kbcheck::rule::bad_condition",
            "{field: services, count: {min: 1}}",
        ),
        (
            "{field: services, any: {equals: x}, where: {equals: y}}",
            "kbcheck::rule::bad_condition",
            "where",
        ),
        (
            "{field: services, any: {equals: x}, all: {equals: y}}",
            "kbcheck::rule::bad_condition",
            "{field: services, any: {equals: x}, all: {equals: y}}",
        ),
        (
            "{field: services, as: caseless, any: {equals: x}}",
            "kbcheck::rule::unknown_key",
            "as",
        ),
        (
            "{value: {element: true}, equals: x}",
            "kbcheck::rule::element_outside_quantifier",
            "true",
        ),
        (
            "{field: services, any: {value: {element: yes}, equals: x}}",
            "kbcheck::rule::bad_expression",
            "yes",
        ),
    ];
    for (when, code, under) in cases {
        let (c, u) = load_error(when);
        assert_eq!((c.as_str(), u.as_str()), (code, under), "{when}");
    }
}

#[test]
fn capture_yields_a_group_by_number_or_name() {
    let topo = r#"version: 1
nodes:
  - {id: A, kind: server, os: windows-nt-4.0}
  - {id: B, kind: server, os: windows-2000}
  - {id: C, kind: server}
"#;
    let run = |when: &str| fire_or_not(&rule(when), topo);
    let (f, u) =
        run("{value: {capture: {field: os}, extract: '^windows-nt-([0-9]+)\\.'}, equals: '4'}");
    assert_eq!(f, [["A"]]);
    assert_eq!(
        u,
        [("C".to_owned(), vec!["os".to_owned()])],
        "unknown over an unset field"
    );
    // B does not match: no value, so even `not-equals` is false.
    let (f, _) =
        run("{value: {capture: {field: os}, extract: '^windows-nt-([0-9]+)\\.'}, not-equals: '5'}");
    assert_eq!(f, [["A"]]);
    let (f, _) = run(
        "{value: {capture: {field: os}, extract: '^(?P<family>[a-z]+)-(?P<rest>.*)$', group: rest}, in: ['nt-4.0', '2000']}",
    );
    assert_eq!(f, [["A"], ["B"]]);
    let (f, _) = run("{value: {capture: {field: os}, extract: 'nt', group: 0}, exists: true}");
    assert_eq!(f, [["A"]]);
    // A group that takes no part in the match has no value.
    let (f, _) = run(
        "{value: {capture: {field: os}, extract: '^windows-(nt-)?([0-9.]+)', group: 1}, exists: true}",
    );
    assert_eq!(f, [["A"]]);
    // Compared ignoring case with a list of names.
    let (f, _) =
        run("{value: {capture: {field: os}, extract: '^([a-z]+)-'}, as: caseless, in: [WINDOWS]}");
    assert_eq!(f, [["A"], ["B"]]);
}

#[test]
fn capture_load_errors() {
    let cases = [
        (
            "{value: {capture: {field: os}, extract: '(a)', group: 2}, exists: true}",
            "kbcheck::rule::unknown_group",
            "2",
        ),
        (
            "{value: {capture: {field: os}, extract: '(?P<v>a)', group: w}, exists: true}",
            "kbcheck::rule::unknown_group",
            "w",
        ),
        (
            "{value: {capture: {field: os}}, exists: true}",
            "kbcheck::rule::bad_expression",
            "{capture: {field: os}}",
        ),
        (
            "{value: {capture: {field: os}, extract: '(a'}, exists: true}",
            "kbcheck::rule::bad_regex",
            "'(a'",
        ),
        (
            "{value: {capture: {field: free-drive-letters}, extract: '(a)', group: 1}, exists: true}",
            "",
            "",
        ),
    ];
    for (when, code, under) in cases {
        if code.is_empty() {
            // A number is matched as its text: not a load error.
            assert!(compile(&rule(when)).is_ok(), "{when}");
            continue;
        }
        let (c, u) = load_error(when);
        assert_eq!((c.as_str(), u.as_str()), (code, under), "{when}");
    }
    let big = "{value: {capture: {field: os}, extract: '(\\w{100}){100}'}, exists: true}";
    assert_eq!(load_error(big).0, "kbcheck::limits::regex_too_big");
}
