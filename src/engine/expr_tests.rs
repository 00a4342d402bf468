//! Expressions (`src/lang/expr`) end to end: each function's value, unknown propagation, no value,
//! load-time type errors (with the text they underline), and every place a rule reads a value.

use crate::diagnostic::Diags;
use crate::engine::tests::{compile, fire, fire_or_not};
use crate::lang::operators::testing::vocab;
use crate::source::SourceFile;

/// A check on postoffices whose condition is `when`.
fn po_rule(when: &str) -> String {
    format!(
        "{{id: R, title: t, select: {{kind: postoffice}}, severity: error, message: m, when: {when}}}"
    )
}

/// Postoffices under server S (`os: windows-nt-4.0`, 21 free drive letters).
const TOPO: &str = r#"version: 1
nodes:
  - {id: S, kind: server, os: windows-nt-4.0, free-drive-letters: 21, product: exchange}
  - {id: LONG, kind: postoffice, parent: S, network: contoso, name: POSTOFFICE11, share: '\\S\MAILDATA'}
  - {id: SHORT, kind: postoffice, parent: S, network: CONTOSO, name: HQ, share: '\\T\MAILDATA'}
  - {id: UNSET, kind: postoffice, parent: S}
"#;

/// Findings (entity ids) and inconclusive results (entity, missing) of a postoffice check.
fn run(when: &str) -> (Vec<String>, Vec<(String, Vec<String>)>) {
    let (f, u) = fire_or_not(&po_rule(when), TOPO);
    (f.into_iter().flatten().collect(), u)
}

fn fired(when: &str) -> Vec<String> {
    run(when).0
}

/// The rule set compiled from `rule` and the topology loaded from `topo`.
fn loaded(rule: &str, topo: &str) -> (crate::lang::RuleSet, crate::topology::Topology) {
    let set = compile(rule).unwrap();
    let file = SourceFile::new("t.yaml", topo.to_owned());
    let tree = crate::parse::parse_document(&file, &Default::default()).unwrap();
    let topology = crate::topology::Topology::load(&file, tree, &set.vocab)
        .0
        .unwrap();
    (set, topology)
}

/// The entity ids and values the derivation `rule` gives on `topo`.
pub(super) fn derived(rule: &str, topo: &str) -> Vec<(String, String)> {
    let (set, topology) = loaded(rule, topo);
    let store = crate::engine::derive(&set, &topology);
    store
        .all()
        .map(|(i, d)| (topology.entity(i).id.clone(), d.value.display()))
        .collect()
}

/// The messages of the findings `rule` gives on `topo`.
pub(super) fn messages(rule: &str, topo: &str) -> Vec<String> {
    let (set, topology) = loaded(rule, topo);
    crate::engine::evaluate(&set, &topology)
        .into_iter()
        .map(|f| f.message.into())
        .collect()
}

/// The code and the underlined text of the first error compiling `rule`.
pub(super) fn load_error(rule: &str) -> (String, String) {
    let vocab = vocab();
    let file = SourceFile::new("rule.yaml", rule.to_owned());
    let tree = crate::parse::parse_document(&file, &Default::default()).unwrap();
    let mut diags = Diags::default();
    let r = crate::lang::compile::compile(&file, &tree, &vocab, &mut diags);
    assert!(r.is_none(), "the rule compiled");
    let d = diags.iter().find(|d| d.is_error()).unwrap();
    let label = d.labels.first().unwrap();
    let text = rule
        .get(label.offset()..label.offset() + label.len())
        .unwrap()
        .to_owned();
    (d.code.clone(), text)
}

#[test]
fn length_counts_characters_and_list_elements() {
    assert_eq!(fired("{value: {length: {field: name}}, gt: 10}"), ["LONG"]);
    assert_eq!(fired("{value: {length: 'é€x'}, equals: 3}").len(), 3);
    let (f, u) = run("{value: {length: {field: name}}, lte: 10}");
    assert_eq!(f, ["SHORT"]);
    assert_eq!(u, [("UNSET".to_owned(), vec!["name".to_owned()])]);
    let rule = "{id: R, title: t, select: {kind: external}, severity: error, message: m,
      when: {value: {count: {field: dynamic-drives}}, lt: 2}}";
    let topo = "version: 1\nnodes:\n  - {id: W, kind: server}\n  - {id: ONE, kind: external, parent: W, dynamic-drives: [M]}\n  - {id: TWO, kind: external, parent: W, dynamic-drives: [M, N]}\n";
    assert_eq!(fire(rule, topo), vec![vec!["ONE"]]);
    let length = rule.replace("count:", "length:");
    assert_eq!(fire(&length, topo), vec![vec!["ONE"]]);
}

