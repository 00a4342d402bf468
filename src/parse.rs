//! Reading files into spanned value trees, within limits.
//!
//! YAML and JSON both go through serde-saphyr (JSON is YAML's flow subset), so every
//! value of either format keeps its line and column. The limits bound what a hostile
//! file can cost: size, nesting depth, node count and alias expansion.

use crate::diagnostic::Diag;
use crate::limits::Limits;
use crate::source::SourceFile;
use crate::value::{ItemSink, Node, Pos, StreamedRoot, Value};
use serde::de::DeserializeSeed;
use std::path::Path;

/// Read a file from disk as UTF-8 text, refusing files over the size limit.
pub fn read_file(path: &Path, limits: &Limits) -> Result<SourceFile, Diag> {
    let name = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| io_diag(&name, &e))?;
    if meta.is_dir() {
        return Err(Diag::error(
            "io::is_directory",
            format!("`{name}` is a folder, not a file"),
        )
        .in_file(&name)
        .help("name a topology file (.yaml, .yml or .json)"));
    }
    if meta.len() > limits.max_file_bytes as u64 {
        return Err(too_large(&name, meta.len(), limits));
    }
    let bytes = std::fs::read(path).map_err(|e| io_diag(&name, &e))?;
    if bytes.len() > limits.max_file_bytes {
        return Err(too_large(&name, bytes.len() as u64, limits));
    }
    decode(name, bytes)
}

/// Turn bytes into a source file, or say where the first invalid UTF-8 byte is.
pub fn decode(name: String, bytes: Vec<u8>) -> Result<SourceFile, Diag> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(name, text)),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let good = String::from_utf8_lossy(bytes.get(..valid).unwrap_or_default()).into_owned();
            let line = good.matches('\n').count() + 1;
            let column = good.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            let shown = SourceFile::new(name.clone(), String::from_utf8_lossy(&bytes).into_owned());
            let pos = Pos {
                offset: u32::try_from(valid).unwrap_or(u32::MAX),
                len: 1,
                line: u32::try_from(line).unwrap_or(u32::MAX),
                column: u32::try_from(column).unwrap_or(u32::MAX),
            };
            Err(Diag::error(
                "parse::invalid_utf8",
                format!("`{name}` is not valid UTF-8 (byte {valid})"),
            )
            .at(&shown, pos, "this byte is not UTF-8")
            .help("save the file as UTF-8; kbcheck reads YAML and JSON as UTF-8 text"))
        }
    }
}

pub(crate) fn io_diag(name: &str, e: &std::io::Error) -> Diag {
    let (code, msg, help) = match e.kind() {
        std::io::ErrorKind::NotFound => (
            "io::not_found",
            format!("cannot find `{name}`"),
            "check the path; it is relative to the current folder",
        ),
        std::io::ErrorKind::PermissionDenied => (
            "io::permission_denied",
            format!("cannot read `{name}`: permission denied"),
            "give the user running kbcheck read access to the file",
        ),
        _ => (
            "io::read_failed",
            format!("cannot read `{name}`: {e}"),
            "check that the path names a readable file",
        ),
    };
    Diag::error(code, msg).in_file(name).help(help)
}

fn too_large(name: &str, size: u64, limits: &Limits) -> Diag {
    Diag::error(
        "limits::file_too_large",
        format!(
            "`{name}` is {size} bytes, over the limit of {} bytes",
            limits.max_file_bytes
        ),
    )
    .in_file(name)
    .help("split the file, or raise the limit with `--max-file-bytes` if the file is genuine")
}

/// Parse a YAML or JSON document into a spanned tree (`.json` files as JSON, others as YAML).
pub fn parse_document(file: &SourceFile, limits: &Limits) -> Result<Node, Diag> {
    parse(file, limits, None)
}

/// Parse a topology (or a file that may be one), handing each item of its top-level `nodes`
/// and `links` lists to `sink` as soon as it is read: the tree returned keeps an empty list
/// in their place, so the whole topology is never held as a tree.
pub fn parse_topology(
    file: &SourceFile,
    limits: &Limits,
    sink: ItemSink<'_>,
) -> Result<Node, Diag> {
    parse(file, limits, Some(sink))
}

