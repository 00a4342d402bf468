//! End-to-end tests of bindings, paths of steps, `through`, link counts and `of` paths.

use super::tests::{compile, compiled_on, fire};

/// Each finding's entity ids, message and witness paths (as ids).
fn findings(rule: &str, topology: &str) -> Vec<(Vec<String>, String, Vec<Vec<String>>)> {
    let (set, topo) = compiled_on(rule, topology);
    crate::engine::evaluate(&set, &topo)
        .iter()
        .map(|f| {
            (
                f.ids(&topo).into_iter().map(str::to_owned).collect(),
                f.message.to_string(),
                f.paths
                    .iter()
                    .map(|p| {
                        p.walked
                            .iter()
                            .map(|&i| topo.entity(i).id.clone())
                            .collect()
                    })
                    .collect(),
            )
        })
        .collect()
}

const SAME_NAME: &str = "{id: R, title: t, select: {kind: postoffice}, severity: error,
  message: 'postoffice `{id}` has the name of `{twin}` ({twin:network}/{twin:name})',
  report: [twin],
  when: {related: {path: [parent, children], kind: postoffice, bind: twin,
                   where: {field: name, equals: {field: name, of: subject}}}}}";

const THREE: &str = "version: 1
nodes:
  - {id: S, kind: server}
  - {id: A, kind: postoffice, network: N, name: P}
  - {id: B, kind: postoffice, network: N, name: P}
  - {id: C, kind: postoffice, network: N, name: P}
  - {id: D, kind: postoffice, network: N, name: Q}
";

fn under_s(t: &str) -> String {
    t.replace("name: P}", "name: P, parent: S}")
        .replace("name: Q}", "name: Q, parent: S}")
}

#[test]
fn a_check_rule_names_each_clashing_pair_once() {
    let got = findings(SAME_NAME, &under_s(THREE));
    let ids: Vec<Vec<String>> = got.iter().map(|g| g.0.clone()).collect();
    assert_eq!(ids, vec![vec!["A", "B"], vec!["A", "C"], vec!["B", "C"]]);
    assert_eq!(got[0].1, "postoffice `A` has the name of `B` (N/P)");
}

#[test]
fn without_report_a_binding_prints_every_match_in_one_finding() {
    let rule = SAME_NAME.replace("report: [twin],", "");
    let got = findings(&rule, &under_s(THREE));
    let ids: Vec<Vec<String>> = got.iter().map(|g| g.0.clone()).collect();
    assert_eq!(ids, vec![vec!["A"], vec!["B"], vec!["C"]]);
    assert_eq!(
        got[0].1,
        "postoffice `A` has the name of `B, C` (N, N/P, P)"
    );
}

#[test]
fn a_rule_without_bindings_keeps_one_finding_per_entity() {
    let rule = SAME_NAME
        .replace("report: [twin],", "")
        .replace("bind: twin,", "")
        .replace(" of `{twin}` ({twin:network}/{twin:name})", " of another");
    assert_eq!(
        fire(&rule, &under_s(THREE)),
        vec![vec!["A"], vec!["B"], vec!["C"]]
    );
}

#[test]
fn binding_errors_are_load_errors() {
    let bad = |r: &str| compile(r).unwrap_err();
    assert_eq!(
        bad(&SAME_NAME.replace("report: [twin]", "report: [twn]")),
        vec!["kbcheck::rule::unknown_binding"]
    );
    assert_eq!(
        bad(&SAME_NAME
            .replace("when: {related:", "when: {not: {related:")
            .replace("}}}}}", "}}}}}}")),
        vec!["kbcheck::rule::bad_binding"]
    );
    assert_eq!(
        bad(&SAME_NAME.replace("bind: twin", "bind: parent")),
        vec!["kbcheck::rule::bad_binding"]
    );
    assert_eq!(
        bad(&SAME_NAME.replace(
            "kind: postoffice, bind: twin,",
            "kind: postoffice, bind: twin, quantifier: none,"
        )),
        vec!["kbcheck::rule::bad_binding"]
    );
    assert_eq!(
        bad(&SAME_NAME.replace("{twin:network}", "{twin:netwrk}")),
        vec!["kbcheck::rule::bad_message"]
    );
}

const CHAIN: &str = "version: 1
nodes:
  - {id: A, kind: postoffice}
  - {id: B, kind: postoffice}
  - {id: C, kind: postoffice}
  - {id: G, kind: gateway}
links:
  - {id: AB, kind: external-postoffice, from: A, to: B, route: direct}
  - {id: BC, kind: external-postoffice, from: B, to: C, route: direct}
";

#[test]
fn a_reachability_binding_carries_its_witness_path() {
    let rule = "{id: R, title: t, select: {kind: postoffice}, severity: error, message: '{id} reaches {far}',
      report: [far],
      when: {related: {links: [external-postoffice], direction: out, hops: {min: 2}, bind: far}}}";
    let got = findings(rule, CHAIN);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, vec!["A", "C"]);
    assert_eq!(got[0].1, "A reaches C");
    assert_eq!(got[0].2, vec![vec!["A", "AB", "B", "BC", "C"]]);
}

