//! Where the cursor is in a YAML file, read from the text around it (a heuristic).
//!
//! Completion and hover run on text being typed, which often does not parse. So instead of
//! the parser's tree, this module reads the lines: the enclosing keys come from indentation
//! (a line less indented than the cursor's, ending in `key:`; a `- ` item starts a new map),
//! the sibling keys from the lines at the cursor's indentation, and flow collections
//! (`{id: A, kind: server}`, `[a, b]`) from brackets on the cursor's line.
//!
//! Limits: flow collections are read on one line only; multi-line flow maps, block scalars
//! (`|`, `>`), anchors and aliases, keys spelled as quoted strings with `: ` inside, and tab
//! indentation are not understood. JSON files are read as flow YAML, so only the current
//! line helps there.

/// The cursor's place in the document.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Context {
    /// Keys of the maps enclosing the cursor, outermost first (list items add none).
    pub path: Vec<String>,
    /// The key whose value the cursor is in (`kind: ser|`); `None` where a key is written.
    pub key: Option<String>,
    /// The cursor is on an element of a list (`- ser|` or `[a, se|]`); for a block list
    /// item without `:`, `key` is `None` and the list's key ends `path`.
    pub list_item: bool,
    /// The text typed before the cursor, back to the start of the key or value.
    pub prefix: String,
    /// The keys and (scalar) values of the map the cursor is in, the cursor's own excluded.
    pub siblings: Vec<(String, String)>,
}

impl Context {
    /// A sibling's value (`kind` of the node being written).
    pub fn sibling(&self, key: &str) -> Option<&str> {
        self.siblings
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// One line split into indentation, list dashes and content.
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    /// Column of the last `- ` on the line, if it starts list items.
    dash: Option<usize>,
    /// Column where the content starts.
    indent: usize,
    content: &'a str,
}

fn split_line(line: &str) -> Line<'_> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let mut indent = line.len() - line.trim_start_matches(' ').len();
    let mut dash = None;
    loop {
        let rest = line.get(indent..).unwrap_or("");
        if rest == "-" || rest.starts_with("- ") {
            dash = Some(indent);
            let after = rest.get(1..).unwrap_or("");
            indent += 1 + (after.len() - after.trim_start_matches(' ').len());
            if after.trim().is_empty() {
                // `-` alone: the item's map starts on the next line, two columns in.
                indent = indent.max(dash.unwrap_or(0) + 2);
                return Line {
                    dash,
                    indent,
                    content: "",
                };
            }
        } else {
            break;
        }
    }
    Line {
        dash,
        indent,
        content: line.get(indent..).unwrap_or(""),
    }
}

/// Whether a line holds nothing to read.
fn is_blank(content: &str) -> bool {
    let t = content.trim();
    t.is_empty() || t.starts_with('#') || t == "---"
}

/// `key: value` of a block line (value without a trailing comment), if it is one.
pub fn key_value(content: &str) -> Option<(String, String)> {
    let t = content.trim();
    if t.starts_with(['{', '[', '#', '"', '\'']) && !t.starts_with(['"', '\'']) {
        return None;
    }
    let mut quote = None;
    for (i, c) in t.char_indices() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') if i == 0 => quote = Some(c),
            (None, ':') => {
                let after = t.get(i + 1..).unwrap_or("");
                if after.is_empty() || after.starts_with([' ', '\t']) {
                    let key = unquote(t.get(..i).unwrap_or("").trim());
                    let value = strip_comment(after).trim();
                    return Some((key.to_owned(), unquote(value).to_owned()));
                }
            }
            _ => {}
        }
    }
    None
}

fn strip_comment(value: &str) -> &str {
    match value.find(" #") {
        Some(i) => value.get(..i).unwrap_or(value),
        None => value,
    }
}

/// A scalar without its quotes.
pub fn unquote(s: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q) {
            return inner.strip_suffix(q).unwrap_or(inner);
        }
    }
    s
}

