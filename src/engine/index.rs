//! Rules that share work: an index of field values, built once per kind and field and
//! shared by every rule that tests that field.
//!
//! A check rule whose condition can only hold where a field has a given value (a literal
//! `equals`, a `matches`, in any `all` / `any` around them) is tested only on the entities
//! the index gives for those values — plus, always, the entities the index cannot key
//! (the field not set, a list, a map), where the condition may be unknown. A thousand
//! rules testing `serial` against a thousand values cost a thousand hash lookups, and a
//! pattern is matched once per distinct value, not once per entity. Every entity left out
//! is one where the condition is surely false, so findings and inconclusive results are
//! exactly those of testing every entity.

use crate::lang::cond::{Cond, Target};
use crate::lang::operators::{Lookup, index_key};
use crate::lang::{Logic, Rule};
use crate::topology::{Idx, Topology};
use crate::value::Value;
use crate::vocabulary::Class;
use std::borrow::Cow;
use std::collections::HashMap;

/// The entities of one kind, by the key of one field's value: sorted (key, entity) pairs, the
/// keys borrowed from the topology where they are its own text (a hash map held a copied
/// string and a list per distinct value, and twice their number in empty slots).
#[derive(Debug, Default)]
struct Values<'t> {
    keyed: Vec<(Cow<'t, str>, Idx)>,
    /// Entities whose value has no key (not set, `null`, a list or map): always tested.
    unkeyed: Vec<Idx>,
}

impl Values<'_> {
    /// The entities whose key is `key`.
    fn with_key<'s>(&'s self, key: &'s str) -> impl Iterator<Item = Idx> + 's {
        let from = self.keyed.partition_point(|(k, _)| k.as_ref() < key);
        self.keyed
            .get(from..)
            .unwrap_or_default()
            .iter()
            .take_while(move |(k, _)| k.as_ref() == key)
            .map(|(_, i)| *i)
    }

    /// The entities whose key `re` matches: the pattern is tried once per distinct key.
    fn matching(&self, re: &regex::Regex, out: &mut Vec<Idx>) {
        let mut last: Option<(&str, bool)> = None;
        for (k, i) in &self.keyed {
            let hit = match last {
                Some((prev, hit)) if prev == k.as_ref() => hit,
                _ => re.is_match(k),
            };
            last = Some((k.as_ref(), hit));
            if hit {
                out.push(*i);
            }
        }
    }
}

/// Value indexes, built on first use: (kind, field path, caseless) → values.
#[derive(Debug, Default)]
pub struct Index<'t> {
    values: HashMap<(Class, String, Vec<String>, bool), Values<'t>>,
    /// Field tests answered once per distinct value (see [`super::decide`]).
    pub exact: super::decide::Values,
}

/// One alternative under which a condition may hold: the field at `path` passes `lookup`.
struct Need<'a> {
    path: &'a [String],
    lookup: Lookup<'a>,
}

/// Alternatives at least one of which an entity must meet (or have no key for) for the
/// condition to be other than false; `None` when the condition gives no such handle.
fn needs(c: &Cond) -> Option<Vec<Need<'_>>> {
    match c {
        Cond::Field { field, op, .. } if field.target == Target::Itself => {
            op.lookup().map(|lookup| {
                vec![Need {
                    path: &field.path,
                    lookup,
                }]
            })
        }
        // Every branch must be false for `any` to be false.
        Cond::Any(cs) => {
            let mut all = Vec::new();
            for c in cs {
                all.extend(needs(c)?);
            }
            Some(all)
        }
        // One false member makes `all` false: the narrowest member with a handle will do.
        Cond::All(cs) => cs.iter().filter_map(needs).min_by_key(Vec::len),
        _ => None,
    }
}

