//! Group rules: bucket selected entities by key within a scope and fire on groups whose
//! size is in range — duplicates (`size: {min: 2}`) or a missing partner (`size: {max: 1}`).
//! A key field written `{each: path}` is a list whose every element is a key of its own
//! (instances sharing any one drive letter); groups with the same members are one finding.

use super::{group_message, inconclusive, level, selection};
use crate::finding::{Finding, Inconclusive};
use crate::lang::cond::Truth;
use crate::lang::env::Env;
use crate::lang::env::{DerivedStore, DerivedUse};
use crate::lang::expr::Out;
use crate::lang::relation::{Step, Walk};
use crate::lang::{GroupSpec, Rule, RuleSet, Within};
use crate::topology::{Idx, Topology};
use crate::value::Value;
use std::cell::RefCell;
use std::collections::HashMap;

/// Connected components per walk, computed once per distinct walk and shared by rules; and
/// the last grouping formed, shared by the next rule that groups the same entities the same
/// way (rules differing only in group size or message).
#[derive(Default)]
pub struct Components {
    cache: HashMap<String, Vec<Idx>>,
    last: Option<(String, Grouping)>,
}

/// The groups of a rule's selected entities, before its size range is applied.
struct Grouping {
    /// (scope, key) → slot in `buckets`; a scope by its number in the order first seen (one
    /// copy of its text per scope, not one per member).
    groups: HashMap<(u32, String), usize>,
    /// (key, members, derived values read), in first-seen order.
    buckets: Vec<(String, Vec<Idx>, Vec<DerivedUse>)>,
    /// Members whose key is not set: scope, entity, the key fields it lacks.
    unkeyed: Vec<(u32, Idx, Vec<Vec<String>>)>,
    /// Entities whose selection is unknown.
    unselected: Vec<Inconclusive>,
}

/// What a group rule's grouping depends on: rules with the same key form the same groups.
pub fn grouping_key(rule: &Rule) -> Option<String> {
    match &rule.logic {
        crate::lang::Logic::Group(spec) => Some(format!(
            "{:?}",
            (
                &rule.select.class,
                &rule.select.kinds,
                &rule.select.tags,
                &rule.select.cond,
                &spec.by,
                &spec.each,
                &spec.element_keys,
                &spec.within
            )
        )),
        _ => None,
    }
}

impl Components {
    /// The component id (a representative node) of every node, for this walk.
    pub fn of(&mut self, topo: &Topology, derived: &DerivedStore, walk: &Walk) -> &[Idx] {
        let key = format!("{:?}", (&walk.steps, &walk.links, &walk.child_where));
        self.cache
            .entry(key)
            .or_insert_with(|| union_find(topo, derived, walk))
    }
}

fn find(parent: &mut [Idx], mut x: Idx) -> Idx {
    let mut root = x;
    while let Some(&p) = parent.get(root as usize) {
        if p == root {
            break;
        }
        root = p;
    }
    // Path compression keeps later finds near constant time.
    while let Some(p) = parent.get_mut(x as usize) {
        if *p == root {
            break;
        }
        let next = *p;
        *p = root;
        x = next;
    }
    root
}