/// The context of the cursor at byte `offset` of `text`.
pub fn context(text: &str, offset: usize) -> Context {
    let offset = floor_boundary(text, offset);
    let line_start = text
        .get(..offset)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let line_end = text
        .get(offset..)
        .and_then(|t| t.find('\n'))
        .map_or(text.len(), |i| offset + i);
    // The lines above the cursor's, nearest first, and those below: read only as far as
    // needed, so a request in a large file costs what the cursor's neighbourhood does.
    let above = || {
        text.get(..line_start.saturating_sub(1))
            .filter(|_| line_start > 0)
            .into_iter()
            .flat_map(|t| t.rsplit('\n'))
    };
    let below = || {
        text.get(line_end + 1..)
            .filter(|_| line_end < text.len())
            .into_iter()
            .flat_map(|t| t.split('\n'))
    };
    let line = text.get(line_start..line_end).unwrap_or("");
    let cur = split_line(line);
    let col = offset - line_start;
    let before = text.get(line_start..offset).unwrap_or("");

    let mut ctx = Context::default();
    // On a blank line, a key is being started at the cursor's column.
    let indent = if cur.content.trim().is_empty() && cur.dash.is_none() {
        col
    } else {
        cur.indent
    };
    // A `- ` on the cursor's line starts the map the cursor is in.
    let level = cur.dash.unwrap_or(indent);
    ctx.path = enclosing_keys(above(), level);

    let typed = before.get(cur.indent.min(before.len())..).unwrap_or("");
    if let Some(flow) = flow_context(typed, line.get(cur.indent..).unwrap_or("")) {
        ctx.path.extend(flow.keys);
        ctx.key = flow.key;
        ctx.list_item = flow.list_item;
        ctx.prefix = flow.prefix;
        ctx.siblings = flow.siblings;
        return ctx;
    }
    match key_value(typed) {
        Some((key, value)) => {
            ctx.key = Some(key);
            ctx.prefix = value;
        }
        None => {
            ctx.prefix = typed.trim().to_owned();
            if cur.dash.is_some() && !cur.content.contains(": ") && !typed.trim().is_empty() {
                ctx.list_item = true;
            }
        }
    }
    ctx.siblings = siblings(above(), below(), indent, cur.dash.is_some());
    ctx
}

fn floor_boundary(text: &str, offset: usize) -> usize {
    let mut o = offset.min(text.len());
    while !text.is_char_boundary(o) {
        o -= 1;
    }
    o
}

/// Keys of the block maps enclosing a line whose content sits at column `level`, from the
/// lines above it (nearest first).
fn enclosing_keys<'a>(above: impl Iterator<Item = &'a str>, mut level: usize) -> Vec<String> {
    let mut keys = Vec::new();
    for line in above {
        if level == 0 {
            break;
        }
        let l = split_line(line);
        if is_blank(l.content) {
            continue;
        }
        if l.indent < level {
            if let Some((k, v)) = key_value(l.content)
                && (v.is_empty() || v.starts_with(['|', '>', '&']))
            {
                keys.push(k);
            }
            level = l.dash.unwrap_or(l.indent);
        } else if l.indent == level
            && let Some(d) = l.dash
        {
            // The map we are in starts at this item.
            level = d;
        }
    }
    keys.reverse();
    keys
}

/// Keys and scalar values of the block map whose keys sit at column `indent`, from the lines
/// above the cursor's (nearest first) and below it.
fn siblings<'a>(
    above: impl Iterator<Item = &'a str>,
    below: impl Iterator<Item = &'a str>,
    indent: usize,
    starts_here: bool,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if !starts_here {
        for line in above {
            let l = split_line(line);
            if is_blank(l.content) || l.indent > indent {
                continue;
            }
            if l.indent < indent {
                break;
            }
            out.extend(key_value(l.content));
            if l.dash.is_some() {
                break;
            }
        }
    }
    for line in below {
        let l = split_line(line);
        if is_blank(l.content) || (l.indent > indent && l.dash.is_none_or(|d| d >= indent)) {
            continue;
        }
        if l.indent != indent || l.dash.is_some() {
            break;
        }
        out.extend(key_value(l.content));
    }
    out
}

/// What a flow collection on the cursor's line says.
struct Flow {
    keys: Vec<String>,
    key: Option<String>,
    list_item: bool,
    prefix: String,
    siblings: Vec<(String, String)>,
}

/// The innermost unclosed `{` or `[` before the cursor, if any: `typed` is the line's
/// content up to the cursor, `content` the whole line's content.
fn flow_context(typed: &str, content: &str) -> Option<Flow> {
    // (opener, its byte offset, the key written before it)
    let mut stack: Vec<(char, usize, Option<String>)> = Vec::new();
    let mut seg_start = 0usize;
    let mut quote = None;
    for (i, c) in typed.char_indices() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '{' | '[') => {
                let before = typed.get(seg_start..i).unwrap_or("");
                let key = before
                    .trim()
                    .strip_suffix(':')
                    .map(|k| unquote(k.trim_start_matches("- ").trim()).to_owned());
                stack.push((c, i, key));
                seg_start = i + 1;
            }
            (None, '}' | ']') => {
                stack.pop();
                seg_start = i + 1;
            }
            (None, ',') => seg_start = i + 1,
            _ => {}
        }
    }
    let &(opener, at, _) = stack.last()?;
    let keys: Vec<String> = stack
        .iter()
        .take(stack.len().saturating_sub(usize::from(opener == '[')))
        .filter_map(|(_, _, k)| k.clone())
        .collect();
    let segment = typed.get(seg_start..).unwrap_or("");
    if opener == '[' {
        return Some(Flow {
            keys,
            key: stack.last().and_then(|(_, _, k)| k.clone()),
            list_item: true,
            prefix: unquote(segment.trim()).to_owned(),
            siblings: Vec::new(),
        });
    }
    let (key, prefix) = match segment.split_once(':') {
        Some((k, v)) => (
            Some(unquote(k.trim()).to_owned()),
            unquote(v.trim()).to_owned(),
        ),
        None => (None, unquote(segment.trim()).to_owned()),
    };
    let own = key.clone();
    let siblings = split_flow_map(content.get(at + 1..).unwrap_or(""))
        .into_iter()
        .filter(|(k, _)| Some(k) != own.as_ref() && !k.is_empty())
        .collect();
    Some(Flow {
        keys,
        key,
        list_item: false,
        prefix,
        siblings,
    })
}