impl<'t> Index<'t> {
    /// The entities `rule` may fire (or be unknown) on, ascending, when its condition gives
    /// the index a handle; `None` when every selected entity must be tested.
    pub fn candidates(&mut self, rule: &Rule, topo: &'t Topology) -> Option<Vec<Idx>> {
        let Logic::Check(Some(cond)) = &rule.logic else {
            return None;
        };
        if rule.select.kinds.is_empty() {
            return None;
        }
        let needs = needs(cond)?;
        let mut out = Vec::new();
        let class = rule.select.class;
        for kind in &rule.select.kinds {
            for need in &needs {
                let caseless = matches!(need.lookup, Lookup::Key { caseless: true, .. });
                let values = self
                    .values
                    .entry((class, kind.clone(), need.path.to_vec(), caseless))
                    .or_insert_with(|| build(topo, class, kind, need.path, caseless));
                out.extend_from_slice(&values.unkeyed);
                match &need.lookup {
                    Lookup::Key { key, .. } => out.extend(values.with_key(key)),
                    Lookup::Pattern(re) => values.matching(re, &mut out),
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        Some(out)
    }
}

fn build<'t>(
    topo: &'t Topology,
    class: Class,
    kind: &str,
    path: &[String],
    caseless: bool,
) -> Values<'t> {
    let mut values = Values::default();
    for &i in topo.of_kind(class, kind) {
        let key = topo.get(i, path).and_then(|v| match v {
            // The topology's own text: borrowed, not copied.
            Cow::Borrowed(Value::Str(s)) if !caseless => Some(Cow::Borrowed(s.as_str())),
            v => index_key(&v, caseless).map(Cow::Owned),
        });
        match key {
            Some(key) => values.keyed.push((key, i)),
            None => values.unkeyed.push(i),
        }
    }
    values.keyed.sort_unstable();
    values.keyed.shrink_to_fit();
    values
}

#[cfg(test)]
mod tests {
    use super::needs;
    use crate::engine::tests::{compile, fire_or_not};
    use crate::lang::Logic;

    /// The same rule with and without an index handle must fire (and be unknown) on the
    /// same entities.
    #[test]
    fn indexed_rules_fire_as_scanned_ones() {
        let topology = "version: 1
nodes:
  - {id: S1, kind: server, product: exchange, version: '5.5', tags: [production]}
  - {id: A, kind: postoffice, parent: S1, serial: '21-1', name: SALES, network: N}
  - {id: B, kind: postoffice, parent: S1, serial: '21-2', name: sales2, network: N}
  - {id: C, kind: postoffice, parent: S1, name: HUB, network: N}
  - {id: D, kind: postoffice, parent: S1, serial: '0799-99992', name: Sales, network: N, tags: [test]}
  - {id: E, kind: postoffice, parent: S1, serial: '21-1', name: x, network: N}
";
        let conds = [
            "{field: serial, equals: '21-1'}",
            "{any: [{field: serial, equals: '21-2'}, {field: name, matches: '^SAL'}]}",
            "{all: [{field: name, equals: sales, as: caseless}, {field: serial, exists: true}]}",
            "{field: name, equals: SALES2, as: caseless}",
            "{any: [{field: serial, equals: '0799-99992'}, {tag: production}]}",
            "{all: [{field: serial, matches: '^21-'}, {field: name, equals: x}]}",
            "{field: serial, not-equals: '21-1'}",
        ];
        for cond in conds {
            let indexed = format!(
                "{{id: R, title: t, select: {{kind: postoffice}}, severity: error, message: m, when: {cond}}}"
            );
            // `any` with a branch the index has no handle on (a tag nobody has): scanned.
            let scanned = format!(
                "{{id: R, title: t, select: {{kind: postoffice}}, severity: error, message: m,
                   when: {{any: [{cond}, {{tag: nobody-has-this}}]}}}}"
            );
            let handle = |rule: &str| {
                let set = compile(rule).unwrap();
                let Logic::Check(Some(c)) = &set.rules[0].logic else {
                    panic!("{rule}")
                };
                needs(c).is_some()
            };
            let open = cond.contains("not-equals") || cond.contains("tag:");
            assert_eq!(handle(&indexed), !open, "{cond}");
            assert!(!handle(&scanned), "{cond}");
            let a = fire_or_not(&indexed, topology);
            let b = fire_or_not(&scanned, topology);
            assert_eq!(a, b, "{cond}");
        }
        let (fired, undecided) = fire_or_not(
            "{id: R, title: t, select: {kind: postoffice}, severity: error, message: m, when: {field: serial, equals: '21-1'}}",
            topology,
        );
        assert_eq!(fired, vec![vec!["A".to_owned()], vec!["E".to_owned()]]);
        assert_eq!(undecided, vec![("C".to_owned(), vec!["serial".to_owned()])]);
    }
}