fn union_find(topo: &Topology, derived: &DerivedStore, walk: &Walk) -> Vec<Idx> {
    let n = topo.node_count;
    let mut parent: Vec<Idx> = (0..n).filter_map(|i| Idx::try_from(i).ok()).collect();
    let mut rank = vec![0u8; n];
    let mut union = |i: Idx, j: Idx| {
        let (a, b) = (find(&mut parent, i), find(&mut parent, j));
        if a == b {
            return;
        }
        let (ra, rb) = (
            rank.get(a as usize).copied().unwrap_or(0),
            rank.get(b as usize).copied().unwrap_or(0),
        );
        let (child, root) = if ra < rb { (a, b) } else { (b, a) };
        if let Some(p) = parent.get_mut(child as usize) {
            *p = root;
        }
        if ra == rb
            && let Some(r) = rank.get_mut(root as usize)
        {
            *r = r.saturating_add(1);
        }
    };
    // `child-where` filters the containment steps only: a child joins its parent by
    // containment where the condition surely holds on it, while the other steps (links,
    // references) join whatever they reach, a child and its parent too.
    let (containment, free) = match &walk.child_where {
        None => (None, walk.clone()),
        Some(cond) => {
            let contains = |s: &Step| matches!(s, Step::Parent | Step::Children);
            let free = Walk {
                steps: walk
                    .steps
                    .iter()
                    .filter(|s| !contains(s))
                    .copied()
                    .collect(),
                ..walk.clone()
            };
            (walk.steps.iter().any(contains).then_some(cond), free)
        }
    };
    let mut neighbours = Vec::new();
    for i in 0..n {
        let Ok(i) = Idx::try_from(i) else { continue };
        neighbours.clear();
        free.neighbours(topo, i, &mut neighbours);
        for &j in &neighbours {
            union(i, j);
        }
        // Over `parent` or `children` alike, the edge is the child's to its parent.
        if let (Some(cond), Some(p)) = (containment, topo.entity(i).parent) {
            let uses = RefCell::new(Vec::new());
            if cond.holds(&Env::new(topo, derived, i, &uses)) {
                union(i, p);
            }
        }
    }
    (0..n)
        .filter_map(|i| Idx::try_from(i).ok())
        .map(|i| find(&mut parent, i))
        .collect()
}

/// The scope key of an entity (links belong where their `from` node belongs).
fn scope_key(topo: &Topology, within: &Within, comps: &[Idx], i: Idx) -> Option<String> {
    let e = topo.entity(i);
    let node = if (i as usize) < topo.node_count {
        Some(i)
    } else {
        e.from
    };
    match within {
        Within::Topology => Some(String::new()),
        Within::Parent => Some(
            node.and_then(|n| topo.entity(n).parent)
                .map_or_else(String::new, |p| p.to_string()),
        ),
        Within::Site => node.and_then(|n| topo.site(n)).map(|v| v.display()),
        Within::Component(_) => node
            .and_then(|n| comps.get(n as usize))
            .map(ToString::to_string),
    }
}

/// Join groups that have exactly the same members (two instances sharing the drive letters
/// M and N are one finding with the key `M, N`, not two).
fn merge_same_members(
    buckets: Vec<(String, Vec<Idx>, Vec<DerivedUse>)>,
) -> Vec<(String, Vec<Idx>, Vec<DerivedUse>)> {
    let mut index: HashMap<Vec<Idx>, usize> = HashMap::new();
    let mut out: Vec<(String, Vec<Idx>, Vec<DerivedUse>)> = Vec::new();
    for (key, members, uses) in buckets {
        match index.get(&members).and_then(|&n| out.get_mut(n)) {
            Some(b) => {
                b.0.push_str(", ");
                b.0.push_str(&key);
                for u in uses {
                    if !b.2.contains(&u) {
                        b.2.push(u);
                    }
                }
            }
            None => {
                index.insert(members.clone(), out.len());
                out.push((key, members, uses));
            }
        }
    }
    out
}

pub fn run(
    rule: &Rule,
    spec: &GroupSpec,
    topo: &Topology,
    derived: &DerivedStore,
    components: &mut Components,
    out: &mut Vec<Finding>,
    undecided: &mut Vec<Inconclusive>,
) {
    let shared = grouping_key(rule).unwrap_or_default();
    let grouping = match components.last.take() {
        Some((k, g)) if k == shared => g,
        _ => group(rule, spec, topo, derived, components),
    };
    undecided.extend(grouping.unselected.iter().map(|u| Inconclusive {
        rule: rule.id.clone(),
        kb: rule.meta.kb.clone(),
        ..u.clone()
    }));
    let Grouping {
        groups,
        buckets,
        unkeyed,
        ..
    } = &grouping;
    undecided_members(
        rule,
        spec,
        topo,
        groups,
        buckets,
        unkeyed.clone(),
        undecided,
    );
    let merged;
    let buckets = if spec.each.contains(&true) {
        merged = merge_same_members(buckets.clone());
        &merged
    } else {
        buckets
    };
    for (key, members, uses) in buckets {
        if !fires(spec, members.len() as u64) {
            continue;
        }
        let mut members = members.clone();
        members.sort_by(|a, b| topo.entity(*a).id.cmp(&topo.entity(*b).id));
        let ids: Vec<String> = members.iter().map(|m| topo.entity(*m).id.clone()).collect();
        let first = members.first().copied().unwrap_or(0);
        let msg_uses = RefCell::new(Vec::new());
        let env = Env::new(topo, derived, first, &msg_uses);
        let severity = level(rule, &members, &env);
        let message = group_message(rule, &env, &ids, key);
        let mut all_uses = uses.clone();
        for u in msg_uses.into_inner() {
            if !all_uses.contains(&u) {
                all_uses.push(u);
            }
        }
        let key_entities = key_nodes(topo, spec, first, &members);
        let mut f = Finding::new(rule, severity, message, members, all_uses);
        f.key_entities = key_entities.into_boxed_slice();
        out.push(f);
    }
    components.last = Some((shared, grouping));
}