#[test]
fn text_functions_and_concat() {
    assert_eq!(
        fired("{value: {upper: {field: network}}, equals: CONTOSO}").len(),
        2
    );
    assert_eq!(
        fired("{value: {lower: {field: network}}, equals: contoso}").len(),
        2
    );
    assert_eq!(
        fired("{value: {trim: '  x '}, equals: x}").len(),
        3,
        "literals need no field"
    );
    assert_eq!(
        fired("{value: {concat: [{field: network}, '/', {field: name}, 2]}, equals: CONTOSO/HQ2}"),
        ["SHORT"]
    );
    // `\\` + the server's id + `\`: a field against another entity's field.
    assert_eq!(
        fired(
            r"{field: share, as: caseless, starts-with: {concat: ['\\', {field: id, of: parent}, '\']}}"
        ),
        ["LONG"]
    );
    assert_eq!(
        run(r"{field: share, starts-with: {concat: ['\\', {field: id, of: parent}, '\']}}").1,
        [("UNSET".to_owned(), vec!["share".to_owned()])]
    );
}

#[test]
fn arithmetic_keeps_whole_numbers_and_propagates_unknown() {
    assert_eq!(
        fired("{value: {add: [{field: free-drive-letters, of: parent}, 1]}, equals: 22}").len(),
        3
    );
    assert_eq!(fired("{value: {sub: [10, 4]}, equals: 6}").len(), 3);
    assert_eq!(fired("{value: {mul: [3, 1.5]}, equals: 4.5}").len(), 3);
    assert_eq!(fired("{value: {div: [7, 2]}, equals: 3.5}").len(), 3);
    assert_eq!(fired("{value: {div: [8, 2]}, equals: 4}").len(), 3);
    assert_eq!(fired("{value: {min: [3, 1, 2]}, equals: 1}").len(), 3);
    assert_eq!(fired("{value: {max: [3, 1, 2]}, equals: 3}").len(), 3);
    // Nested, over a field of another entity; its text form is the whole number.
    assert_eq!(
        fired(
            "{value: {concat: [{div: [{field: free-drive-letters, of: parent}, 3]}]}, equals: '7'}"
        )
        .len(),
        3
    );
    // A number read from text where one is needed: no value, so false (not unknown).
    let (f, u) = run("{value: {add: [{number: {field: name}}, 1]}, gt: 0}");
    assert!(f.is_empty());
    assert_eq!(u, [("UNSET".to_owned(), vec!["name".to_owned()])]);
}

#[test]
fn division_by_zero_has_no_value_and_a_literal_zero_is_a_load_error() {
    let (f, u) =
        run("{value: {div: [1, {sub: [{field: free-drive-letters, of: parent}, 21]}]}, gt: 0}");
    assert!(f.is_empty() && u.is_empty());
    let (f, _) = run(
        "{not: {value: {div: [1, {sub: [{field: free-drive-letters, of: parent}, 21]}]}, gt: 0}}",
    );
    assert_eq!(f.len(), 3, "no value is false, so its negation is true");
    let (code, text) = load_error(&po_rule("{value: {div: [{field: name}, 0]}, gt: 1}"));
    assert_eq!(code, "kbcheck::rule::expression_type");
    assert_eq!(
        text, "{field: name}",
        "a number is needed before the divisor is looked at"
    );
    let (code, text) = load_error(&po_rule("{value: {div: [5, 0]}, gt: 1}"));
    assert_eq!(
        (code.as_str(), text.as_str()),
        ("kbcheck::rule::expression_type", "0")
    );
}

#[test]
fn number_reads_text_and_regex_captures() {
    let rule = "{id: R, title: t, select: {kind: server}, severity: error, message: m,
      when: {value: {number: {field: os}, extract: '^windows-nt-([0-9.]+)$'}, lt: 5}}";
    let topo = "version: 1\nnodes:\n  - {id: NT4, kind: server, os: windows-nt-4.0}\n  - {id: NT351, kind: server, os: windows-nt-3.51}\n  - {id: W2K, kind: server, os: windows-2000}\n  - {id: NONE, kind: server}\n";
    let (f, u) = fire_or_not(rule, topo);
    assert_eq!(f, vec![vec!["NT351"], vec!["NT4"]]);
    assert_eq!(u, [("NONE".to_owned(), vec!["os".to_owned()])]);
    assert_eq!(fired("{value: {number: ' 42 '}, equals: 42}").len(), 3);
    assert_eq!(fired("{value: {number: 'x42'}, equals: 42}").len(), 0);
    assert_eq!(
        load_error(&po_rule(
            "{value: {number: {field: name}, extract: '(unclosed'}, gt: 1}"
        )),
        (
            "kbcheck::rule::bad_regex".to_owned(),
            "'(unclosed'".to_owned()
        )
    );
    assert_eq!(
        load_error(&po_rule(
            "{value: {number: {field: name}, extract: '(\\w{100}){100}'}, gt: 1}"
        ))
        .0,
        "kbcheck::limits::regex_too_big"
    );
}

