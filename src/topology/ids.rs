//! Entities by id: an open-addressing table of entity indices hashed by their ids' text. The
//! ids stay in the entities (a map from `String` copied every id: a fifth of a loaded
//! topology's memory); a lookup hashes the id asked for and compares it with the entities'.

use super::{Entity, Idx};
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};

/// The ids of a topology's entities (those written in the file; links named after their
/// ends are not in it).
#[derive(Debug, Default)]
pub struct Ids {
    /// Entity indices, `EMPTY` where none; the length is a power of two, at least twice the
    /// number of ids, so probes stay short.
    slots: Vec<Idx>,
}

const EMPTY: Idx = Idx::MAX;

fn hash(id: &str) -> usize {
    // The standard hasher with fixed keys: the table's layout is the same on every run.
    let h = BuildHasherDefault::<DefaultHasher>::default().hash_one(id);
    // Only the low bits index the table.
    h as usize
}

impl Ids {
    /// The table of every non-empty id, and each entity that reuses an id with the entity
    /// that used it first.
    pub fn build(entities: &[Entity]) -> (Ids, Vec<(Idx, Idx)>) {
        let size = (entities.len() * 2).max(8).next_power_of_two();
        let mut ids = Ids {
            slots: vec![EMPTY; size],
        };
        let mut duplicates = Vec::new();
        for (i, e) in entities.iter().enumerate() {
            let Ok(i) = Idx::try_from(i) else { continue };
            if e.id.is_empty() {
                continue;
            }
            match ids.probe(entities, &e.id) {
                Ok(first) => duplicates.push((i, first)),
                Err(slot) => {
                    if let Some(s) = ids.slots.get_mut(slot) {
                        *s = i;
                    }
                }
            }
        }
        (ids, duplicates)
    }

    /// The entity with this id.
    pub fn get(&self, entities: &[Entity], id: &str) -> Option<Idx> {
        self.probe(entities, id).ok()
    }

    /// The entity holding `id`, or the empty slot where it would go.
    fn probe(&self, entities: &[Entity], id: &str) -> Result<Idx, usize> {
        let mask = self.slots.len().wrapping_sub(1);
        let mut at = hash(id) & mask;
        // Linear probing over a table at most half full always meets an empty slot.
        for _ in 0..self.slots.len() {
            match self.slots.get(at).copied() {
                None | Some(EMPTY) => return Err(at),
                Some(i) => {
                    if entities.get(i as usize).is_some_and(|e| e.id == id) {
                        return Ok(i);
                    }
                }
            }
            at = (at + 1) & mask;
        }
        Err(usize::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Pos;
    use crate::vocabulary::Class;

    fn entity(id: &str) -> Entity {
        Entity {
            class: Class::Node,
            id: id.to_owned(),
            kind: "server".into(),
            parent: None,
            from: None,
            to: None,
            tags: None,
            attrs: Vec::new(),
            pos: Pos::default(),
            label_pos: Pos::default(),
        }
    }

    /// Every id is found at its entity, unknown ids are not, and reused ids are reported
    /// with the entity that used them first; empty ids are left out.
    #[test]
    fn ids_are_found_and_duplicates_reported() {
        let mut entities: Vec<Entity> = (0..1000).map(|i| entity(&format!("n-{i}"))).collect();
        entities.push(entity("n-7"));
        entities.push(entity(""));
        entities.push(entity("n-999"));
        let (ids, duplicates) = Ids::build(&entities);
        for i in 0..1000u32 {
            assert_eq!(ids.get(&entities, &format!("n-{i}")), Some(i));
        }
        assert_eq!(duplicates, vec![(1000, 7), (1002, 999)]);
        assert_eq!(ids.get(&entities, "n-1000"), None);
        assert_eq!(ids.get(&entities, ""), None);
        let (empty, none) = Ids::build(&[]);
        assert_eq!(empty.get(&[], "n-1"), None);
        assert!(none.is_empty());
    }
}
