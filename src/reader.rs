//! Reading maps out of spanned trees while collecting every error.
//!
//! The rule, vocabulary and topology loaders walk [`Node`] trees with a [`MapReader`]:
//! each key a loader understands is taken; whatever is left over is reported as an
//! unknown key with a "did you mean" suggestion. Type errors are collected, not thrown,
//! so one pass reports every problem in a file.

use crate::diagnostic::{Diag, Diags, suggestion_help};
use crate::source::SourceFile;
use crate::value::{Key, Node, Pos, Value};

/// Reads one map, remembering which keys were used.
pub struct MapReader<'a> {
    pub file: &'a SourceFile,
    pub node: &'a Node,
    entries: &'a [(Key, Node)],
    used: Used,
    /// Diagnostic code area, e.g. `rule` or `topology`.
    area: &'static str,
}

impl<'a> MapReader<'a> {
    /// A reader over `node`, or an error (pushed to `diags`) if it is not a map.
    pub fn new(
        file: &'a SourceFile,
        node: &'a Node,
        area: &'static str,
        what: &str,
        diags: &mut Diags,
    ) -> Option<MapReader<'a>> {
        match &node.value {
            Value::Map(entries) => Some(MapReader {
                file,
                node,
                entries,
                used: Used::new(entries.len()),
                area,
            }),
            other => {
                diags.push(
                    Diag::error(
                        &format!("{area}::expected_map"),
                        format!("{what} must be a map, found a {}", other.type_name()),
                    )
                    .at(file, node.pos, "expected a map of `key: value` entries")
                    .help(format!("write {what} as `key: value` lines")),
                );
                None
            }
        }
    }

    /// Take the value of `key`, marking it used.
    pub fn take(&mut self, key: &str) -> Option<&'a Node> {
        let entries = self.entries;
        for (i, (k, v)) in entries.iter().enumerate() {
            if k.name == key {
                self.used.set(i);
                return Some(v);
            }
        }
        None
    }

    /// Whether `key` is present (without taking it).
    pub fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|(k, _)| k.name == key)
    }

    /// Take a string value; a non-string is an error.
    pub fn string(&mut self, key: &str, diags: &mut Diags) -> Option<(&'a str, Pos)> {
        let node = self.take(key)?;
        match &node.value {
            Value::Str(s) => Some((s.as_str(), node.pos)),
            other => {
                diags.push(self.type_error(key, node, "a string", other));
                None
            }
        }
    }

    /// Take a required string value; absence is an error.
    pub fn required_string(
        &mut self,
        key: &str,
        what: &str,
        diags: &mut Diags,
    ) -> Option<(&'a str, Pos)> {
        if !self.has(key) {
            diags.push(self.missing(key, what));
            return None;
        }
        self.string(key, diags)
    }

    /// Take a string or a list of strings.
    pub fn strings(&mut self, key: &str, diags: &mut Diags) -> Option<Vec<(&'a str, Pos)>> {
        let node = self.take(key)?;
        string_list(self.file, node, self.area, key, diags)
    }

    /// The error for a missing required key.
    pub fn missing(&self, key: &str, what: &str) -> Diag {
        Diag::error(
            &format!("{}::missing_key", self.area),
            format!("{what} has no `{key}`"),
        )
        .at(self.file, self.node.pos, format!("`{key}` is missing here"))
        .help(format!("add `{key}:` to {what}"))
    }

    pub fn type_error(&self, key: &str, node: &Node, expected: &str, found: &Value) -> Diag {
        Diag::error(
            &format!("{}::wrong_type", self.area),
            format!("`{key}` must be {expected}, found a {}", found.type_name()),
        )
        .at(self.file, node.pos, format!("expected {expected}"))
        .help(format!("write `{key}` as {expected}"))
    }

    /// Report every key that was not taken, suggesting the closest known key.
    pub fn finish(self, known: &[&str], what: &str, diags: &mut Diags) {
        for (i, (k, _)) in self.entries.iter().enumerate() {
            if !self.used.get(i) {
                diags.push(
                    Diag::error(
                        &format!("{}::unknown_key", self.area),
                        format!("unknown key `{}` in {what}", k.name),
                    )
                    .at(self.file, k.pos, "not a key kbcheck knows here")
                    .help(suggestion_help(&k.name, known, "keys")),
                );
            }
        }
    }

    /// The entries not taken so far (for maps whose other keys are data).
    pub fn rest(&self) -> impl Iterator<Item = &'a (Key, Node)> + '_ {
        self.entries
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.used.get(*i))
            .map(|(_, e)| e)
    }
}

