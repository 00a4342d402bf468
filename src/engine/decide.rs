//! Conditions decided once per distinct value: work shared by rules that test the same field.
//!
//! A test of an entity's own field against a literal (`{field: version, version: ">=5.0"}`,
//! `{field: product, equals: exchange}`, any operator without a field or computed operand)
//! gives the same answer on every entity whose value is the same. Once rules have tested a
//! field of a kind on twice as many entities as the kind has, the entities of that kind are
//! grouped by their exact value (type and text) — one read per entity, kept for every later
//! rule. A rule then tests each
//! distinct value once, on one entity that has it, and its `all` / `any` / `not` over such
//! tests is answered per entity by looking up the groups, without reading fields again.
//!
//! An entity whose value cannot be grouped (not set, `null`, a list or a map: the value may
//! be derived, or the answer unknown), a value whose test is unknown, and any other kind of
//! condition leave the answer open: where the evaluation would reach such a part (in its
//! order, with its short cuts), the engine evaluates the condition as before. So the
//! findings, and the derived values they rest on, are exactly those of testing every entity.

use crate::lang::cond::{Cond, Target, Truth};
use crate::lang::env::{DerivedStore, Env};
use crate::lang::{Logic, Rule};
use crate::topology::{Idx, Topology};
use crate::value::Value;
use crate::vocabulary::Class;
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;

/// No group: the entity's value cannot be grouped.
const OPEN: u32 = u32::MAX;

/// The entities of one kind grouped by one field's exact value.
#[derive(Debug)]
struct Groups {
    /// For each entity of the kind (in the kind index's order): its group, or [`OPEN`].
    group: Vec<u32>,
    /// One entity per group, the first that has its value.
    first: Vec<Idx>,
}

/// Groupings by (class, kind, field path), made once rules have tested the field on twice
/// as many entities as the kind has (grouping reads each entity once: it then pays for
/// itself); how many entities rules tested each field on before.
#[derive(Debug, Default)]
pub struct Values {
    groups: HashMap<(Class, String, Vec<String>), Groups>,
    tested: HashMap<(Class, String, Vec<String>), usize>,
}

/// A rule's condition as far as the groups answer it.
enum Decider<'v> {
    All(Vec<Decider<'v>>),
    Any(Vec<Decider<'v>>),
    Not(Box<Decider<'v>>),
    /// A field test, and its answer for each group once asked: `Some(None)` when it is
    /// unknown (the condition is then evaluated).
    Leaf {
        cond: &'v Cond,
        group: usize,
        truths: RefCell<Vec<Option<Option<Truth>>>>,
    },
    /// A condition the groups cannot answer.
    Open,
}

/// The answers the groups give a rule's condition, per entity of the kind it selects.
pub struct Decided<'v> {
    kind: &'v [Idx],
    groups: Vec<&'v Groups>,
    root: Decider<'v>,
    topo: &'v Topology,
    derived: &'v DerivedStore,
}

impl Decided<'_> {
    /// The condition's truth on entity `i`, when the groups decide it.
    pub fn truth(&self, i: Idx) -> Option<Truth> {
        let pos = self.kind.binary_search(&i).ok()?;
        self.eval(&self.root, pos)
    }

    fn eval(&self, d: &Decider<'_>, pos: usize) -> Option<Truth> {
        match d {
            // In the order and with the short cuts of `Cond::eval`: a part left open stops
            // the answer where the evaluation would read it (it may read derived values,
            // which the finding names).
            Decider::All(ds) => {
                let mut out = Truth::True;
                for d in ds {
                    match self.eval(d, pos)? {
                        Truth::False => return Some(Truth::False),
                        t => out = out.and(t),
                    }
                }
                Some(out)
            }
            Decider::Any(ds) => {
                let mut out = Truth::False;
                for d in ds {
                    match self.eval(d, pos)? {
                        Truth::True => return Some(Truth::True),
                        t => out = out.or(t),
                    }
                }
                Some(out)
            }
            Decider::Not(d) => self.eval(d, pos).map(|t| !t),
            Decider::Leaf {
                cond,
                group,
                truths,
            } => {
                let groups = self.groups.get(*group)?;
                let g = groups.group.get(pos).copied()?;
                if g == OPEN {
                    return None;
                }
                let mut truths = truths.borrow_mut();
                let slot = truths.get_mut(g as usize)?;
                // Each distinct value tested once, on the first entity that has it.
                *slot.get_or_insert_with(|| {
                    let first = groups.first.get(g as usize).copied()?;
                    let uses = RefCell::new(Vec::new());
                    match cond.eval(&Env::new(self.topo, self.derived, first, &uses)) {
                        Truth::Unknown => None,
                        t => Some(t),
                    }
                })
            }
            Decider::Open => None,
        }
    }
}

