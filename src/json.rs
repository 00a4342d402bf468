//! A JSON reader that keeps positions: JSON text → the same spanned [`Node`] tree as YAML.
//!
//! serde_json has no source positions and serde-saphyr reads JSON as YAML at YAML speed, so
//! JSON topologies get this small RFC 8259 parser: one pass, no backtracking, line and
//! column tracked incrementally, duplicate keys refused, nesting bounded.

use crate::value::{ItemSink, Key, Name, Node, Pos, TopList, Value};
use std::borrow::Cow;
use std::collections::HashSet;

/// A JSON syntax error: what is wrong, where, and the diagnostic code.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonError {
    pub code: &'static str,
    pub message: String,
    pub pos: Pos,
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    i: usize,
    line: u32,
    line_start: usize,
    /// Cached (byte offset, column) on the current line, so columns cost amortised O(1).
    col_cache: (usize, u32),
    depth: usize,
    max_depth: usize,
    /// Items and entries of the lists and maps being read, innermost last: each list or
    /// map is copied out into a vector of its exact size when it closes, so the tree holds
    /// no spare capacity and grows no vector item by item.
    items: Vec<Node>,
    entries: Vec<(Key, Node)>,
    /// Where the items of the root's `nodes` and `links` lists go, when they are streamed.
    sink: Option<ItemSink<'a>>,
}

/// Parse a JSON document. `max_depth` bounds nesting of arrays and objects.
pub fn parse(text: &str, max_depth: usize) -> Result<Node, JsonError> {
    read(text, max_depth, None)
}

/// Parse a JSON topology, handing each item of the root's `nodes` and `links` lists to `sink`
/// as soon as it is read; the tree keeps an empty list in their place.
pub fn parse_streamed(text: &str, max_depth: usize, sink: ItemSink<'_>) -> Result<Node, JsonError> {
    read(text, max_depth, Some(sink))
}

fn read<'a>(
    text: &'a str,
    max_depth: usize,
    sink: Option<ItemSink<'a>>,
) -> Result<Node, JsonError> {
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        i: 0,
        line: 1,
        line_start: 0,
        col_cache: (0, 1),
        depth: 0,
        max_depth,
        items: Vec::new(),
        entries: Vec::new(),
        sink,
    };
    p.skip_ws();
    let node = p.value()?;
    p.skip_ws();
    if p.i < p.bytes.len() {
        return Err(p.error(
            "parse::syntax",
            "unexpected text after the JSON document".to_owned(),
            p.i,
            1,
        ));
    }
    Ok(node)
}

impl<'a> Parser<'a> {
    fn column(&mut self, at: usize) -> u32 {
        let (from, col) = if self.col_cache.0 >= self.line_start && self.col_cache.0 <= at {
            self.col_cache
        } else {
            (self.line_start, 1)
        };
        let add = self.text.get(from..at).map_or(0, |s| s.chars().count());
        let c = col + u32::try_from(add).unwrap_or(u32::MAX);
        self.col_cache = (at, c);
        c
    }

    fn pos(&mut self, start: usize, end: usize) -> Pos {
        let column = self.column(start);
        Pos {
            offset: u32::try_from(start).unwrap_or(u32::MAX),
            len: u32::try_from(end.saturating_sub(start)).unwrap_or(u32::MAX),
            line: self.line,
            column,
        }
    }