fn parse(file: &SourceFile, limits: &Limits, sink: Option<ItemSink<'_>>) -> Result<Node, Diag> {
    let text = file.text();
    if is_blank(text) {
        return Err(
            Diag::error("parse::empty", format!("`{}` is empty", file.name()))
                .in_file(file.name())
                .help("a topology starts with `version: 1` and a `nodes:` list; a rule with `id:`"),
        );
    }
    if file.name().to_ascii_lowercase().ends_with(".json") {
        let parsed = match sink {
            Some(sink) => crate::json::parse_streamed(text, limits.max_depth, sink),
            None => crate::json::parse(text, limits.max_depth),
        };
        return parsed.map_err(|e| {
            let help = match e.code {
                "parse::duplicate_key" => {
                    "remove or rename one of the two keys; kbcheck will not guess which one counts"
                }
                "limits::document_too_big" => {
                    "flatten the file, or raise `--max-depth` if it is genuine"
                }
                _ => "fix the JSON syntax at the marked place",
            };
            Diag::error(e.code, e.message.clone())
                .at(file, e.pos, e.message)
                .help(help)
        });
    }
    let mut options = serde_saphyr::Options::default();
    options.with_snippet = false;
    options.emit_comments = false;
    // YAML 1.2 booleans only: `N` or `no` is a network name, not false.
    options.strict_booleans = true;
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = limits.max_depth;
    budget.max_nodes = limits.max_yaml_nodes;
    budget.max_events = limits.max_yaml_nodes.saturating_mul(4);
    budget.max_aliases = limits.max_aliases;
    budget.max_total_scalar_bytes = limits.max_file_bytes;
    budget.max_documents = 1;
    budget.max_recorded_anchor_events = 100_000;
    budget.max_recorded_anchor_bytes = 16 << 20;
    options.budget = Some(budget);
    let Some(sink) = sink else {
        return serde_saphyr::from_str_with_options::<Node>(text, options)
            .map_err(|e| syntax_diag(file, &e, limits));
    };
    let root = serde_saphyr::with_deserializer_from_str_with_options(text, options, |de| {
        StreamedRoot { sink, text }.deserialize(de)
    })
    .map_err(|e| syntax_diag(file, &e, limits))?;
    match &root.value {
        Value::Map(entries) if !entries.is_empty() => Ok(root),
        // Not a topology's map, so nothing was streamed: read whole, for its position.
        _ => parse(file, limits, None),
    }
}

fn is_blank(text: &str) -> bool {
    text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#') || t == "---" || t == "..."
    })
}

/// Map a parser error to a diagnostic at its location.
fn syntax_diag(file: &SourceFile, e: &serde_saphyr::Error, limits: &Limits) -> Diag {
    let inner = e.without_snippet();
    let raw = inner.to_string();
    let message = match inner {
        // The parser's own text tells the programmer to set a policy; tell the user the key.
        serde_saphyr::Error::DuplicateMappingKey { key: Some(k), .. } => {
            format!("duplicate key `{k}`")
        }
        serde_saphyr::Error::DuplicateMappingKey { key: None, .. } => "duplicate key".to_owned(),
        _ => strip_location_prefix(&raw),
    };
    let (code, help) = classify(inner, &message);
    let message = match code {
        "limits::document_too_big" => limit_message(&message, limits),
        "parse::multiple_documents" => "the file holds more than one YAML document".to_owned(),
        _ => message,
    };
    if code == "parse::syntax"
        && let Some(loc) = inner.location().filter(|l| l.line() > 0)
        && let Some(d) = common_mistake(
            file,
            &message,
            usize::try_from(loc.line()).unwrap_or(usize::MAX),
            usize::try_from(loc.column()).unwrap_or(usize::MAX),
        )
    {
        return d;
    }
    let mut d = Diag::error(code, message.clone()).help(help);
    match inner.location() {
        Some(loc) if loc.line() > 0 => {
            let line = u32::try_from(loc.line()).unwrap_or(u32::MAX);
            let column = u32::try_from(loc.column()).unwrap_or(u32::MAX);
            let offset = file.offset_of(line, column);
            let pos = Pos {
                offset: u32::try_from(offset).unwrap_or(u32::MAX),
                len: 1,
                line,
                column,
            };
            d = d.at(file, pos, message);
        }
        _ => d = d.in_file(file.name()),
    }
    d
}

