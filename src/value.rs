//! Spanned document values: what a YAML or JSON file says, with where it says it.
//!
//! Both topology and rule files are read into this tree first. Every node keeps its
//! position (byte offset, length, line, column) so later stages can point at the text.

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

/// A position in a source file: byte range plus 1-based line and column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Pos {
    pub offset: u32,
    pub len: u32,
    pub line: u32,
    pub column: u32,
}

impl Pos {
    fn from_location(loc: serde_saphyr::Location) -> Pos {
        let span = loc.span();
        let offset = span.byte_offset().unwrap_or(0);
        let len = span.byte_len().unwrap_or(0);
        Pos {
            offset: u32::try_from(offset).unwrap_or(u32::MAX),
            len: u32::try_from(len).unwrap_or(0),
            line: u32::try_from(loc.line()).unwrap_or(u32::MAX),
            column: u32::try_from(loc.column()).unwrap_or(u32::MAX),
        }
    }
}

/// A value with its position.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
}

/// A mapping key with its position.
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    pub name: Name,
    pub pos: Pos,
}

/// A map key's text, one copy shared by every key spelt the same: a topology repeats a few
/// attribute names on every entity, so its keys cost a pointer each, not a string each.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name(Arc<str>);

/// The most distinct names shared on one thread; past it, new names get their own copy
/// (so a file of random keys cannot grow the table without bound).
const SHARED_NAMES: usize = 4096;

thread_local! {
    static NAMES: RefCell<HashSet<Arc<str>>> = RefCell::new(HashSet::new());
}

impl Name {
    /// The shared copy of `text`.
    pub fn new(text: &str) -> Name {
        NAMES.with(|names| {
            let mut names = names.borrow_mut();
            if let Some(shared) = names.get(text) {
                return Name(shared.clone());
            }
            let name: Arc<str> = Arc::from(text);
            if names.len() < SHARED_NAMES {
                names.insert(name.clone());
            }
            Name(name)
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Name {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl From<&str> for Name {
    fn from(text: &str) -> Name {
        Name::new(text)
    }
}

impl From<String> for Name {
    fn from(text: String) -> Name {
        Name::new(&text)
    }
}

impl From<Name> for String {
    fn from(name: Name) -> String {
        name.0.to_string()
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<Name> for str {
    fn eq(&self, other: &Name) -> bool {
        self == &*other.0
    }
}

impl PartialEq<Name> for &str {
    fn eq(&self, other: &Name) -> bool {
        *self == &*other.0
    }
}

impl PartialEq<Name> for String {
    fn eq(&self, other: &Name) -> bool {
        **self == *other.0
    }
}

/// The data model shared by YAML and JSON input.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

impl Value {
    /// The word a user would use for this kind of value.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) | Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Map(_) => "map",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            #[expect(clippy::cast_precision_loss, reason = "attribute numbers are small")]
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// Look up a key in a map value.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Value::Map(entries) => entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value as plain JSON (for JSON Schema validation and JSON output).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Value::Str(s) => serde_json::Value::String(s.clone()),
            Value::List(items) => items.iter().map(|n| n.value.to_json()).collect(),
            Value::Map(entries) => entries
                .iter()
                .map(|(k, v)| (k.name.to_string(), v.value.to_json()))
                .collect::<serde_json::Map<_, _>>()
                .into(),
        }
    }

    /// Text form used in messages and for equality of scalars written differently.
    pub fn display(&self) -> String {
        match self {
            Value::Null => "null".to_owned(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Str(s) => s.clone(),
            Value::List(items) => {
                let parts: Vec<String> = items.iter().map(|n| n.value.display()).collect();
                format!("[{}]", parts.join(", "))
            }
            Value::Map(_) => self.to_json().to_string(),
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<Value>::deserialize(d)?;
        Ok(Node {
            pos: Pos::from_location(spanned.referenced),
            value: spanned.value,
        })
    }
}

/// A mapping key: any scalar, kept as text.
struct KeyText(String);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Str(s) => Ok(KeyText(s)),
            Value::List(_) | Value::Map(_) => Err(de::Error::custom(
                "a mapping key must be a plain word, not a list or map",
            )),
            other => Ok(KeyText(other.display())),
        }
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<KeyText>::deserialize(d)?;
        Ok(Key {
            pos: Pos::from_location(spanned.referenced),
            name: Name::new(&spanned.value.0),
        })
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        i64::try_from(v)
            .map(Value::Int)
            .map_err(|_| E::custom("number too large"))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        i64::try_from(v)
            .map(Value::Int)
            .map_err(|_| E::custom("number too large"))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        i64::try_from(v)
            .map(Value::Int)
            .map_err(|_| E::custom("number too large"))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        // No spare capacity kept in the tree (a topology holds one list or map per entity).
        items.shrink_to_fit();
        Ok(Value::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(64));
        while let Some((k, v)) = map.next_entry::<Key, Node>()? {
            entries.push((k, v));
        }
        entries.shrink_to_fit();
        Ok(Value::Map(entries))
    }
}

/// The two lists of a topology whose items are handed over one at a time as the reader
/// finishes each (so a topology is never held twice, as a tree and as entities).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TopList {
    Nodes,
    Links,
}

impl TopList {
    /// The list a top-level key names, if it is one of the two.
    pub fn of_key(key: &str) -> Option<TopList> {
        match key {
            "nodes" => Some(TopList::Nodes),
            "links" => Some(TopList::Links),
            _ => None,
        }
    }
}

/// Where the items of a topology's `nodes` and `links` lists go as they are read.
pub type ItemSink<'s> = &'s mut dyn FnMut(TopList, Node);

/// A YAML document read with its top-level `nodes` and `links` lists streamed: each item goes
/// to the sink as soon as it is read, and the tree keeps an empty list in their place (at the
/// key's position). Everything else is the tree [`Node`] reads.
pub struct StreamedRoot<'s, 't> {
    pub sink: ItemSink<'s>,
    /// The document's text: the root's own position is found from it.
    pub text: &'t str,
}

impl<'de> DeserializeSeed<'de> for StreamedRoot<'_, '_> {
    type Value = Node;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(RootVisitor(self))
    }
}

/// The visits of every value but one kind, as [`ValueVisitor`] reads them, each result given
/// to the visitor's `wrap`.
macro_rules! read_as_values {
    ($($visit:ident($($t:ty)?)),*) => {$(
        read_as_values!(@one $visit $($t)?);
    )*};
    (@one $visit:ident) => {
        fn $visit<E: de::Error>(self) -> Result<Self::Value, E> {
            ValueVisitor.$visit().map(|v| self.wrap(v))
        }
    };
    (@one $visit:ident $t:ty) => {
        fn $visit<E: de::Error>(self, v: $t) -> Result<Self::Value, E> {
            ValueVisitor.$visit(v).map(|v| self.wrap(v))
        }
    };
}

macro_rules! scalars_as_values {
    () => {
        read_as_values!(
            visit_unit(),
            visit_none(),
            visit_bool(bool),
            visit_i64(i64),
            visit_u64(u64),
            visit_i128(i128),
            visit_u128(u128),
            visit_f64(f64),
            visit_str(&str),
            visit_string(String)
        );
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            Value::deserialize(d).map(|v| self.wrap(v))
        }
    };
}

struct RootVisitor<'s, 't>(StreamedRoot<'s, 't>);

impl RootVisitor<'_, '_> {
    /// A root that is not a map has nothing to stream: [`crate::parse::parse_topology`] reads
    /// it again whole, with its position.
    fn wrap(&self, value: Value) -> Node {
        Node {
            value,
            pos: Pos::default(),
        }
    }
}

impl<'de> Visitor<'de> for RootVisitor<'_, '_> {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value")
    }

