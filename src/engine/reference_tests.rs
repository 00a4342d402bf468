//! End-to-end tests of reference attributes (`type: reference`): a topology's references
//! resolved and checked, followed in relations (`via: [backup]`, `{referenced-by: backup}`)
//! and in `of`, and one word used as a node kind and as a link kind.

use super::tests::{compile_with, fire_or_not_with};
use crate::lang::operators::testing::vocab_with;
use crate::source::SourceFile;
use crate::topology::Topology;
use crate::vocabulary::{Class, Vocabulary};

/// A pack's vocabulary: references on postoffices (one, a list) and on a link kind whose name
/// the bundled vocabulary uses for a node kind.
pub(crate) const PACK: &str = "nodes:
  postoffice:
    attributes:
      backup: {type: reference, kinds: [postoffice], description: The postoffice that takes over.}
      peers: {type: array, items: {type: reference}}
links:
  dirsync-requestor:
    from: [postoffice]
    to: [dirsync-server]
    attributes:
      via: {type: reference, kinds: [postoffice], description: The postoffice requests pass.}
";

pub(crate) const TOPO: &str = "version: 1
nodes:
  - {id: A, kind: postoffice, network: N1, backup: B, peers: [B, S]}
  - {id: B, kind: postoffice, network: N2, backup: A}
  - {id: C, kind: postoffice, network: N1, backup: A}
  - {id: S, kind: server}
  - {id: D, kind: dirsync-server, parent: A}
  - {id: R, kind: dirsync-requestor, parent: C}
links:
  - {id: L, kind: dirsync-requestor, from: C, to: D, via: B}
";

pub(crate) fn vocab() -> Vocabulary {
    vocab_with(&[PACK])
}

fn fired(rule: &str, topo: &str) -> crate::engine::tests::Fired {
    fire_or_not_with(rule, topo, vocab())
}

/// The diagnostic codes and messages of loading `topo` under the pack's vocabulary.
fn topology_errors(topo: &str) -> Vec<(String, String, String)> {
    let file = SourceFile::new("t.yaml", topo.to_owned());
    let tree = crate::parse::parse_document(&file, &Default::default()).unwrap();
    let (t, diags) = Topology::load(&file, tree, &vocab());
    assert!(t.is_none() == diags.has_errors());
    diags
        .0
        .iter()
        .map(|d| {
            (
                d.code.clone(),
                d.message.clone(),
                d.help.clone().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn a_relation_follows_a_reference_like_parent() {
    // Postoffices whose backup is on another network.
    let rule = "{id: R, title: t, select: {kind: postoffice}, severity: error, message: m,
      when: {related: {via: [backup], kind: postoffice, quantifier: any,
                       where: {field: network, not-equals: {field: network, of: subject}}}}}";
    let (found, undecided) = fired(rule, TOPO);
    assert_eq!(found, vec![vec!["A"], vec!["B"]]);
    assert!(undecided.is_empty(), "{undecided:?}");
}

#[test]
fn a_relation_follows_a_reference_back_to_the_nodes_that_name_it() {
    // Postoffices two others fall back on.
    let rule = "{id: R, title: t, select: {kind: postoffice}, severity: error, message: m,
      when: {related: {via: [{referenced-by: backup}], count: {min: 2}}}}";
    assert_eq!(fired(rule, TOPO).0, vec![vec!["A"]]);
}

#[test]
fn a_list_of_references_reaches_every_node_it_names() {
    let rule = "{id: R, title: t, select: {kind: postoffice}, severity: error, message: m,
      when: {related: {via: [peers], kind: server, quantifier: any}}}";
    assert_eq!(fired(rule, TOPO).0, vec![vec!["A"]]);
}

#[test]
fn of_reads_a_field_of_the_node_a_reference_names() {
    let rule = "{id: R, title: t, select: {kind: postoffice}, severity: error, message: m,
      when: {field: network, of: backup, equals: N1}}";
    assert_eq!(fired(rule, TOPO).0, vec![vec!["B"], vec!["C"]]);
    // Further along: the backup's backup.
    let rule = "{id: R, title: t, select: {kind: postoffice}, severity: error, message: m,
      when: {field: id, of: backup.backup, equals: A}}";
    assert_eq!(fired(rule, TOPO).0, vec![vec!["A"]]);
}

#[test]
fn a_link_reference_is_followed_from_the_link() {
    let rule = "{id: R, title: t, select: {link: dirsync-requestor}, severity: error, message: m,
      when: {field: network, of: via, equals: N2}}";
    assert_eq!(fired(rule, TOPO).0, vec![vec!["L"]]);
    let rule = "{id: R, title: t, select: {link: dirsync-requestor}, severity: error, message: m,
      when: {related: {via: [via, from], count: {min: 2}}}}";
    assert_eq!(fired(rule, TOPO).0, vec![vec!["L"]]);
}