/// Which entries of a map were taken: bits for the usual small map (no allocation per
/// map read, which matters for the entities of a large topology), a list past 64 keys.
enum Used {
    Bits(u64),
    Many(Vec<bool>),
}

impl Used {
    fn new(len: usize) -> Used {
        if len <= 64 {
            Used::Bits(0)
        } else {
            Used::Many(vec![false; len])
        }
    }

    fn set(&mut self, i: usize) {
        match self {
            Used::Bits(b) => {
                *b |= 1u64
                    .checked_shl(u32::try_from(i).unwrap_or(u32::MAX))
                    .unwrap_or(0)
            }
            Used::Many(v) => {
                if let Some(u) = v.get_mut(i) {
                    *u = true;
                }
            }
        }
    }

    fn get(&self, i: usize) -> bool {
        match self {
            Used::Bits(b) => {
                let bit = 1u64
                    .checked_shl(u32::try_from(i).unwrap_or(u32::MAX))
                    .unwrap_or(0);
                *b & bit != 0
            }
            Used::Many(v) => v.get(i).copied().unwrap_or(false),
        }
    }
}

/// A string or a list of strings, as a list.
pub fn string_list<'a>(
    file: &SourceFile,
    node: &'a Node,
    area: &'static str,
    key: &str,
    diags: &mut Diags,
) -> Option<Vec<(&'a str, Pos)>> {
    match &node.value {
        Value::Str(s) => Some(vec![(s.as_str(), node.pos)]),
        Value::List(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match &item.value {
                    Value::Str(s) => out.push((s.as_str(), item.pos)),
                    other => diags.push(
                        Diag::error(
                            &format!("{area}::wrong_type"),
                            format!("`{key}` must list strings, found a {}", other.type_name()),
                        )
                        .at(file, item.pos, "expected a string")
                        .help(format!("write each entry of `{key}` as a string")),
                    ),
                }
            }
            Some(out)
        }
        other => {
            diags.push(
                Diag::error(
                    &format!("{area}::wrong_type"),
                    format!(
                        "`{key}` must be a string or a list of strings, found a {}",
                        other.type_name()
                    ),
                )
                .at(file, node.pos, "expected a string or a list")
                .help(format!("write `{key}: [a, b]`")),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys taken are remembered both in a small map and in one past 64 keys: the rest and
    /// the unknown keys are exactly those not taken.
    #[test]
    fn keys_not_taken_are_the_rest_in_small_and_large_maps() {
        for count in [3usize, 64, 65, 70] {
            let text: String = (0..count).map(|i| format!("k{i}: {i}\n")).collect();
            let file = SourceFile::new("t.yaml", text);
            let tree = crate::parse::parse_document(&file, &Default::default()).unwrap();
            let mut diags = Diags::default();
            let mut r = MapReader::new(&file, &tree, "topology", "a map", &mut diags).unwrap();
            let last = format!("k{}", count - 1);
            assert!(r.take("k0").is_some());
            assert!(r.take(&last).is_some());
            let rest: Vec<&str> = r.rest().map(|(k, _)| k.name.as_str()).collect();
            assert_eq!(rest.len(), count - 2);
            assert!(!rest.contains(&"k0") && !rest.contains(&last.as_str()));
            r.finish(&[], "a map", &mut diags);
            assert_eq!(diags.0.len(), count - 2, "{count} keys");
        }
    }
}