impl Values {
    /// What the groups answer of `rule`'s condition, for a check rule selecting one kind
    /// whose condition has at least one field test a grouping (already made, or made now)
    /// answers; the rule tests `candidates` entities.
    pub fn decide<'v>(
        &'v mut self,
        rule: &'v Rule,
        topo: &'v Topology,
        derived: &'v DerivedStore,
        candidates: usize,
    ) -> Option<Decided<'v>> {
        let Logic::Check(Some(cond)) = &rule.logic else {
            return None;
        };
        let [kind] = rule.select.kinds.as_slice() else {
            return None;
        };
        let class = rule.select.class;
        let mut paths = Vec::new();
        leaf_paths(cond, &mut paths);
        let mut ready = false;
        for path in &paths {
            let key = (class, kind.clone(), path.to_vec());
            if self.groups.contains_key(&key) {
                ready = true;
                continue;
            }
            let entities = topo.of_kind(class, kind);
            let tested = self.tested.entry(key.clone()).or_default();
            *tested += candidates;
            if *tested >= 2 * entities.len() {
                self.groups.insert(key, group(topo, entities, path));
                ready = true;
            }
        }
        if !ready {
            return None;
        }
        let this: &'v Values = self;
        let mut used: Vec<&'v Groups> = Vec::new();
        let root = this.compile(cond, class, kind, &mut used);
        Some(Decided {
            kind: topo.of_kind(class, kind),
            groups: used,
            root,
            topo,
            derived,
        })
    }

    fn compile<'v>(
        &'v self,
        c: &'v Cond,
        class: Class,
        kind: &str,
        used: &mut Vec<&'v Groups>,
    ) -> Decider<'v> {
        let all = |cs: &'v [Cond], used: &mut Vec<&'v Groups>| -> Vec<Decider<'v>> {
            cs.iter()
                .map(|c| self.compile(c, class, kind, used))
                .collect()
        };
        match c {
            Cond::All(cs) => Decider::All(all(cs, used)),
            Cond::Any(cs) => Decider::Any(all(cs, used)),
            Cond::Not(c) => Decider::Not(Box::new(self.compile(c, class, kind, used))),
            Cond::Field { field, .. } if by_value(c) => {
                let key = (class, kind.to_owned(), field.path.clone());
                let Some(groups) = self.groups.get(&key) else {
                    return Decider::Open;
                };
                used.push(groups);
                Decider::Leaf {
                    cond: c,
                    group: used.len() - 1,
                    truths: RefCell::new(vec![None; groups.first.len()]),
                }
            }
            _ => Decider::Open,
        }
    }
}

/// Whether `c` is a test of the entity's own field whose answer depends on the value only.
fn by_value(c: &Cond) -> bool {
    match c {
        Cond::Field { field, op, .. } => {
            field.target == Target::Itself
                && op.operand_field().is_none()
                && op.operand_expr().is_none()
        }
        _ => false,
    }
}

/// The paths of the field tests in `c` that groups could answer.
fn leaf_paths<'c>(c: &'c Cond, out: &mut Vec<&'c [String]>) {
    match c {
        Cond::All(cs) | Cond::Any(cs) => cs.iter().for_each(|c| leaf_paths(c, out)),
        Cond::Not(c) => leaf_paths(c, out),
        Cond::Field { field, .. } if by_value(c) && !out.contains(&field.path.as_slice()) => {
            out.push(&field.path);
        }
        _ => {}
    }
}

