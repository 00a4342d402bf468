//! Absence the rule handles itself: within an `all` / `any` group, a field that some part
//! tests with `exists` / `missing` makes the group's other tests of it false, not unknown.

use super::{Cond, FieldRef};

impl Cond {
    /// Within a group of conditions, fields that some part tests with `exists` / `missing`
    /// have their absence handled by the rule's author: every other test of the same field
    /// in the group (at any depth, but not inside a relation, which reads other entities)
    /// is false, not unknown, when the field is not set. So
    /// `any: [{field: platform, equals: nt}, {all: [{field: platform, missing: true}, ...]}]`
    /// decides a missing `platform` by its second branch, as its author meant.
    pub fn mark_handled(group: &mut [Cond]) {
        let mut tested = Vec::new();
        for c in group.iter() {
            c.presence_tests(&mut tested);
        }
        if tested.is_empty() {
            return;
        }
        for c in group.iter_mut() {
            c.mark(&tested);
        }
    }

    fn presence_tests(&self, out: &mut Vec<FieldRef>) {
        match self {
            Cond::All(cs) | Cond::Any(cs) => cs.iter().for_each(|c| c.presence_tests(out)),
            Cond::Not(c) => c.presence_tests(out),
            Cond::Field { field, op, .. } if op.is_presence_test() => out.push(field.clone()),
            _ => {}
        }
    }

    pub(in crate::lang) fn mark(&mut self, tested: &[FieldRef]) {
        let same = |a: &FieldRef| {
            tested
                .iter()
                .any(|t| t.target == a.target && t.path == a.path)
        };
        match self {
            Cond::All(cs) | Cond::Any(cs) => cs.iter_mut().for_each(|c| c.mark(tested)),
            Cond::Not(c) => c.mark(tested),
            Cond::Field { field, op, handled } => {
                handled[0] |= same(field);
                handled[1] |= op.operand_field().is_some_and(same);
            }
            Cond::Value { handled, .. } => handled.extend(tested.iter().cloned()),
            // The element condition is part of the group too: its tests of the entity's
            // fields are handled as the group's other parts are.
            Cond::Each(q) => {
                q.handled.extend(tested.iter().cloned());
                q.mark_inner(tested);
            }
            _ => {}
        }
    }
}

/// Whether `r` is one of `list` (same entity, same path).
pub(super) fn is_in(list: &[FieldRef], r: &FieldRef) -> bool {
    list.iter()
        .any(|h| h.target == r.target && h.path == r.path)
}