#[test]
fn type_errors_are_found_when_the_rule_loads() {
    let cases = [
        ("{value: {length: 12}, gt: 1}", "12"),
        (
            "{value: {length: {field: free-drive-letters, of: parent}}, gt: 1}",
            "{field: free-drive-letters, of: parent}",
        ),
        ("{value: {add: [{field: name}, 1]}, gt: 1}", "{field: name}"),
        (
            "{value: {upper: {length: {field: name}}}, equals: X}",
            "{length: {field: name}}",
        ),
        ("{value: {count: {field: name}}, gt: 1}", "{field: name}"),
        (
            "{value: {concat: [{field: tags}]}, equals: x}",
            "{field: tags}",
        ),
    ];
    for (when, underlined) in cases {
        assert_eq!(
            load_error(&po_rule(when)),
            (
                "kbcheck::rule::expression_type".to_owned(),
                underlined.to_owned()
            ),
            "{when}"
        );
    }
    assert_eq!(
        load_error(&po_rule("{value: {lenght: {field: name}}, gt: 1}")),
        (
            "kbcheck::rule::unknown_function".to_owned(),
            "lenght".to_owned()
        )
    );
    assert_eq!(
        load_error(&po_rule("{value: {length: {field: nmae}}, gt: 1}")).1,
        "nmae"
    );
    assert_eq!(
        load_error(&po_rule(
            "{value: {length: {field: name}, upper: x}, gt: 1}"
        ))
        .0,
        "kbcheck::rule::bad_expression"
    );
    assert_eq!(
        load_error(&po_rule("{value: {upper: null}, equals: X}")),
        (
            "kbcheck::rule::bad_expression".to_owned(),
            "null".to_owned()
        )
    );
    assert_eq!(
        load_error(&po_rule("{value: {sub: [1]}, gt: 1}")),
        ("kbcheck::rule::bad_expression".to_owned(), "[1]".to_owned())
    );
}

#[test]
fn presence_tests_and_handled_absence_work_on_values() {
    assert_eq!(
        fired("{value: {length: {field: name}}, missing: true}"),
        ["UNSET"]
    );
    // The group tests `name`'s presence, so the length test is false where it is not set.
    let (f, u) =
        run("{any: [{field: name, missing: true}, {value: {length: {field: name}}, gt: 10}]}");
    assert_eq!(f, ["LONG", "UNSET"]);
    assert!(u.is_empty());
    let (f, u) =
        run("{all: [{field: name, exists: true}, {value: {length: {field: name}}, gt: 10}]}");
    assert_eq!((f, u.is_empty()), (vec!["LONG".to_owned()], true));
}

#[test]
fn operands_may_be_expressions() {
    assert_eq!(
        fired("{field: network, equals: {lower: {field: network}}}"),
        ["LONG"]
    );
    assert_eq!(fired("{value: 12, gt: {length: {field: name}}}"), ["SHORT"]);
    // An unset field inside the operand is named.
    let (_, u) = run("{field: network, equals: {upper: {field: name}}}");
    assert_eq!(
        u,
        [(
            "UNSET".to_owned(),
            vec!["name".to_owned(), "network".to_owned()]
        )]
    );
    // An operand with no value makes the test false, not unknown.
    let (f, u) = run("{field: network, not-equals: {number: 'x'}}");
    assert!(f.is_empty() && u.is_empty());
}

#[test]
fn lookup_maps_values_with_a_default_or_unknown() {
    let rule = "{id: R, title: t, select: {kind: server}, severity: error, message: '{family}',
      let: {family: {lookup: {field: os}, table: {windows-nt-4.0: nt, windows-nt-3.51: nt, os2-2.1: os2}}},
      when: {value: {lookup: {field: os}, table: {windows-nt-4.0: nt, windows-nt-3.51: nt, os2-2.1: os2}}, equals: nt}}";
    let topo = "version: 1\nnodes:\n  - {id: NT4, kind: server, os: windows-nt-4.0, tags: [planned]}\n  - {id: OS2, kind: server, os: os2-2.1}\n  - {id: W2K, kind: server, os: windows-2000, tags: [planned]}\n  - {id: NONE, kind: server, tags: [planned]}\n";
    let (f, u) = fire_or_not(rule, topo);
    assert_eq!(f, vec![vec!["NT4"]]);
    // Unmatched without a default: unknown, though no field is missing.
    assert_eq!(
        u,
        [
            ("NONE".to_owned(), vec!["os".to_owned()]),
            ("W2K".to_owned(), vec![])
        ]
    );
    let with_default = rule.replace("2.1: os2}}, equals", "2.1: os2}, default: other}, equals");
    assert_eq!(
        fire_or_not(&with_default, topo).1,
        [("NONE".to_owned(), vec!["os".to_owned()])]
    );
    assert_eq!(
        load_error(&rule.replace(
            "table: {windows-nt-4.0: nt, windows-nt-3.51: nt, os2-2.1: os2}}, equals",
            "tabel: {}}, equals"
        ))
        .0,
        "kbcheck::rule::unknown_key"
    );
}