/// The usual YAML slips — a tab in the indentation, a quote never closed, a key indented
/// unlike its siblings — told in kbcheck's words at the offending character, with how to
/// fix it. The parser reports them where it gave up, which may be the line before (a tab)
/// or past the place (a quote), so the text around that place is read again.
fn common_mistake(file: &SourceFile, raw: &str, line: usize, column: usize) -> Option<Diag> {
    let text = file.text();
    let lines: Vec<&str> = text.split('\n').collect();
    let point = |line: usize, column: usize, len: usize| {
        let (l, c) = (
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(column).unwrap_or(u32::MAX),
        );
        Pos {
            offset: u32::try_from(file.offset_of(l, c)).unwrap_or(u32::MAX),
            len: u32::try_from(len).unwrap_or(1),
            line: l,
            column: c,
        }
    };
    // A tab in the indentation of the reported line or the next two.
    for n in line..=line + 2 {
        let Some(l) = lines.get(n.wrapping_sub(1)) else {
            break;
        };
        let indent: String = l.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
        if let Some(at) = indent.chars().position(|c| c == '\t') {
            let message = format!("a tab indents line {n}");
            return Some(
                Diag::error("parse::tab_indentation", message.clone())
                    .at(file, point(n, at + 1, 1), "this tab")
                    .help("YAML forbids tabs for indentation; use spaces (two per level, as in the lines around it)"),
            );
        }
    }
    let lower = raw.to_ascii_lowercase();
    if lower.contains("quote") || lower.contains("quoted scalar") {
        // The quote that opens the value: at the reported place, else the last unmatched
        // one before it on that line.
        let l = lines.get(line.wrapping_sub(1))?;
        let chars: Vec<char> = l.chars().collect();
        let at = match chars.get(column.wrapping_sub(1)) {
            Some('"' | '\'') => column,
            _ => chars
                .iter()
                .take(column.saturating_sub(1))
                .rposition(|c| *c == '"' || *c == '\'')
                .map(|i| i + 1)?,
        };
        let quote = chars.get(at - 1).copied().unwrap_or('"');
        return Some(
            Diag::error("parse::unclosed_quote", format!("the quote `{quote}` that opens this value is never closed"))
                .at(file, point(line, at, 1), "opened here")
                .help(format!("end the value with a matching `{quote}` on the same line, or write it without quotes")),
        );
    }
    if lower.contains("mapping values are not allowed")
        || lower.contains("did not find expected")
        || lower.contains("indentation")
    {
        let l = lines.get(line.wrapping_sub(1))?;
        let indent = l.chars().take_while(|c| *c == ' ').count();
        let previous = lines
            .iter()
            .take(line.saturating_sub(1))
            .rev()
            .find(|p| !p.trim().is_empty() && !p.trim_start().starts_with('#'))
            .map(|p| p.chars().take_while(|c| *c == ' ').count());
        let width = l.trim().chars().count().max(1);
        let message = match previous {
            Some(p) if p != indent => format!(
                "line {line} is indented by {indent} space{}, which matches no enclosing list or map (the line before is indented by {p})",
                if indent == 1 { "" } else { "s" }
            ),
            _ => format!("line {line} does not fit the indentation around it"),
        };
        return Some(
            Diag::error("parse::bad_indentation", message)
                .at(file, point(line, indent + 1, width), "indented here")
                .help("indent the keys of one map by the same number of spaces, a nested map or list by more than its parent key, and each `-` item of a list alike"),
        );
    }
    None
}

fn strip_location_prefix(raw: &str) -> String {
    let first = raw.lines().next().unwrap_or(raw).trim();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    if let Some(rest) = first.strip_prefix("line ")
        && let Some((_, msg)) = rest.split_once(": ")
    {
        return strip_location_suffix(msg.trim()).to_owned();
    }
    strip_location_suffix(first).to_owned()
}

/// Drop a trailing `at line N, column M`: the diagnostic shows the place itself.
fn strip_location_suffix(msg: &str) -> &str {
    if let Some((head, tail)) = msg.rsplit_once(" at line ")
        && let Some((line, column)) = tail.split_once(", column ")
        && line.chars().all(|c| c.is_ascii_digit())
        && column.chars().all(|c| c.is_ascii_digit())
    {
        return head.trim_end();
    }
    msg
}

