//! The evaluation context the language defines: what a condition reads ([`Env`]) and the
//! values derivation rules add to a topology ([`DerivedStore`]).
//!
//! The engine fills the store and builds an `Env` per entity; conditions, relations,
//! operators and templates only read them.

use super::cond::{FieldRef, Target};
use super::relation::Closures;
use crate::date::Date;
use crate::topology::{Idx, Topology};
use crate::value::Value;
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;

/// A value a derivation rule set on an entity.
#[derive(Debug, Clone)]
pub struct Derived {
    pub path: Vec<String>,
    pub value: Value,
    pub rule: String,
}

/// A derived value a finding rests on.
#[derive(Debug, Clone, PartialEq)]
pub struct DerivedUse {
    pub entity: Idx,
    pub path: Vec<String>,
    pub value: Value,
    pub rule: String,
}

/// Derived values, by entity (only entities that have some).
#[derive(Debug, Default)]
pub struct DerivedStore {
    by_entity: HashMap<Idx, Vec<Derived>>,
    /// Whether each entity has any derived value (indexed by entity).
    marked: Vec<bool>,
    /// The run's "today", fixed once for all its rules (`None`: the system date).
    pub today: Option<Date>,
}

impl DerivedStore {
    pub fn get(&self, i: Idx, path: &[String]) -> Option<&Derived> {
        // Most reads are of values an entity does not have; answer those without hashing.
        if !self.marked.get(i as usize).copied().unwrap_or(false) {
            return None;
        }
        self.by_entity.get(&i)?.iter().find(|d| d.path == path)
    }

    /// Record a derived value of entity `i` (of a topology of `len` entities), unless the
    /// entity already has a derived value at that path.
    pub fn insert(&mut self, i: Idx, d: Derived, len: usize) {
        if self.marked.len() <= i as usize {
            self.marked.resize(len.max(i as usize + 1), false);
        }
        if let Some(m) = self.marked.get_mut(i as usize) {
            *m = true;
        }
        let list = self.by_entity.entry(i).or_default();
        if !list.iter().any(|x| x.path == d.path) {
            list.push(d);
        }
    }

    pub fn len(&self) -> usize {
        self.by_entity.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.by_entity.is_empty()
    }

    pub fn all(&self) -> impl Iterator<Item = (Idx, &Derived)> {
        self.by_entity
            .iter()
            .flat_map(|(i, ds)| ds.iter().map(move |d| (*i, d)))
    }
}

/// What condition evaluation reads: the topology, derived facts, and which entity is which.
pub struct Env<'a> {
    pub topo: &'a Topology,
    pub derived: &'a DerivedStore,
    /// The entity being tested.
    pub current: Idx,
    /// The entity the rule selected.
    pub subject: Idx,
    /// Derived values read so far, so a finding can say what it rests on.
    pub uses: &'a RefCell<Vec<DerivedUse>>,
    /// Relations answered for every subject at once, when the engine keeps them for the
    /// rule being run (`None`: every relation walks from its subject).
    pub closures: Option<&'a Closures>,
    /// The list element a quantifier is testing (`{element: true}` reads it).
    pub element: Option<&'a Value>,
}

impl<'a> Env<'a> {
    /// An environment testing entity `i` as the rule's subject.
    pub fn new(
        topo: &'a Topology,
        derived: &'a DerivedStore,
        i: Idx,
        uses: &'a RefCell<Vec<DerivedUse>>,
    ) -> Env<'a> {
        Env {
            topo,
            derived,
            current: i,
            subject: i,
            uses,
            closures: None,
            element: None,
        }
    }

    /// "Today", for rules that compare dates: the run's (`--today`, `$KBCHECK_TODAY`), else
    /// the system date.
    pub fn today(&self) -> Date {
        self.derived.today.unwrap_or_else(Date::system_today)
    }

    /// The same environment, testing another entity.
    pub fn at(&self, current: Idx) -> Env<'a> {
        Env { current, ..*self }
    }

    /// The entity a target names, if there is one.
    pub fn target(&self, t: Target) -> Option<Idx> {
        let e = self.topo.entity(self.current);
        match t {
            Target::Itself => Some(self.current),
            Target::Subject => Some(self.subject),
            Target::Parent => e.parent,
            Target::From => e.from,
            Target::To => e.to,
            Target::Chain(c) => c.resolve(self.topo, self.current, self.subject),
        }
    }

    /// Read a field: written values first, then derived facts (recorded as used).
    pub fn field(&self, r: &FieldRef) -> Option<Cow<'a, Value>> {
        let i = self.target(r.target)?;
        if let Some(v) = self.topo.get(i, &r.path) {
            return Some(v);
        }
        let d = self.derived.get(i, &r.path)?;
        let mut uses = self.uses.borrow_mut();
        if !uses.iter().any(|u| u.entity == i && u.path == r.path) {
            uses.push(DerivedUse {
                entity: i,
                path: r.path.clone(),
                value: d.value.clone(),
                rule: d.rule.clone(),
            });
        }
        Some(Cow::Borrowed(&d.value))
    }
}

impl Clone for Env<'_> {
    fn clone(&self) -> Self {
        *self
    }
}
impl Copy for Env<'_> {}