/// `key: value` pairs of a flow map's text (after its `{`), to its closing `}`.
fn split_flow_map(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0usize;
    let mut quote = None;
    let mut push = |part: &str| {
        if let Some((k, v)) = part.split_once(':') {
            out.push((unquote(k.trim()).to_owned(), unquote(v.trim()).to_owned()));
        }
    };
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '{' | '[') => depth += 1,
            (None, '}' | ']') if depth == 0 => {
                push(text.get(start..i).unwrap_or(""));
                return out;
            }
            (None, '}' | ']') => depth -= 1,
            (None, ',') if depth == 0 => {
                push(text.get(start..i).unwrap_or(""));
                start = i + 1;
            }
            _ => {}
        }
    }
    push(text.get(start..).unwrap_or(""));
    out
}

/// The word under (or just before) the cursor: letters, digits, `-`, `_`, `.`, `$`.
pub fn word_at(text: &str, offset: usize) -> Option<(usize, usize, &str)> {
    let is_word = |c: char| c.is_alphanumeric() || "-_.$".contains(c);
    let offset = floor_boundary(text, offset);
    let start = text
        .get(..offset)?
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map_or(offset, |(i, _)| i);
    let end = text
        .get(offset..)?
        .char_indices()
        .find(|(_, c)| !is_word(*c))
        .map_or(text.len(), |(i, _)| offset + i);
    let word = text.get(start..end)?;
    let word = word.trim_end_matches('.');
    (!word.is_empty()).then_some((start, start + word.len(), word))
}

/// Whether the word ending at `end` is a key (followed by `:`).
pub fn is_key(text: &str, end: usize) -> bool {
    let rest = text.get(end..).unwrap_or("");
    let rest = rest.trim_start_matches(['"', '\'']).trim_start_matches(' ');
    rest.starts_with(':')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Context {
        let offset = text.find('|').unwrap();
        let text = text.replacen('|', "", 1);
        context(&text, offset)
    }

    #[test]
    fn block_node_key_and_value() {
        let doc = "version: 1\nnodes:\n  - id: A\n    kind: server\n    pro|\n    site: x\n";
        let c = at(doc);
        assert_eq!(c.path, ["nodes"]);
        assert_eq!(c.key, None);
        assert_eq!(c.prefix, "pro");
        assert_eq!(c.sibling("kind"), Some("server"));
        assert_eq!(c.sibling("site"), Some("x"));
        let c = at("nodes:\n  - id: P\n    kind: postoffice\n    created-by: ms|\n");
        assert_eq!(c.key.as_deref(), Some("created-by"));
        assert_eq!(c.prefix, "ms");
        assert_eq!(c.sibling("kind"), Some("postoffice"));
    }

    #[test]
    fn nested_keys_and_items() {
        let c = at("nodes:\n  - id: P\n    kind: postoffice\n    install:\n      sou|\n");
        assert_eq!(c.path, ["nodes", "install"]);
        let c = at(
            "tests:\n  - name: x\n    topology:\n      nodes:\n        - {id: A}\n        - id: B\n          kind: |\n",
        );
        assert_eq!(c.path, ["tests", "topology", "nodes"]);
        assert_eq!(c.key.as_deref(), Some("kind"));
        assert_eq!(c.sibling("id"), Some("B"));
        let c = at("nodes:\n  - id: A\n  - |\n");
        assert_eq!(c.path, ["nodes"]);
        assert_eq!(c.siblings, []);
    }

    #[test]
    fn flow_maps_and_lists() {
        let c = at("nodes:\n  - {id: P, kind: postoffice, parent: E|, site: x}\n");
        assert_eq!(c.path, ["nodes"]);
        assert_eq!(c.key.as_deref(), Some("parent"));
        assert_eq!(c.prefix, "E");
        assert_eq!(c.sibling("kind"), Some("postoffice"));
        let c = at("when: {all: [{field: serial, equ|}]}\n");
        assert_eq!(c.path, ["when", "all"]);
        assert_eq!(c.key, None);
        assert_eq!(c.prefix, "equ");
        let c = at("select: {kind: [server, po|]}\n");
        assert_eq!(c.path, ["select"]);
        assert_eq!(c.key.as_deref(), Some("kind"));
        assert!(c.list_item);
    }

    #[test]
    fn words_and_keys() {
        let text = "  parent: EXCH-RED\n";
        let (s, e, w) = word_at(text, 12).unwrap();
        assert_eq!((w, s, e), ("EXCH-RED", 10, 18));
        let (_, e, w) = word_at(text, 4).unwrap();
        assert_eq!(w, "parent");
        assert!(is_key(text, e));
    }
}