/// Form the groups of a group rule's selected entities within their scopes.
fn group(
    rule: &Rule,
    spec: &GroupSpec,
    topo: &Topology,
    derived: &DerivedStore,
    components: &mut Components,
) -> Grouping {
    let mut unselected = Vec::new();
    // Borrowed from the shared cache: a million-entry component map is not copied per rule.
    let comps: &[Idx] = match &spec.within {
        Within::Component(walk) => components.of(topo, derived, walk),
        _ => &[],
    };
    // (scope, key) → members, in first-seen order so output is deterministic.
    let mut groups: HashMap<(u32, String), usize> = HashMap::new();
    let mut scopes: HashMap<String, u32> = HashMap::new();
    let mut buckets: Vec<(String, Vec<Idx>, Vec<DerivedUse>)> = Vec::new();
    // Members whose key is not set, with their scope and the key fields they lack.
    let mut unkeyed: Vec<(u32, Idx, Vec<Vec<String>>)> = Vec::new();
    for i in RuleSet::candidates(rule, topo) {
        let uses = RefCell::new(Vec::new());
        let env = Env::new(topo, derived, i, &uses);
        // An entity whose selection is unknown cannot be put in or left out of a group.
        match selection(rule, &env) {
            Truth::True => {}
            Truth::False => continue,
            Truth::Unknown => {
                unselected.push(inconclusive(rule, &env, &[rule.select.cond.as_ref()]));
                continue;
            }
        }
        let Some(scope) = scope_key(topo, &spec.within, comps, i) else {
            continue;
        };
        let next = u32::try_from(scopes.len()).unwrap_or(u32::MAX);
        let scope = *scopes.entry(scope).or_insert(next);
        // The values each key field offers: one, or every element of an `each` list.
        let mut choices: Vec<Vec<String>> = Vec::with_capacity(spec.by.len());
        let mut no_value = false;
        for (n, key) in spec.by.iter().enumerate() {
            let values = match key.eval(&env) {
                Out::Value(v) if v != Value::Null => {
                    match (v, spec.each.get(n).copied().unwrap_or(false)) {
                        (Value::List(items), true) => {
                            let key = spec.element_keys.get(n).and_then(Option::as_ref);
                            let mut vs: Vec<String> = items
                                .iter()
                                .filter_map(|x| element_key(key, &env, &x.value))
                                .collect();
                            vs.sort();
                            vs.dedup();
                            vs
                        }
                        (v, _) => vec![v.display()],
                    }
                }
                // A computed key with no value (text where a number is needed) is surely
                // shared with no one.
                Out::Invalid(_) => {
                    no_value = true;
                    Vec::new()
                }
                _ => Vec::new(),
            };
            // An entity without the key cannot be said to share it.
            if values.is_empty() {
                break;
            }
            choices.push(values);
        }
        if no_value {
            continue;
        }
        if choices.len() != spec.by.len() {
            let mut refs = Vec::new();
            spec.by.iter().for_each(|k| k.unset_fields(&env, &mut refs));
            let mut lacking: Vec<Vec<String>> = Vec::new();
            for r in refs {
                if !lacking.contains(&r.path) {
                    lacking.push(r.path.clone());
                }
            }
            unkeyed.push((scope, i, lacking));
            continue;
        }
        let mut keys = vec![String::new()];
        for (n, values) in choices.iter().enumerate() {
            keys = keys
                .iter()
                .flat_map(|k| {
                    values.iter().map(move |v| {
                        if n == 0 {
                            v.clone()
                        } else {
                            format!("{k} / {v}")
                        }
                    })
                })
                .collect();
        }
        let uses = uses.into_inner();
        for key in keys {
            let slot = *groups.entry((scope, key.clone())).or_insert_with(|| {
                buckets.push((key, Vec::new(), Vec::new()));
                buckets.len() - 1
            });
            if let Some(b) = buckets.get_mut(slot) {
                b.1.push(i);
                b.2.extend(uses.iter().cloned());
            }
        }
    }
    Grouping {
        groups,
        buckets,
        unkeyed,
        unselected,
    }
}