#[test]
fn groups_by_computed_keys_and_show_them() {
    let rule = "{id: R, title: t, select: {kind: postoffice}, severity: error, message: '{key}: {members}',
      group: {by: [{upper: {field: network}}, {upper: {field: name}}], size: {min: 2}}}";
    let topo = "version: 1\nnodes:\n  - {id: A, kind: postoffice, network: Contoso, name: hq}\n  - {id: B, kind: postoffice, network: CONTOSO, name: HQ}\n  - {id: C, kind: postoffice, network: contoso, name: br}\n  - {id: D, kind: postoffice, network: contoso}\n";
    assert_eq!(fire(rule, topo), vec![vec!["A", "B"]]);
    assert_eq!(messages(rule, topo), ["CONTOSO / HQ: A, B"]);
    let bad = rule.replace("{upper: {field: name}}", "{uper: {field: name}}");
    assert_eq!(
        load_error(&bad),
        (
            "kbcheck::rule::unknown_function".to_owned(),
            "uper".to_owned()
        )
    );
}

#[test]
fn derivations_copy_from_relatives_and_look_up() {
    let copy = "{id: D, title: t, select: {kind: postoffice}, derive: {set: {product: {field: product, of: parent}}}}";
    let topo = "version: 1\nnodes:\n  - {id: S, kind: server, product: exchange}\n  - {id: T, kind: server}\n  - {id: P1, kind: postoffice, parent: S}\n  - {id: P2, kind: postoffice, parent: S, product: msmail}\n  - {id: P3, kind: postoffice, parent: T}\n";
    assert_eq!(
        derived(copy, topo),
        [("P1".to_owned(), "exchange".to_owned())]
    );
    let lookup = "{id: D, title: t, select: {kind: external}, derive: {set: {drive-letters: {lookup: {field: instance-type}, table: {single-postoffice: 1, multiple-postoffice: 3}}}}}";
    assert!(compile(lookup).is_ok());
    assert_eq!(
        load_error(&lookup.replace("{lookup: {field: instance-type}, table: {single-postoffice: 1, multiple-postoffice: 3}}", "{upper: {field: platform}}")),
        ("kbcheck::rule::bad_derive".to_owned(), "{upper: {field: platform}}".to_owned())
    );
}

#[test]
fn count_bounds_may_be_computed() {
    let rule = "{id: R, title: t, select: {kind: server}, severity: error, message: m,
      when: {related: {via: children, kind: external, sum: drive-letters, count: {max: {sub: [{field: free-drive-letters}, 2]}}}}}";
    let topo = "version: 1\nnodes:\n  - {id: FULL, kind: server, free-drive-letters: 4}\n  - {id: E1, kind: external, parent: FULL, drive-letters: 3}\n  - {id: OK, kind: server, free-drive-letters: 6}\n  - {id: E2, kind: external, parent: OK, drive-letters: 3}\n  - {id: NONE, kind: server}\n  - {id: E3, kind: external, parent: NONE, drive-letters: 3}\n";
    let (f, u) = fire_or_not(rule, topo);
    assert_eq!(f, vec![vec!["OK"]]);
    assert_eq!(
        u,
        [("NONE".to_owned(), vec!["free-drive-letters".to_owned()])]
    );
}

#[test]
fn message_values_print_computed_values() {
    let rule = "{id: R, title: t, select: {kind: postoffice}, severity: error,
      let: {chars: {length: {field: name}}}, message: '{name} has {chars} characters',
      when: {value: {length: {field: name}}, gt: 10}}";
    assert_eq!(messages(rule, TOPO), ["POSTOFFICE11 has 12 characters"]);
    let clash = rule.replace("let: {chars:", "let: {name:");
    assert_eq!(
        load_error(&clash),
        ("kbcheck::rule::bad_let".to_owned(), "name".to_owned())
    );
}