/// The entities of `kind` grouped by their exact value at `path`.
fn group(topo: &Topology, kind: &[Idx], path: &[String]) -> Groups {
    let mut ids: HashMap<(u8, Cow<'_, str>), u32> = HashMap::new();
    let mut out = Groups {
        group: Vec::with_capacity(kind.len()),
        first: Vec::new(),
    };
    for &i in kind {
        let key = topo.get(i, path).and_then(exact);
        let g = match key {
            Some(key) => *ids.entry(key).or_insert_with(|| {
                out.first.push(i);
                u32::try_from(out.first.len() - 1).unwrap_or(OPEN)
            }),
            None => OPEN,
        };
        out.group.push(g);
    }
    out
}

/// A scalar's exact identity: its type and its text, borrowed from the topology where it is
/// its own text (`None` for values not grouped).
fn exact(v: Cow<'_, Value>) -> Option<(u8, Cow<'_, str>)> {
    match v {
        Cow::Borrowed(Value::Str(s)) => Some((0, Cow::Borrowed(s.as_str()))),
        Cow::Borrowed(v) => exact_owned(v),
        Cow::Owned(v) => exact_owned(&v),
    }
}

fn exact_owned<'t>(v: &Value) -> Option<(u8, Cow<'t, str>)> {
    let (tag, text) = match v {
        Value::Str(s) => (0, s.clone()),
        Value::Int(n) => (1, n.to_string()),
        Value::Float(f) => (2, f.to_string()),
        Value::Bool(b) => (3, b.to_string()),
        Value::Null | Value::List(_) | Value::Map(_) => return None,
    };
    Some((tag, Cow::Owned(text)))
}

#[cfg(test)]
mod tests {
    use super::Values;
    use crate::engine::tests::compiled_on;
    use crate::lang::RuleSet;

    const TOPOLOGY: &str = "version: 1
nodes:
  - {id: S1, kind: server, product: exchange, version: '5.5'}
  - {id: S2, kind: server, product: exchange, version: '4.0'}
  - {id: S3, kind: server, product: msmail, version: '5.5'}
  - {id: S4, kind: server, product: exchange}
  - {id: A, kind: postoffice, parent: S1, serial: '21-1', name: A1, network: N, install: {disk: 2}}
  - {id: B, kind: postoffice, parent: S1, name: B1, network: N, install: {disk: 2}}
  - {id: C, kind: postoffice, parent: S2, serial: '21-2', name: A2, network: N}
  - {id: D, kind: postoffice, parent: S3, name: C1, network: N}
  - {id: E, kind: postoffice, parent: S3, serial: '21-1', name: B2, network: N}
";