#[test]
fn an_unset_reference_leaves_the_value_unknown_and_reaches_nothing() {
    let topo = "version: 1
nodes:
  - {id: A, kind: postoffice, network: N1}
  - {id: B, kind: postoffice, network: N1, backup: A}
";
    let rule = "{id: R, title: t, select: {kind: postoffice}, severity: error, message: m,
      when: {field: network, of: backup, equals: N1}}";
    let (found, undecided) = fired(rule, topo);
    assert_eq!(found, vec![vec!["B"]]);
    assert_eq!(undecided.len(), 1, "{undecided:?}");
    assert_eq!(undecided[0].0, "A");
    // A relation over an unset reference reaches nothing: `none` holds.
    let rule = "{id: R, title: t, select: {kind: postoffice}, severity: error, message: m,
      when: {related: {via: [backup], quantifier: none}}}";
    assert_eq!(fired(rule, topo).0, vec![vec!["A"]]);
}

#[test]
fn a_reference_the_rule_cannot_follow_is_a_load_error() {
    let codes = |when: &str| {
        let rule = format!(
            "{{id: R, title: t, select: {{kind: postoffice}}, severity: error, message: m, when: {when}}}"
        );
        compile_with(&rule, vocab()).err().unwrap_or_default()
    };
    // A list in `of`, which follows one node.
    assert_eq!(
        codes("{field: name, of: peers, equals: X}"),
        vec!["kbcheck::rule::unknown_target"]
    );
    // A link's reference read from a postoffice.
    assert_eq!(
        codes("{field: name, of: via, equals: X}"),
        vec!["kbcheck::rule::unknown_target"]
    );
    // Not a reference at all; back over a reference only links hold.
    assert_eq!(
        codes("{related: {via: [network], quantifier: any}}"),
        vec!["kbcheck::rule::unknown_step"]
    );
    assert_eq!(
        codes("{related: {via: [{referenced-by: via}], quantifier: any}}"),
        vec!["kbcheck::rule::unknown_step"]
    );
    assert_eq!(
        codes("{related: {via: [{referenced-by: backup, x: 1}], quantifier: any}}"),
        vec!["kbcheck::rule::unknown_step"]
    );
}

#[test]
fn a_dangling_reference_is_a_topology_error_with_the_closest_id() {
    let topo = TOPO.replace("backup: B, peers", "backup: BB, peers");
    let errs = topology_errors(&topo);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, "kbcheck::topology::unknown_reference");
    assert_eq!(errs[0].1, "`backup` names `BB`, which is not a node");
    assert_eq!(errs[0].2, "did you mean `B`?");
    // In a list, each item is checked; a link is not a node.
    let topo = TOPO.replace("peers: [B, S]", "peers: [B, L]");
    let errs = topology_errors(&topo);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].1, "`peers` names `L`, which is not a node");
}

#[test]
fn a_reference_to_a_node_of_another_kind_is_a_topology_error() {
    let topo = TOPO.replace("via: B}", "via: S}");
    let errs = topology_errors(&topo);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, "kbcheck::topology::wrong_reference_kind");
    assert_eq!(
        errs[0].1,
        "`via` names `S`, a `server`, where a `postoffice` is expected"
    );
    // A reference from `defaults` is reported once, not for every node.
    let topo = "version: 1
defaults: {backup: S}
nodes:
  - {id: A, kind: postoffice}
  - {id: B, kind: postoffice}
  - {id: S, kind: server}
";
    let errs = topology_errors(topo);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, "kbcheck::topology::wrong_reference_kind");
}

#[test]
fn one_word_names_a_node_kind_and_a_link_kind() {
    let v = vocab();
    assert!(v.kind(Class::Node, "dirsync-requestor").is_some());
    assert!(v.kind(Class::Link, "dirsync-requestor").is_some());
    assert!(topology_errors(TOPO).is_empty());
    // Each selection sees its own class only.
    let nodes = "{id: R, title: t, select: {kind: dirsync-requestor}, severity: error, message: m,
      when: {field: id, matches: '.'}}";
    assert_eq!(fired(nodes, TOPO).0, vec![vec!["R"]]);
    let links = nodes.replace("{kind: dirsync-requestor}", "{link: dirsync-requestor}");
    assert_eq!(fired(&links, TOPO).0, vec![vec!["L"]]);
}

#[test]
fn a_message_reads_a_field_of_the_node_a_reference_names() {
    let rule = "{id: R, title: t, select: {kind: postoffice}, severity: error,
      message: 'postoffice `{id}` falls back on `{backup}` ({backup:network})',
      when: {field: network, of: backup, equals: N2}}";
    let (set, topo) = super::tests::compiled_on_with(rule, TOPO, vocab());
    let messages: Vec<String> = crate::engine::evaluate(&set, &topo)
        .iter()
        .map(|f| f.message.to_string())
        .collect();
    assert_eq!(messages, vec!["postoffice `A` falls back on `B` (N2)"]);
    // A list of references names no one node to read.
    let rule = rule.replace("({backup:network})", "({peers:network})");
    assert_eq!(
        compile_with(&rule, vocab()).err().unwrap_or_default(),
        vec!["kbcheck::rule::unknown_target"]
    );
}
