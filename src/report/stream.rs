//! Streamed JSON: a document written as it goes, so a report's size never multiplies memory.
//!
//! A renderer builds the small parts of its document as a `serde_json::Value` and puts each
//! long list (findings, SARIF results) in it as a [`Lazy::list`]: an iterator that makes one
//! item at a time while the document is written. [`Lazy::write`] prints the whole exactly as
//! `serde_json::to_string_pretty` prints the value with every list filled in (same key order,
//! same indentation), followed by a newline.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;
use std::cell::RefCell;
use std::io::Write;

/// The lists a document's placeholders stand for, taken (and consumed) when written; their
/// items are `T`s (`Value`s, or a renderer's own struct whose fields are in sorted order, as
/// a `Value`'s map would write them).
pub struct Lazy<'a, T = Value> {
    lists: RefCell<Vec<Option<Items<'a, T>>>>,
}

type Items<'a, T> = Box<dyn Iterator<Item = T> + 'a>;

impl<T> Default for Lazy<'_, T> {
    fn default() -> Self {
        Lazy {
            lists: RefCell::default(),
        }
    }
}

/// The start of a placeholder string: no JSON text a rule or topology writes contains a NUL
/// character followed by these words (a placeholder is only read where this struct put one).
const MARK: &str = "\u{0}kbcheck-lazy-list:";

impl<'a, T: Serialize> Lazy<'a, T> {
    pub fn new() -> Lazy<'a, T> {
        Lazy::default()
    }

    /// A placeholder for a list whose items `items` makes while the document is written.
    pub fn list(&self, items: impl Iterator<Item = T> + 'a) -> Value {
        let mut lists = self.lists.borrow_mut();
        lists.push(Some(Box::new(items)));
        Value::String(format!("{MARK}{}", lists.len() - 1))
    }

    /// Write `doc`, pretty-printed, its placeholders filled, and a final newline.
    pub fn write(&self, doc: &Value, out: &mut dyn Write) -> std::io::Result<()> {
        // The serializer makes many small writes (an indent, a colon): a buffer of a known
        // type takes them without a dynamic call each.
        let mut buffered = std::io::BufWriter::with_capacity(1 << 16, out);
        let mut ser = serde_json::Serializer::with_formatter(
            &mut buffered,
            serde_json::ser::PrettyFormatter::new(),
        );
        Node {
            value: doc,
            lazy: self,
        }
        .serialize(&mut ser)
        .map_err(std::io::Error::from)?;
        buffered.write_all(b"\n")?;
        buffered.flush()
    }

    /// The list a placeholder stands for, if `text` is one not written yet.
    fn take(&self, text: &str) -> Option<Items<'a, T>> {
        let i: usize = text.strip_prefix(MARK)?.parse().ok()?;
        self.lists.borrow_mut().get_mut(i)?.take()
    }
}

/// A value of the document, serialized as `Value` serializes itself but with placeholders
/// replaced by their lists.
struct Node<'v, 'a, T> {
    value: &'v Value,
    lazy: &'v Lazy<'a, T>,
}

impl<T: Serialize> Serialize for Node<'_, '_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let node = |value| Node {
            value,
            lazy: self.lazy,
        };
        match self.value {
            Value::Object(map) => {
                let mut m = s.serialize_map(Some(map.len()))?;
                for (k, v) in map {
                    m.serialize_entry(k, &node(v))?;
                }
                m.end()
            }
            Value::Array(list) => s.collect_seq(list.iter().map(node)),
            Value::String(text) => match self.lazy.take(text) {
                Some(items) => s.collect_seq(items),
                None => s.serialize_str(text),
            },
            other => other.serialize(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_streamed_document_is_printed_as_the_whole_value_would_be() {
        let items = || (0..3).map(|i| json!({"b": i, "a": [i, {"x": "y"}], "c": {}}));
        let whole = json!({
            "z": 1,
            "list": items().collect::<Vec<_>>(),
            "empty": Vec::<Value>::new(),
            "nested": {"inner": items().collect::<Vec<_>>(), "s": "text"},
        });
        let mut expected = serde_json::to_string_pretty(&whole).unwrap();
        expected.push('\n');
        let lazy = Lazy::new();
        let doc = json!({
            "z": 1,
            "list": lazy.list(items()),
            "empty": lazy.list(std::iter::empty()),
            "nested": {"inner": lazy.list(items()), "s": "text"},
        });
        let mut out = Vec::new();
        lazy.write(&doc, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }

    #[test]
    fn text_that_only_looks_like_a_placeholder_is_written_as_text() {
        let lazy = Lazy::<Value>::new();
        let doc = json!({"a": format!("{MARK}7"), "b": "kbcheck-lazy-list:0"});
        let mut out = Vec::new();
        lazy.write(&doc, &mut out).unwrap();
        let back: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(back, doc);
    }
}
