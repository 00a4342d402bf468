//! Dates, times of day and time windows end to end: `as: date` / `as: time` at each boundary,
//! the date functions against a pinned today, `overlaps` (touching ends, past midnight, lists,
//! another entity's windows), unknown and malformed values, and the load and topology errors.

use crate::engine::expr_tests::load_error;
use crate::engine::tests::{compile, compiled_on};

/// Findings (entity ids) and inconclusive entities of `rule` on `topo`, today being `today`.
fn run_on(rule: &str, topo: &str, today: &str) -> (Vec<String>, Vec<String>) {
    let (mut set, topology) = compiled_on(rule, topo);
    set.today = Some(crate::date::Date::parse(today).unwrap());
    let results = crate::engine::evaluate_all(&set, &topology);
    let ids = |i: &[crate::topology::Idx]| {
        i.iter()
            .map(|&i| topology.entity(i).id.clone())
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut found: Vec<String> = results.findings.iter().map(|f| ids(&f.entities)).collect();
    let mut undecided: Vec<String> = results
        .inconclusive
        .iter()
        .map(|u| topology.entity(u.entity).id.clone())
        .collect();
    found.sort();
    undecided.sort();
    (found, undecided)
}

fn server_rule(when: &str) -> String {
    format!(
        "{{id: R, title: t, select: {{kind: server}}, severity: error, message: m, when: {when}}}"
    )
}

/// Servers installed on the days around the end of 2000, and one with no date.
const SERVERS: &str = "version: 1
nodes:
  - {id: D30, kind: server, installed: 2000-12-30}
  - {id: D31, kind: server, installed: 2000-12-31}
  - {id: J01, kind: server, installed: 2001-01-01}
  - {id: NONE, kind: server}
";

fn on_servers(when: &str) -> (Vec<String>, Vec<String>) {
    run_on(&server_rule(when), SERVERS, "2001-03-31")
}

#[test]
fn dates_compare_by_day_at_each_boundary() {
    let cases = [
        ("gt", vec!["J01"]),
        ("gte", vec!["D31", "J01"]),
        ("lt", vec!["D30"]),
        ("lte", vec!["D30", "D31"]),
        ("equals", vec!["D31"]),
        ("not-equals", vec!["D30", "J01"]),
    ];
    for (op, want) in cases {
        let (f, u) = on_servers(&format!("{{field: installed, as: date, {op}: 2000-12-31}}"));
        assert_eq!(f, want, "{op}");
        assert_eq!(u, ["NONE"], "{op}: an unset date is unknown");
    }
    let (f, _) = on_servers("{field: installed, as: date, in: [2000-12-30, 2001-01-01]}");
    assert_eq!(f, ["D30", "J01"]);
    // A date compared with another date field, and with a computed one.
    let (f, _) = on_servers("{field: installed, as: date, lt: {add-days: [{today: true}, -90]}}");
    assert_eq!(f, ["D30"], "2001-03-31 less 90 days is 2000-12-31");
}

#[test]
fn date_functions_count_days_from_a_pinned_today() {
    // 2001-03-31 is 90 days after 2000-12-31.
    let (f, u) = on_servers("{value: {days-since: {field: installed}}, gt: 90}");
    assert_eq!((f, u), (vec!["D30".to_owned()], vec!["NONE".to_owned()]));
    let (f, _) = on_servers("{value: {days-since: {field: installed}}, equals: 90}");
    assert_eq!(f, ["D31"]);
    let (f, _) = run_on(
        &server_rule("{value: {days-since: {field: installed}}, lt: 0}"),
        SERVERS,
        "2000-12-31",
    );
    assert_eq!(f, ["J01"], "a date to come is negative days ago");
    let (f, _) = on_servers("{value: {days-between: [{field: installed}, 2001-01-01]}, equals: 2}");
    assert_eq!(f, ["D30"]);
    let (f, _) = on_servers("{value: {add-days: [{field: installed}, 1]}, equals: 2001-01-01}");
    assert_eq!(f, ["D31"]);
    let (f, _) = on_servers("{value: {today: true}, equals: 2001-03-31}");
    assert_eq!(f.len(), 4, "today is the pinned date");
}

/// Postoffices whose (untyped) `name` holds text that may or may not be a date or time.
const NAMES: &str = "version: 1
nodes:
  - {id: DATE, kind: postoffice, name: 2001-01-01}
  - {id: BAD, kind: postoffice, name: 2001-02-30}
  - {id: TEXT, kind: postoffice, name: HQ}
  - {id: TIME, kind: postoffice, name: '23:59'}
  - {id: UNSET, kind: postoffice}
";

#[test]
fn text_that_is_no_date_or_time_is_false_and_unset_is_unknown() {
    let rule = |when: &str| {
        format!(
            "{{id: R, title: t, select: {{kind: postoffice}}, severity: error, message: m, when: {when}}}"
        )
    };
    for negated in [false, true] {
        let when = "{field: name, as: date, gt: 2000-12-31}";
        let when = if negated {
            format!("{{not: {when}}}")
        } else {
            when.to_owned()
        };
        let (f, u) = run_on(&rule(&when), NAMES, "2025-01-01");
        // Not a date is false (so its negation is true); not set is unknown either way.
        let want: Vec<&str> = if negated {
            vec!["BAD", "TEXT", "TIME"]
        } else {
            vec!["DATE"]
        };
        assert_eq!(f, want, "negated: {negated}");
        assert_eq!(u, ["UNSET"]);
    }
    let (f, u) = run_on(
        &rule("{field: name, as: time, gte: '23:00'}"),
        NAMES,
        "2025-01-01",
    );
    assert_eq!((f, u), (vec!["TIME".to_owned()], vec!["UNSET".to_owned()]));
    let (f, _) = run_on(
        &rule("{value: {days-since: {field: name}}, gt: 0}"),
        NAMES,
        "2025-01-01",
    );
    assert_eq!(
        f,
        ["DATE"],
        "days-since of text that is no date has no value"
    );
}

/// X.400 connectors from server A (maintenance 22:00-02:00 and 12:00-13:00) or N (none).
const LINKS: &str = "version: 1
nodes:
  - {id: A, kind: server, maintenance-windows: ['22:00-02:00', '12:00-13:00']}
  - {id: N, kind: server}
links:
  - {id: TOUCH, kind: x400-connector, from: A, to: N, connect-times: ['02:00-12:00', '13:00-22:00']}
  - {id: WRAP, kind: x400-connector, from: A, to: N, connect-times: ['01:59-02:30']}
  - {id: NOON, kind: x400-connector, from: A, to: N, connect-times: ['11:00-12:01']}
  - {id: UNSET, kind: x400-connector, from: N, to: A, connect-times: ['09:00-10:00']}
  - {id: NOTIMES, kind: x400-connector, from: A, to: N}
";

#[test]
fn overlaps_touching_wrapping_and_unknown() {
    let rule = |when: &str| {
        format!(
            "{{id: R, title: t, select: {{link: x400-connector}}, severity: error, message: m, when: {when}}}"
        )
    };
    let (f, u) = run_on(
        &rule("{field: connect-times, overlaps: {field: maintenance-windows, of: from}}"),
        LINKS,
        "2025-01-01",
    );
    assert_eq!(f, ["NOON", "WRAP"]);
    assert_eq!(u, ["NOTIMES", "UNSET"]);
    let (f, _) = run_on(
        &rule("{field: connect-times, overlaps: '18:00-08:00'}"),
        LINKS,
        "2025-01-01",
    );
    assert_eq!(f, ["TOUCH", "WRAP"]);
    let (f, _) = run_on(
        &rule("{field: connect-times, any: {overlaps: ['12:00-12:30', '21:59-22:00']}}"),
        LINKS,
        "2025-01-01",
    );
    assert_eq!(
        f,
        ["NOON", "TOUCH"],
        "one window of the list at a time, in a quantifier"
    );
}

#[test]
fn malformed_literals_and_mistyped_fields_do_not_load() {
    let cases = [
        (
            "{field: installed, as: date, gt: 2000-02-30}",
            "rule::bad_date",
            "2000-02-30",
        ),
        (
            "{field: installed, as: date, in: [2000-01-01, 31.12.2000]}",
            "rule::bad_date",
            "31.12.2000",
        ),
        (
            "{value: {days-since: '2000-13-01'}, gt: 1}",
            "rule::bad_date",
            "'2000-13-01'",
        ),
        (
            "{field: os, as: time, lt: '7:30'}",
            "rule::bad_time",
            "'7:30'",
        ),
        (
            "{field: maintenance-windows, overlaps: '08:00-08:00'}",
            "rule::bad_time_window",
            "'08:00-08:00'",
        ),
        (
            "{field: maintenance-windows, overlaps: [], }",
            "rule::bad_time_window",
            "[]",
        ),
        (
            "{field: installed, overlaps: '08:00-09:00'}",
            "rule::wrong_value_type",
            "overlaps",
        ),
        (
            "{field: free-drive-letters, as: date, gt: 2000-01-01}",
            "rule::wrong_value_type",
            "date",
        ),
        (
            "{field: installed, as: time, gt: '08:00'}",
            "rule::wrong_value_type",
            "time",
        ),
        (
            "{field: os, as: date, matches: '^2'}",
            "rule::bad_argument",
            "date",
        ),
        (
            "{value: {add-days: [{field: installed}, x]}, equals: 1}",
            "rule::expression_type",
            "x",
        ),
        (
            "{value: {today: 1}, equals: 1}",
            "rule::bad_expression",
            "1",
        ),
    ];
    for (when, code, text) in cases {
        let rule = server_rule(when);
        let (got, underlined) = load_error(&rule);
        assert_eq!(got, format!("kbcheck::{code}"), "{when}");
        assert_eq!(underlined, text, "{when}");
    }
    // An untyped text field, and a list of windows, are fine.
    assert!(compile(&server_rule("{field: os, as: date, gt: 2000-01-01}")).is_ok());
    assert!(
        compile(&server_rule(
            "{field: maintenance-windows, overlaps: {field: maintenance-windows, of: parent}}"
        ))
        .is_ok()
    );
}

#[test]
fn malformed_topology_values_are_errors_with_their_place() {
    let vocab = crate::lang::operators::testing::vocab();
    let text = "version: 1\nnodes:\n  - {id: S, kind: server, installed: 2025-02-30, maintenance-windows: ['22:00-02:00', '8-9']}\n  - {id: D, kind: dispatch, parent: S, start-at: '24:00'}\n";
    let file = crate::source::SourceFile::new("t.yaml", text.to_owned());
    let tree = crate::parse::parse_document(&file, &Default::default()).unwrap();
    let (_, diags) = crate::topology::Topology::load(&file, tree, &vocab);
    let got: Vec<(String, String, u32)> = diags
        .iter()
        .map(|d| {
            let (_, line, _) = d.location.clone().unwrap_or_default();
            (d.code.clone(), d.message.clone(), line)
        })
        .collect();
    assert_eq!(got.len(), 3, "{got:#?}");
    assert!(
        got.iter()
            .all(|(c, _, _)| c == "kbcheck::topology::wrong_type")
    );
    assert!(got[0].1.contains("February 2025 has 28 days") && got[0].2 == 3);
    assert!(got[1].1.contains("`8-9` is not a time window") && got[1].2 == 3);
    assert!(got[2].1.contains("hours run from 00 to 23") && got[2].2 == 4);
}