#[test]
fn through_keeps_a_walk_inside_the_kinds_it_names() {
    // A server between two postoffices: with `through: [postoffice]`, the walk stops there.
    let topo = "version: 1
nodes:
  - {id: S, kind: server}
  - {id: A, kind: postoffice}
  - {id: B, kind: postoffice}
links:
  - {kind: msmail-connector, from: A, to: S}
  - {kind: msmail-connector, from: S, to: B}
";
    let rule = |through: &str| {
        format!(
            "{{id: R, title: t, select: {{kind: postoffice}}, severity: error, message: m,
              when: {{related: {{links: [msmail-connector], hops: any, {through} kind: postoffice}}}}}}"
        )
    };
    assert_eq!(fire(&rule(""), topo), vec![vec!["A"], vec!["B"]]);
    assert!(fire(&rule("through: [postoffice],"), topo).is_empty());
    assert_eq!(
        compile(&rule("through: [postofice],")).unwrap_err(),
        vec!["kbcheck::rule::unknown_kind"]
    );
    let one_hop = "{id: R, title: t, select: {kind: postoffice}, severity: error, message: m,
       when: {related: {links: [msmail-connector], through: [server]}}}";
    assert_eq!(
        compile(one_hop).unwrap_err(),
        vec!["kbcheck::rule::bad_argument"]
    );
}

#[test]
fn a_path_of_steps_filters_each_step() {
    // Postoffice -> its server -> outgoing msmail-connector -> other server -> its postoffices.
    let topo = "version: 1
nodes:
  - {id: S1, kind: server, product: exchange}
  - {id: S2, kind: server, product: exchange}
  - {id: S3, kind: server, product: msmail}
  - {id: P1, kind: postoffice, parent: S1}
  - {id: P2, kind: postoffice, parent: S2}
  - {id: P3, kind: postoffice, parent: S3}
links:
  - {kind: msmail-connector, from: S1, to: S2}
  - {kind: msmail-connector, from: S1, to: S3}
";
    let rule = "{id: R, title: t, select: {kind: postoffice}, severity: error, message: '{id} to {far}',
      report: [far],
      when: {related: {bind: far, path: [
        {via: parent, kind: server},
        {via: links, links: [msmail-connector], direction: out, kind: server, where: {field: product, equals: exchange}},
        {via: children, kind: postoffice}]}}}";
    let got = findings(rule, topo);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, vec!["P1", "P2"]);
    assert_eq!(got[0].2.len(), 1);
    assert_eq!(got[0].2[0].first().map(String::as_str), Some("P1"));
    assert_eq!(got[0].2[0].last().map(String::as_str), Some("P2"));
    assert_eq!(got[0].2[0].len(), 5, "P1, S1, the link, S2, P2");
    let mixed = rule.replace("bind: far, path:", "via: parent, path:");
    assert_eq!(
        compile(&mixed).unwrap_err(),
        vec!["kbcheck::rule::bad_argument"]
    );
}

#[test]
fn a_path_never_ends_where_it_started() {
    let rule = "{id: R, title: t, select: {kind: postoffice}, severity: error, message: m,
      when: {related: {path: [parent, children], kind: postoffice}}}";
    let one = "version: 1
nodes:
  - {id: S, kind: server}
  - {id: A, kind: postoffice, parent: S}
";
    assert!(fire(rule, one).is_empty());
}

#[test]
fn count_links_counts_parallel_links_apart() {
    let topo = "version: 1
nodes:
  - {id: S1, kind: server}
  - {id: S2, kind: server}
links:
  - {kind: msmail-connector, from: S1, to: S2}
  - {kind: msmail-connector, from: S1, to: S2}
  - {kind: msmail-connector, from: S1, to: S2}
";
    let rule = |links: &str| {
        format!(
            "{{id: R, title: t, select: {{kind: server}}, severity: error, message: m,
              when: {{related: {{links: [msmail-connector], direction: out, {links} count: {{min: 3}}}}}}}}"
        )
    };
    assert!(fire(&rule(""), topo).is_empty());
    assert_eq!(fire(&rule("count-links: true,"), topo), vec![vec!["S1"]]);
    let no_count = "{id: R, title: t, select: {kind: server}, severity: error, message: m,
      when: {related: {links: [msmail-connector], count-links: true}}}";
    assert_eq!(
        compile(no_count).unwrap_err(),
        vec!["kbcheck::rule::bad_argument"]
    );
}

#[test]
fn of_reads_a_relative_over_a_short_path() {
    let topo = "version: 1
nodes:
  - {id: S1, kind: server, site: X}
  - {id: S2, kind: server, site: Y}
  - {id: S3, kind: server, site: X}
  - {id: P1, kind: postoffice, parent: S1}
  - {id: P2, kind: postoffice, parent: S2}
  - {id: P3, kind: postoffice, parent: S3}
links:
  - {id: L12, kind: msmail-connector, from: P1, to: P2}
  - {id: L13, kind: msmail-connector, from: P1, to: P3}
";
    let link_rule =
        "{id: R, title: t, select: {link: msmail-connector}, severity: error, message: m,
      when: {field: site, of: [from, parent], not-equals: {field: site, of: to.parent}}}";
    assert_eq!(fire(link_rule, topo), vec![vec!["L12"]]);
    // Inside a relation, from the subject: postoffices whose server's site is not the
    // subject's server's site.
    let po_rule = "{id: R, title: t, select: {kind: postoffice}, severity: error, message: m,
      when: {related: {links: [msmail-connector], direction: out,
        where: {field: site, of: parent, not-equals: {field: site, of: subject.parent}}}}}";
    assert_eq!(fire(po_rule, topo), vec![vec!["P1"]]);
    let bad = |of: &str| {
        compile(&format!(
            "{{id: R, title: t, select: {{kind: postoffice}}, severity: error, message: m,
              when: {{field: site, of: {of}, exists: true}}}}"
        ))
        .unwrap_err()
    };
    assert_eq!(bad("[from, parent]"), vec!["kbcheck::rule::unknown_target"]);
    assert_eq!(bad("parent.subject"), vec!["kbcheck::rule::unknown_target"]);
    assert_eq!(bad("parent.prent"), vec!["kbcheck::rule::unknown_target"]);
    assert_eq!(
        bad("parent.parent.parent.parent.parent"),
        vec!["kbcheck::rule::unknown_target"]
    );
}