/// Whether a group of `size` members fires.
fn fires(spec: &GroupSpec, size: u64) -> bool {
    size >= spec.min && spec.max.is_none_or(|m| size <= m)
}

/// A member whose key is not set may share the key of any group in its scope; where that
/// would change whether a group fires (a lone serial 0799-99992 next to a postoffice whose
/// serial is not written yet), the rule cannot be decided on it: an inconclusive result
/// naming the group it would join. Each scope's groups are visited once per unkeyed member
/// of that scope, through an index by scope, so the cost stays linear in the members.
fn undecided_members(
    rule: &Rule,
    spec: &GroupSpec,
    topo: &Topology,
    groups: &HashMap<(u32, String), usize>,
    buckets: &[(String, Vec<Idx>, Vec<DerivedUse>)],
    unkeyed: Vec<(u32, Idx, Vec<Vec<String>>)>,
    undecided: &mut Vec<Inconclusive>,
) {
    if unkeyed.is_empty() {
        return;
    }
    // The first group of each scope whose firing one more member would change.
    let mut decisive: HashMap<u32, usize> = HashMap::new();
    for ((scope, _), &slot) in groups {
        let Some((_, members, _)) = buckets.get(slot) else {
            continue;
        };
        let size = members.len() as u64;
        if fires(spec, size) != fires(spec, size + 1) {
            let best = decisive.entry(*scope).or_insert(slot);
            // Deterministic choice: the lowest slot is the group seen first.
            if slot < *best {
                *best = slot;
            }
        }
    }
    for (scope, i, lacking) in unkeyed {
        let Some((key, members, _)) = decisive.get(&scope).and_then(|&s| buckets.get(s)) else {
            continue;
        };
        let mut members = members.clone();
        members.sort_by(|a, b| topo.entity(*a).id.cmp(&topo.entity(*b).id));
        undecided.push(Inconclusive {
            rule: rule.id.clone(),
            kb: rule.meta.kb.clone(),
            entity: i,
            missing: lacking
                .into_iter()
                .map(|path| super::cond::Missing { entity: i, path })
                .collect(),
            group: Some((key.clone(), members)),
        });
    }
}

/// The key one element of an `each` list gives: the element itself, or the value its
/// `value:` expression computes from it (none when that is unknown or has no value: the
/// element joins no group).
fn element_key(
    key: Option<&crate::lang::expr::Expr>,
    env: &Env<'_>,
    element: &Value,
) -> Option<String> {
    let Some(key) = key else {
        return Some(element.display());
    };
    let at = Env {
        element: Some(element),
        ..*env
    };
    match key.eval(&at) {
        Out::Value(v) if v != Value::Null => Some(v.display()),
        _ => None,
    }
}