    scalars_as_values!();

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Node, A::Error> {
        ValueVisitor.visit_seq(seq).map(|v| self.wrap(v))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let StreamedRoot { sink, text } = self.0;
        let mut entries: Vec<(Key, Node)> = Vec::new();
        while let Some(key) = map.next_key::<Key>()? {
            let value = match TopList::of_key(&key.name) {
                Some(list) => Node {
                    value: map.next_value_seed(ListSeed {
                        sink: &mut *sink,
                        list,
                    })?,
                    pos: key.pos,
                },
                None => map.next_value::<Node>()?,
            };
            entries.push((key, value));
        }
        entries.shrink_to_fit();
        // An empty map is read again whole by `parse_topology`, like any other root.
        let pos = entries
            .first()
            .map_or_else(Pos::default, |(k, _)| map_pos(text, k.pos));
        Ok(Node {
            value: Value::Map(entries),
            pos,
        })
    }
}

/// The value of a top-level `nodes` or `links` key: a list's items go to the sink (the value
/// is then an empty list); any other value is read whole, for the loader to refuse.
struct ListSeed<'k> {
    sink: &'k mut dyn FnMut(TopList, Node),
    list: TopList,
}

impl<'de> DeserializeSeed<'de> for ListSeed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl ListSeed<'_> {
    fn wrap(&self, value: Value) -> Value {
        value
    }
}

impl<'de> Visitor<'de> for ListSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list")
    }

    scalars_as_values!();

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        ValueVisitor.visit_map(map)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        while let Some(item) = seq.next_element::<Node>()? {
            (self.sink)(self.list, item);
        }
        Ok(Value::List(Vec::new()))
    }
}

/// Where a map starts, given its first key: at the `{` before the key in flow style, at the
/// key itself in block style.
fn map_pos(text: &str, key: Pos) -> Pos {
    let before = text.get(..key.offset as usize).unwrap_or("");
    let brace = before
        .char_indices()
        .rev()
        .find(|(_, c)| !c.is_whitespace())
        .filter(|(_, c)| *c == '{');
    let Some((at, _)) = brace else {
        return Pos { len: 0, ..key };
    };
    let between = before.get(at..).unwrap_or("");
    let lines_between = between.bytes().filter(|&b| b == b'\n').count();
    let line_start = before
        .get(..at)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1);
    let column = before.get(line_start..at).map_or(0, |s| s.chars().count()) + 1;
    let n = |x: usize| u32::try_from(x).unwrap_or(u32::MAX);
    Pos {
        offset: n(at),
        len: 1,
        line: key.line.saturating_sub(n(lines_between)),
        column: n(column),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys spelt the same share one copy of their text, in YAML and JSON alike, and compare
    /// equal to the text in every direction.
    #[test]
    fn names_are_shared() {
        let a = Name::new("serial");
        let b = Name::from(String::from("serial"));
        assert!(Arc::ptr_eq(&a.0, &b.0));
        assert_eq!(a, "serial");
        assert_eq!("serial", a);
        assert_eq!(String::from("serial"), a);
        assert_eq!(a.as_str(), "serial");
        assert_eq!(format!("{a} {a:?}"), "serial \"serial\"");
        let node: Node = serde_saphyr::from_str("{serial: 1, name: 2}").unwrap();
        let Value::Map(entries) = node.value else {
            panic!("a map")
        };
        assert!(Arc::ptr_eq(&entries[0].0.name.0, &a.0));
        let json = crate::json::parse("{\"x\": 1, \"serial\": 2}", 8).unwrap();
        let Value::Map(entries) = json.value else {
            panic!("a map")
        };
        assert!(Arc::ptr_eq(&entries[1].0.name.0, &a.0));
    }
}