/// Say which limit a document broke, in words rather than the parser's.
fn limit_message(raw: &str, limits: &Limits) -> String {
    let lower = raw.to_ascii_lowercase();
    if lower.contains("depth") || lower.contains("recursion") || lower.contains("nesting") {
        format!(
            "nesting is deeper than the limit of {} levels",
            limits.max_depth
        )
    } else if lower.contains("alias") || lower.contains("anchor") {
        format!(
            "aliases expand beyond the limit ({} uses); this looks like an alias bomb",
            limits.max_aliases
        )
    } else if lower.contains("scalar") || lower.contains("bytes") {
        format!(
            "the document's text values exceed the limit of {} bytes",
            limits.max_file_bytes
        )
    } else {
        format!(
            "the document has more than {} YAML nodes",
            limits.max_yaml_nodes
        )
    }
}

fn classify(e: &serde_saphyr::Error, message: &str) -> (&'static str, &'static str) {
    use serde_saphyr::Error as E;
    match e {
        E::DuplicateMappingKey { .. } => (
            "parse::duplicate_key",
            "remove or rename one of the two keys; YAML keeps only one and kbcheck will not guess which",
        ),
        // The one-document budget: a second `---` document, not a document too big.
        E::Budget {
            breach: serde_saphyr::budget::BudgetBreach::Documents { .. },
            ..
        } => (
            "parse::multiple_documents",
            "put one topology or rule in each file; remove the extra `---` document",
        ),
        E::Budget { .. }
        | E::AliasReplayLimitExceeded { .. }
        | E::AliasExpansionLimitExceeded { .. }
        | E::AliasReplayStackDepthExceeded { .. } => (
            "limits::document_too_big",
            "the file is too deep, has too many nodes or expands too many aliases; flatten it, or raise the limits (`--max-depth`, `--max-yaml-nodes`) if it is genuine",
        ),
        E::MultipleDocuments { .. } => (
            "parse::multiple_documents",
            "put one topology or rule in each file; remove the extra `---` document",
        ),
        _ if message.contains("budget breached")
            || message.contains("recursion limit")
            || message.contains("nesting limit") =>
        {
            (
                "limits::document_too_big",
                "the file is too deep, has too many nodes or expands too many aliases; flatten it, or raise the limits (`--max-depth`, `--max-yaml-nodes`) if it is genuine",
            )
        }
        _ if message.contains("document") && message.contains("more than") => (
            "parse::multiple_documents",
            "put one topology or rule in each file; remove the extra `---` document",
        ),
        _ => (
            "parse::syntax",
            "fix the YAML (or JSON) syntax at the marked place",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::TopList;

    fn parse(text: &str) -> Result<Node, Diag> {
        parse_document(
            &SourceFile::new("t.yaml", text.to_owned()),
            &Limits::default(),
        )
    }

    /// A topology read with its lists streamed is the tree read whole: the same root (with
    /// its position), the same other keys, and every item of `nodes` and `links` handed over
    /// in order, in YAML (block and flow, after comments and markers) and in JSON.
    #[test]
    fn streamed_topologies_are_the_whole_tree() {
        let docs = [
            (
                "a.yaml",
                "version: 1\nnodes:\n  - {id: S1, kind: server}\n  - id: S2\n    kind: server\nlinks:\n  - {kind: x400, from: S1, to: S2}\nname: n\n",
            ),
            (
                "b.yaml",
                "# a comment\n\n---\nlinks: []\nnodes: [{id: S1, kind: server}]\nversion: 1\n",
            ),
            (
                "c.yaml",
                "%YAML 1.2\n---\n{\n  version: 1, nodes: [{id: S1, kind: server}],\n  links: ~}\n",
            ),
            (
                "d.yaml",
                "  version: 1\n  nodes:\n    - {id: S1, kind: server}\n",
            ),
            ("e.yaml", "version: 1\nnodes: {id: S1}\n"),
            ("f.yaml", "- id: S1\n"),
            ("g.yaml", "{}\n"),
            (
                "h.json",
                "{\"version\": 1, \"links\": [{\"kind\": \"x400\", \"from\": \"S1\", \"to\": \"S1\"}],\n \"nodes\": [{\"id\": \"S1\", \"kind\": \"server\"}, {\"nested\": {\"nodes\": [1]}}]}",
            ),
        ];
        for (name, text) in docs {
            let file = SourceFile::new(name, text.to_owned());
            let whole = parse_document(&file, &Limits::default()).unwrap();
            let mut items: Vec<(TopList, Node)> = Vec::new();
            let streamed = parse_topology(&file, &Limits::default(), &mut |list, item| {
                items.push((list, item));
            })
            .unwrap();
            assert_eq!(streamed.pos, whole.pos, "{name}: the root's position");
            let (Value::Map(s), Value::Map(w)) = (&streamed.value, &whole.value) else {
                assert_eq!(streamed, whole, "{name}");
                assert!(items.is_empty(), "{name}");
                continue;
            };
            assert_eq!(s.len(), w.len(), "{name}");
            let mut expected: Vec<(TopList, Node)> = Vec::new();
            for ((sk, sv), (wk, wv)) in s.iter().zip(w) {
                assert_eq!(sk, wk, "{name}");
                match (TopList::of_key(&wk.name), &wv.value) {
                    (Some(list), Value::List(all)) => {
                        assert_eq!(sv.value, Value::List(Vec::new()), "{name}: {}", wk.name);
                        expected.extend(all.iter().map(|n| (list, n.clone())));
                    }
                    _ => assert_eq!(sv.value, wv.value, "{name}: {}", wk.name),
                }
            }
            expected.sort_by_key(|(l, _)| *l == TopList::Links);
            items.sort_by_key(|(l, _)| *l == TopList::Links);
            assert_eq!(items, expected, "{name}");
        }
    }

    /// Duplicate keys are refused in a map of any size (a large map checks them by a set).
    #[test]
    fn duplicate_keys_in_large_json_maps_are_refused() {
        for n in [3, 16, 17, 500] {
            let mut keys: Vec<String> = (0..n).map(|i| format!("\"k{i}\": {i}")).collect();
            keys.push(format!("\"k{}\": 0", n - 2));
            let text = format!("{{{}}}", keys.join(", "));
            let file = SourceFile::new("t.json", text);
            let e = parse_document(&file, &Limits::default()).unwrap_err();
            assert_eq!(e.code, "kbcheck::parse::duplicate_key", "{n}");
            assert!(
                e.message.contains(&format!("k{}", n - 2)),
                "{n}: {}",
                e.message
            );
        }
    }

    #[test]
    fn duplicate_key_is_refused_at_its_line() {
        let e = parse("a: 1\na: 2\n").err().unwrap();
        assert_eq!(e.code, "kbcheck::parse::duplicate_key");
        assert_eq!(e.location, Some(("t.yaml".into(), 2, 1)));
    }

    #[test]
    fn common_yaml_mistakes_are_told_at_their_character() {
        let e = parse("version: 1\nnodes:\n  - id: S1\n\tkind: server\n").unwrap_err();
        assert_eq!(e.code, "kbcheck::parse::tab_indentation", "{}", e.message);
        assert_eq!(e.location, Some(("t.yaml".to_owned(), 4, 1)));
        assert!(
            e.help
                .unwrap()
                .starts_with("YAML forbids tabs for indentation; use spaces")
        );
        let e = parse("version: 1\nnodes:\n  - id: \"S1\n    kind: server\n").unwrap_err();
        assert_eq!(e.code, "kbcheck::parse::unclosed_quote", "{}", e.message);
        assert_eq!(e.location, Some(("t.yaml".to_owned(), 3, 9)));
        let e = parse("version: 1\nnodes:\n  - id: S1\n    kind: server\n      product: x\n")
            .unwrap_err();
        assert_eq!(e.code, "kbcheck::parse::bad_indentation", "{}", e.message);
        assert_eq!(e.location, Some(("t.yaml".to_owned(), 5, 7)));
        let e =
            parse("version: 1\nnodes:\n  - id: S1\n    kind: server\n   - id: S2\n").unwrap_err();
        assert_eq!(e.code, "kbcheck::parse::bad_indentation", "{}", e.message);
        assert_eq!(e.location, Some(("t.yaml".to_owned(), 5, 4)));
    }

    #[test]
    fn blank_file_is_empty() {
        let e = parse("# nothing\n\n").err().unwrap();
        assert_eq!(e.code, "kbcheck::parse::empty");
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in 'b'..='k' {
            text.push_str(&format!(
                "{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
            prev = c;
        }
        let e = parse(&text).err().unwrap();
        assert_eq!(e.code, "kbcheck::limits::document_too_big", "{}", e.message);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let e = parse(&text).err().unwrap();
        assert_eq!(e.code, "kbcheck::limits::document_too_big", "{}", e.message);
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let e = decode("t.yaml".into(), b"a: 1\nb: \xff\n".to_vec())
            .err()
            .unwrap();
        assert_eq!(e.location, Some(("t.yaml".into(), 2, 4)));
    }
}