/// The nodes a group's key refers to: for each key field that is a reference (`parent`,
/// `from`, `to`), the node it names (the same for every member, as they share the key).
fn key_nodes(topo: &Topology, spec: &GroupSpec, first: Idx, members: &[Idx]) -> Vec<Idx> {
    let e = topo.entity(first);
    let mut out = Vec::new();
    for path in spec.by.iter().filter_map(|k| k.as_field()).map(|f| &f.path) {
        let node = match path.as_slice() {
            [p] if p == "parent" => e.parent,
            [p] if p == "from" => e.from,
            [p] if p == "to" => e.to,
            _ => None,
        };
        if let Some(n) = node
            && !members.contains(&n)
            && !out.contains(&n)
        {
            out.push(n);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::engine::tests::{compile, fire, fire_or_not};

    #[test]
    fn a_member_whose_unknown_key_decides_a_group_is_inconclusive() {
        let rule =
            "{id: R, title: t, select: {kind: postoffice}, severity: error, message: '{key}',
          group: {by: [serial], within: parent, size: {min: 2}}}";
        let topo = "version: 1
nodes:
  - {id: S1, kind: server}
  - {id: A, kind: postoffice, parent: S1, serial: '0799-99992'}
  - {id: B, kind: postoffice, parent: S1}
  - {id: S2, kind: server}
  - {id: C, kind: postoffice, parent: S2}
  - {id: S3, kind: server}
  - {id: D, kind: postoffice, parent: S3, serial: '10-1'}
  - {id: E, kind: postoffice, parent: S3, serial: '10-1'}
  - {id: F, kind: postoffice, parent: S3}
";
        let (findings, undecided) = fire_or_not(rule, topo);
        // D and E already fire, whatever F's serial is; C has no keyed neighbour.
        assert_eq!(findings, vec![vec!["D", "E"]]);
        assert_eq!(undecided, vec![("B".to_owned(), vec!["serial".to_owned()])]);
        // A partner rule (`max: 1`): the lone D would be answered by an unknown neighbour.
        let partner = rule.replace("size: {min: 2}", "size: {max: 1}");
        let (findings, undecided) = fire_or_not(&partner, topo);
        assert_eq!(findings, vec![vec!["A"]]);
        assert_eq!(undecided, vec![("B".to_owned(), vec!["serial".to_owned()])]);
    }

    #[test]
    fn child_where_filters_containment_but_never_a_link() {
        // B sits on S and also has a connector link to it: `child-where` drops the
        // containment step (B is not `created-by: msmail-connector`), the link still joins
        // them. (Found by the differential oracle, tests/oracle/.)
        let rule =
            "{id: R, title: t, select: {kind: postoffice}, severity: error, message: '{key}',
          group: {by: [serial], size: {min: 2}, within: {component: {
            via: [links, parent, children], links: [msmail-connector],
            child-where: {field: created-by, equals: msmail-connector}}}}}";
        let topo = "version: 1
nodes:
  - {id: S, kind: server}
  - {id: A, kind: postoffice, parent: S, serial: '10-1', created-by: msmail-connector}
  - {id: B, kind: postoffice, parent: S, serial: '10-1'}
  - {id: T, kind: server}
  - {id: C, kind: postoffice, parent: T, serial: '10-2'}
  - {id: D, kind: postoffice, parent: T, serial: '10-2'}
links:
  - {kind: msmail-connector, from: B, to: S}
";
        // C and D only share a server, which `child-where` does not let join them.
        assert_eq!(fire(rule, topo), vec![vec!["A", "B"]]);
    }

    const RULE: &str =
        "{id: R, title: t, select: {kind: external}, severity: error, message: '{key}',
      group: {by: [{each: dynamic-drives}], within: parent, size: {min: 2}}}";

    #[test]
    fn each_element_of_a_list_is_a_key() {
        let topo = "version: 1
nodes:
  - {id: WS, kind: server}
  - {id: MN, kind: external, parent: WS, dynamic-drives: [M, N]}
  - {id: OP, kind: external, parent: WS, dynamic-drives: [O, P]}
  - {id: NO, kind: external, parent: WS, dynamic-drives: [N, O]}
  - {id: QR, kind: external, parent: WS, dynamic-drives: [Q, R]}
  - {id: NONE, kind: external, parent: WS, dynamic-drives: []}
";
        assert_eq!(fire(RULE, topo), vec![vec!["MN", "NO"], vec!["NO", "OP"]]);
    }

    #[test]
    fn groups_with_the_same_members_are_one_finding() {
        let topo = "version: 1
nodes:
  - {id: WS, kind: server}
  - {id: A, kind: external, parent: WS, dynamic-drives: [M, N]}
  - {id: B, kind: external, parent: WS, dynamic-drives: [N, M]}
  - {id: OTHER, kind: server}
  - {id: C, kind: external, parent: OTHER, dynamic-drives: [M, N]}
";
        assert_eq!(fire(RULE, topo), vec![vec!["A", "B"]]);
    }

    #[test]
    fn rules_forming_the_same_groups_share_them() {
        let rule = |id: &str, min: u32| {
            format!(
                "{{id: {id}, title: t, select: {{kind: postoffice, where: {{field: network, equals: N}}}}, severity: error, message: '{{key}}',
                  group: {{by: [serial], within: parent, size: {{min: {min}}}}}}}"
            )
        };
        let mut set = compile(&rule("TWO", 2)).unwrap();
        set.rules
            .push(compile(&rule("THREE", 3)).unwrap().rules.remove(0));
        set.rules
            .push(compile(&rule("ALSO-TWO", 2)).unwrap().rules.remove(0));
        let topo = "version: 1