    fn error(&mut self, code: &'static str, message: String, at: usize, len: usize) -> JsonError {
        let at = at.min(self.bytes.len());
        let pos = self.pos(at, at + len);
        JsonError { code, message, pos }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b) = self.peek() {
            match b {
                b'\n' => {
                    self.i += 1;
                    self.line += 1;
                    self.line_start = self.i;
                    self.col_cache = (self.i, 1);
                }
                b' ' | b'\t' | b'\r' => self.i += 1,
                _ => break,
            }
        }
    }

    fn expect_found(&mut self, what: &str) -> JsonError {
        match self.peek() {
            None => self.error(
                "parse::syntax",
                format!("the JSON ends where {what} was expected"),
                self.i,
                0,
            ),
            Some(_) => {
                let ch = self
                    .text
                    .get(self.i..)
                    .and_then(|s| s.chars().next())
                    .unwrap_or('?');
                self.error(
                    "parse::syntax",
                    // Escaped, so a line break or control character stays on one line.
                    format!("expected {what}, found `{}`", ch.escape_debug()),
                    self.i,
                    ch.len_utf8(),
                )
            }
        }
    }

    fn value(&mut self) -> Result<Node, JsonError> {
        let start = self.i;
        match self.peek() {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => {
                // A value is kept: one allocation of its exact size.
                let s = self.string()?.into_owned();
                Ok(Node {
                    value: Value::Str(s),
                    pos: self.pos(start, self.i),
                })
            }
            Some(b't') => self.word("true", Value::Bool(true)),
            Some(b'f') => self.word("false", Value::Bool(false)),
            Some(b'n') => self.word("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.expect_found("a value")),
        }
    }

    fn word(&mut self, w: &str, v: Value) -> Result<Node, JsonError> {
        let start = self.i;
        if self.text.get(self.i..).is_some_and(|s| s.starts_with(w)) {
            self.i += w.len();
            Ok(Node {
                value: v,
                pos: self.pos(start, self.i),
            })
        } else {
            Err(self.expect_found("a value"))
        }
    }

    fn number(&mut self) -> Result<Node, JsonError> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let digits = |p: &mut Self| {
            let s = p.i;
            while p.peek().is_some_and(|b| b.is_ascii_digit()) {
                p.i += 1;
            }
            p.i - s
        };
        let int_start = self.i;
        if digits(self) == 0 {
            return Err(self.expect_found("a digit"));
        }
        if self.i - int_start > 1 && self.bytes.get(int_start) == Some(&b'0') {
            return Err(self.error(
                "parse::syntax",
                "numbers must not start with `0`; quote the value if it is text".into(),
                int_start,
                self.i - int_start,
            ));
        }
        let mut float = false;
        if self.peek() == Some(b'.') {
            self.i += 1;
            float = true;
            if digits(self) == 0 {
                return Err(self.expect_found("a digit after `.`"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            float = true;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if digits(self) == 0 {
                return Err(self.expect_found("an exponent"));
            }
        }
        let text = self.text.get(start..self.i).unwrap_or("0");
        let value = match (float, text.parse::<i64>()) {
            (false, Ok(i)) => Value::Int(i),
            _ => match text.parse::<f64>() {
                Ok(f) if f.is_finite() => Value::Float(f),
                _ => {
                    return Err(self.error(
                        "parse::syntax",
                        format!("number `{text}` is out of range"),
                        start,
                        self.i - start,
                    ));
                }
            },
        };
        Ok(Node {
            value,
            pos: self.pos(start, self.i),
        })
    }

    /// A string's text: borrowed from the document when it has no escapes (the usual case).
    fn string(&mut self) -> Result<Cow<'a, str>, JsonError> {
        let open = self.i;
        self.i += 1; // the opening quote
        let mut out = String::new();
        loop {
            let run_start = self.i;
            let run = self
                .bytes
                .get(run_start..)
                .unwrap_or_default()
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20);
            self.i = run.map_or(self.bytes.len(), |n| run_start + n);
            let text: &'a str = self.text.get(run_start..self.i).unwrap_or("");
            // The usual string, without escapes: the document's own text.
            if out.is_empty() && self.peek() == Some(b'"') {
                self.i += 1;
                return Ok(Cow::Borrowed(text));
            }
            out.push_str(text);
            match self.peek() {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    let esc = self.i;
                    self.i += 1;
                    let c = match self.peek() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.i += 1;
                            let hi = self.hex4(esc)?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                if self
                                    .text
                                    .get(self.i..)
                                    .is_some_and(|s| s.starts_with("\\u"))
                                {
                                    self.i += 2;
                                    let lo = self.hex4(esc)?;
                                    if !(0xDC00..0xE000).contains(&lo) {
                                        return Err(self.error(
                                            "parse::syntax",
                                            "invalid UTF-16 surrogate pair in a string".into(),
                                            esc,
                                            self.i - esc,
                                        ));
                                    }
                                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                                } else {
                                    return Err(self.error(
                                        "parse::syntax",
                                        "lone UTF-16 surrogate in a string".into(),
                                        esc,
                                        self.i - esc,
                                    ));
                                }
                            } else {
                                hi
                            };
                            match char::from_u32(code) {
                                Some(c) => {
                                    out.push(c);
                                    continue;
                                }
                                None => {
                                    return Err(self.error(
                                        "parse::syntax",
                                        "invalid \\u escape in a string".into(),
                                        esc,
                                        self.i - esc,
                                    ));
                                }
                            }
                        }
                        _ => {
                            return Err(self.error(
                                "parse::syntax",
                                "invalid escape in a string".into(),
                                esc,
                                2,
                            ));
                        }
                    };
                    self.i += 1;
                    out.push(c);
                }
                Some(_) => {
                    return Err(self.error(
                        "parse::syntax",
                        "control character inside a string; escape it (e.g. `\\n`)".into(),
                        self.i,
                        1,
                    ));
                }
                None => {
                    return Err(self.error("parse::syntax", "unterminated string".into(), open, 1));
                }
            }
        }
    }

    fn hex4(&mut self, esc: usize) -> Result<u32, JsonError> {
        let digits = self
            .text
            .get(self.i..self.i + 4)
            .and_then(|h| u32::from_str_radix(h, 16).ok());
        match digits {
            Some(v) => {
                self.i += 4;
                Ok(v)
            }
            None => Err(self.error(
                "parse::syntax",
                "`\\u` needs four hex digits".into(),
                esc,
                2,
            )),
        }
    }

    fn enter(&mut self) -> Result<(), JsonError> {
        self.depth += 1;
        if self.depth > self.max_depth {
            return Err(self.error(
                "limits::document_too_big",
                format!(
                    "nesting is deeper than the limit of {} levels",
                    self.max_depth
                ),
                self.i,
                1,
            ));
        }
        Ok(())
    }

    fn array(&mut self) -> Result<Node, JsonError> {
        self.list(None)
    }

    /// A list; with `streamed`, its items go to the sink instead of into the tree.
    fn list(&mut self, streamed: Option<(TopList, ItemSink<'_>)>) -> Result<Node, JsonError> {
        let mut streamed = streamed;
        let start = self.i;
        // Before the items: columns are counted forward from the last position taken.
        let pos = self.pos(start, start + 1);
        self.enter()?;
        self.i += 1;
        let first = self.items.len();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.i += 1;
        } else {
            loop {
                self.skip_ws();
                let item = self.value()?;
                match &mut streamed {
                    Some((list, sink)) => sink(*list, item),
                    None => self.items.push(item),
                }
                self.skip_ws();
                match self.peek() {
                    Some(b',') => self.i += 1,
                    Some(b']') => {
                        self.i += 1;
                        break;
                    }
                    _ => return Err(self.expect_found("`,` or `]`")),
                }
            }
        }
        self.depth -= 1;
        let items: Vec<Node> = self.items.drain(first..).collect();
        Ok(Node {
            value: Value::List(items),
            pos,
        })
    }

    fn object(&mut self) -> Result<Node, JsonError> {
        let start = self.i;
        let pos = self.pos(start, start + 1);
        self.enter()?;
        self.i += 1;
        let first = self.entries.len();
        let mut seen: Option<HashSet<Name>> = None;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
        } else {
            loop {
                self.skip_ws();
                if self.peek() != Some(b'"') {
                    return Err(self.expect_found("a quoted key"));
                }
                let kstart = self.i;
                // A key is interned: no allocation when its name is known.
                let name = Name::new(&self.string()?);
                let kpos = self.pos(kstart, self.i);
                // Small maps: a linear scan beats hashing for duplicate detection; a large
                // map gets a set, so no map costs the square of its keys.
                let siblings = self.entries.get(first..).unwrap_or_default();
                if seen.is_none() && siblings.len() >= 16 {
                    seen = Some(siblings.iter().map(|(k, _)| k.name.clone()).collect());
                }
                let duplicate = match &mut seen {
                    Some(set) => !set.insert(name.clone()),
                    None => siblings.iter().any(|(k, _)| k.name == name),
                };
                if duplicate {
                    return Err(JsonError {
                        code: "parse::duplicate_key",
                        message: format!("duplicate mapping key: {name}"),
                        pos: kpos,
                    });
                }
                self.skip_ws();
                if self.peek() != Some(b':') {
                    return Err(self.expect_found("`:`"));
                }
                self.i += 1;
                self.skip_ws();
                let top = TopList::of_key(&name).filter(|_| self.depth == 1);
                let v = match (top, self.sink.take()) {
                    (Some(list), Some(sink)) if self.peek() == Some(b'[') => {
                        let v = self.list(Some((list, &mut *sink)));
                        self.sink = Some(sink);
                        v?
                    }
                    (_, sink) => {
                        self.sink = sink;
                        self.value()?
                    }
                };
                self.entries.push((Key { name, pos: kpos }, v));
                self.skip_ws();
                match self.peek() {
                    Some(b',') => self.i += 1,
                    Some(b'}') => {
                        self.i += 1;
                        break;
                    }
                    _ => return Err(self.expect_found("`,` or `}`")),
                }
            }
        }
        self.depth -= 1;
        let entries: Vec<(Key, Node)> = self.entries.drain(first..).collect();
        Ok(Node {
            value: Value::Map(entries),
            pos,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_values_with_positions() {
        let n = parse(
            "{\"a\": [1, 2.5, \"x\\n\\u00e9\"],\n \"b\": {\"c\": null, \"d\": true}}",
            64,
        )
        .unwrap();
        let a = n.value.get("a").unwrap();
        let Value::List(items) = &a.value else {
            panic!()
        };
        assert_eq!(items[0].value, Value::Int(1));
        assert_eq!(items[1].value, Value::Float(2.5));
        assert_eq!(items[2].value, Value::Str("x\né".into()));
        let b = n.value.get("b").unwrap();
        assert_eq!((b.pos.line, b.pos.column), (2, 7));
        assert_eq!(b.value.get("d").unwrap().value, Value::Bool(true));
    }

    /// Lists and maps are kept at their exact size, nested or not.
    #[test]
    fn lists_and_maps_hold_no_spare_capacity() {
        fn exact(n: &Node) {
            match &n.value {
                Value::List(items) => {
                    assert_eq!(items.capacity(), items.len());
                    items.iter().for_each(exact);
                }
                Value::Map(entries) => {
                    assert_eq!(entries.capacity(), entries.len());
                    entries.iter().for_each(|(_, v)| exact(v));
                }
                _ => {}
            }
        }
        let text = r#"{"a": [1, [2, 3, {"b": [], "c": {}}], 4, 5, 6], "d": {"e": "f\"g", "h": [{"i": 1}]}}"#;
        let n = parse(text, 64).unwrap();
        exact(&n);
        assert_eq!(
            n.value.get("d").unwrap().value.get("e").unwrap().value,
            Value::Str("f\"g".into())
        );
    }

    #[test]
    fn columns_count_characters() {
        let n = parse("{\"é\": \"ü\", \"k\": 1}", 64).unwrap();
        let k = n.value.get("k").unwrap();
        assert_eq!(k.pos.column, 17);
    }

    /// Every node's line and column, counted afresh from the start of the text.
    fn check_positions(text: &str, n: &Node) {
        let before = text.get(..n.pos.offset as usize).unwrap();
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().unwrap().chars().count() + 1;
        assert_eq!(
            (n.pos.line as usize, n.pos.column as usize),
            (line, column),
            "{:?}",
            n.value
        );
        match &n.value {
            Value::List(items) => items.iter().for_each(|i| check_positions(text, i)),
            Value::Map(entries) => entries.iter().for_each(|(k, v)| {
                let before = text.get(..k.pos.offset as usize).unwrap();
                let column = before.rsplit('\n').next().unwrap().chars().count() + 1;
                assert_eq!(k.pos.column as usize, column, "key {}", k.name);
                check_positions(text, v);
            }),
            _ => {}
        }
    }

    #[test]
    fn positions_of_nested_lists_on_one_line() {
        // Minified, as tools export it: lists inside lists inside maps on one long line.
        let one_line = r#"{"nodes":[{"id":"é","tags":["a",["ü",[1,{"k":[true]}]]]},{"id":"b","tags":[]}],"x":[[],[[]]]}"#;
        let pretty = "{\n \"nodes\": [\n  {\"id\": \"é\", \"tags\": [\"a\",\n [\"ü\"]]}\n ]\n}";
        for text in [one_line, pretty] {
            check_positions(text, &parse(text, 64).unwrap());
        }
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = parse("{\"a\": 1,\n \"a\": 2}", 64).unwrap_err();
        assert_eq!(
            (e.code, e.pos.line, e.pos.column),
            ("parse::duplicate_key", 2, 2)
        );
        let e = parse("{\"a\": tru}", 64).unwrap_err();
        assert_eq!((e.code, e.pos.column), ("parse::syntax", 7));
        let e = parse("[1, 2", 64).unwrap_err();
        assert!(e.message.contains("ends"), "{}", e.message);
        let e = parse(&"[".repeat(100_000), 64).unwrap_err();
        assert_eq!(e.code, "limits::document_too_big");
        assert!(parse("{} x", 64).is_err());
        assert!(parse("\"\\ud800\"", 64).is_err());
        assert!(parse("01", 64).is_err(), "JSON has no leading zeros");
    }
}