    /// A derivation (B's serial is derived) and rules testing the same fields.
    fn rules() -> Vec<String> {
        let rule = |id: &str, kind: &str, when: &str| {
            // The message reads no field: the derived values a finding names are those its
            // condition read.
            format!(
                "{{id: {id}, title: t, select: {{kind: {kind}}}, severity: error, message: '`{{id}}`', when: {when}}}"
            )
        };
        vec![
            "{id: D, title: t, select: {kind: postoffice}, when: {field: install.disk, equals: 2},
              derive: {set: {serial: '0799-99992'}}}"
                .to_owned(),
            // Rules testing every postoffice: `serial` and `name` are grouped from N3 on.
            rule("N1", "postoffice", "{not: {field: serial, equals: '21-9'}}"),
            rule(
                "N2",
                "postoffice",
                "{not: {any: [{field: serial, equals: '21-8'}, {field: name, equals: Z}]}}",
            ),
            rule("N3", "postoffice", "{not: {field: name, equals: 'Y'}}"),
            rule(
                "P1",
                "postoffice",
                "{any: [{field: serial, equals: '0799-99992'}, {field: name, matches: '^B'}]}",
            ),
            rule(
                "P2",
                "postoffice",
                "{any: [{field: name, matches: '^B'}, {field: serial, equals: '21-1'}]}",
            ),
            rule(
                "P3",
                "postoffice",
                "{all: [{field: serial, matches: '^21-'}, {not: {field: name, equals: C1}}]}",
            ),
            // B's serial (derived) is read before its name.
            rule(
                "P4",
                "postoffice",
                "{any: [{field: serial, equals: '0799-99992'}, {field: name, matches: '^B'}]}",
            ),
            rule(
                "S1",
                "server",
                "{all: [{field: product, equals: exchange}, {field: version, version: '>=5.0'}]}",
            ),
            rule(
                "S2",
                "server",
                "{all: [{field: product, equals: exchange}, {field: version, version: '>=4.0'}]}",
            ),
            rule("S3", "server", "{not: {field: version, version: '>=5.0'}}"),
        ]
    }

    /// Findings (rule, entities, message, derived values) and inconclusive results.
    fn results(set: &RuleSet, topo: &crate::topology::Topology) -> Vec<String> {
        let all = crate::engine::evaluate_all(set, topo);
        let mut out: Vec<String> = all
            .findings
            .iter()
            .map(|f| {
                format!(
                    "{} {:?} {} {:?}",
                    f.rule_id(),
                    f.ids(topo),
                    f.message,
                    f.derived
                )
            })
            .collect();
        out.extend(
            all.inconclusive
                .iter()
                .map(|u| format!("? {} {} {:?}", u.rule, u.entity, u.missing)),
        );
        out.sort();
        out
    }

    #[test]
    fn rules_sharing_value_groups_give_what_each_gives_alone() {
        let texts = rules();
        let mut sets: Vec<RuleSet> = Vec::new();
        let mut topo = None;
        for t in &texts {
            let (set, tp) = compiled_on(t, TOPOLOGY);
            sets.push(set);
            topo = Some(tp);
        }
        let topo = topo.unwrap();
        // Each rule alone beside the derivation: nothing is shared.
        let mut alone = Vec::new();
        for i in 1..texts.len() {
            let (mut set, _) = compiled_on(&texts[0], TOPOLOGY);
            let (mut rule, _) = compiled_on(&texts[i], TOPOLOGY);
            set.rules.append(&mut rule.rules);
            alone.extend(results(&set, &topo));
        }
        alone.sort();
        let mut together = sets.remove(0);
        for mut s in sets {
            together.rules.append(&mut s.rules);
        }
        let shared = results(&together, &topo);
        assert_eq!(shared, alone);
        // B's derived serial is named by the findings that read it (P2 reads B's name first).
        for rule in ["P1", "P4"] {
            let b = format!("{rule} [\"B\"]");
            assert!(
                shared
                    .iter()
                    .any(|l| l.starts_with(&b) && l.contains("0799-99992"))
            );
        }
        assert!(
            shared.contains(&"P2 [\"B\"] `B` []".to_owned()),
            "{shared:#?}"
        );
        assert!(shared.iter().any(|l| l.starts_with("S1 [\"S1\"]")));
        assert!(
            shared.iter().any(|l| l.starts_with("? S1 3")),
            "{shared:#?}"
        );
    }

    #[test]
    fn a_field_is_grouped_once_tested_on_twice_its_kind_and_answers_per_value() {
        let texts = rules();
        let (s1, topo) = compiled_on(&texts[8], TOPOLOGY);
        let (s2, _) = compiled_on(&texts[9], TOPOLOGY);
        let derived = crate::engine::derive(&s1, &topo);
        let mut values = Values::default();
        // Three of the four servers tested, then five more: the grouping is made (2 × 4).
        assert!(values.decide(&s1.rules[0], &topo, &derived, 3).is_none());
        let decided = values.decide(&s2.rules[0], &topo, &derived, 5).unwrap();
        use crate::lang::cond::Truth;
        let index_of = |id: &str| {
            (0..topo.len())
                .filter_map(|i| crate::topology::Idx::try_from(i).ok())
                .find(|&i| topo.entity(i).id == id)
                .unwrap()
        };
        let truth = |id: &str| decided.truth(index_of(id));
        // `version >= 4.0` on exchange servers; S4 has no version: left to the evaluation.
        assert_eq!(truth("S1"), Some(Truth::True));
        assert_eq!(truth("S2"), Some(Truth::True));
        assert_eq!(truth("S3"), Some(Truth::False));
        assert_eq!(truth("S4"), None);
        // Not of the kind the rule selects.
        assert_eq!(truth("A"), None);
    }
}