nodes:
  - {id: S, kind: server}
  - {id: A, kind: postoffice, parent: S, network: N, serial: '1-1'}
  - {id: B, kind: postoffice, parent: S, network: N, serial: '1-1'}
  - {id: C, kind: postoffice, parent: S, network: N, serial: '1-2'}
  - {id: D, kind: postoffice, parent: S, network: N, serial: '1-2'}
  - {id: E, kind: postoffice, parent: S, network: N, serial: '1-2'}
  - {id: U, kind: postoffice, parent: S, serial: '1-2', tags: [planned]}
";
        let file = crate::source::SourceFile::new("t.yaml", topo.to_owned());
        let tree = crate::parse::parse_document(&file, &Default::default()).unwrap();
        let (t, _) = crate::topology::Topology::load(&file, tree, &set.vocab);
        let t = t.unwrap();
        let results = crate::engine::evaluate_all(&set, &t);
        let ids = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let fired: Vec<(String, Vec<String>)> = results
            .findings
            .iter()
            .map(|f| (f.rule.id.clone(), ids(&f.ids(&t))))
            .collect();
        assert_eq!(
            fired,
            vec![
                ("ALSO-TWO".to_owned(), ids(&["A", "B"])),
                ("ALSO-TWO".to_owned(), ids(&["C", "D", "E"])),
                ("THREE".to_owned(), ids(&["C", "D", "E"])),
                ("TWO".to_owned(), ids(&["A", "B"])),
                ("TWO".to_owned(), ids(&["C", "D", "E"])),
            ]
        );
        // The planned postoffice without a network is undecided by each rule, under its id.
        let undecided: Vec<&str> = results
            .inconclusive
            .iter()
            .map(|u| u.rule.as_str())
            .collect();
        assert_eq!(undecided, vec!["ALSO-TWO", "THREE", "TWO"]);
    }

    #[test]
    fn each_mixes_with_plain_keys_and_is_checked() {
        let rule = "{id: R, title: t, select: {kind: external}, severity: error, message: '{key}',
          group: {by: [platform, {each: dynamic-drives}], size: {min: 2}}}";
        let topo = "version: 1
nodes:
  - {id: A, kind: external, platform: os2, dynamic-drives: [M]}
  - {id: B, kind: external, platform: windows-nt, dynamic-drives: [M]}
  - {id: C, kind: external, platform: os2, dynamic-drives: [M, Z]}
";
        assert_eq!(fire(rule, topo), vec![vec!["A", "C"]]);
        let typo = RULE.replace("each: dynamic-drives", "each: dynamic-drive");
        assert_eq!(
            compile(&typo).unwrap_err(),
            vec!["kbcheck::rule::unknown_field"]
        );
        let bad = RULE.replace("{each: dynamic-drives}", "{every: dynamic-drives}");
        assert!(compile(&bad).is_err());
    }
}
