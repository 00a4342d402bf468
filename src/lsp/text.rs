//! Positions and addresses: byte offsets ↔ LSP positions (line, UTF-16 unit), file paths ↔
//! `file:` URIs.
//!
//! kbcheck's spans are byte offsets into the text (miette's `SourceSpan`); LSP counts lines
//! from 0 and characters in UTF-16 code units, so `é` is one unit and `𝄞` two.

use lsp_types::{Position, Range, TextDocumentContentChangeEvent, Uri};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Where each line of a text starts, to turn offsets into positions and back.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// The position of a byte offset (clamped to the text, moved back to a character start).
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let character = self
            .text
            .get(start..offset)
            .map_or(0, |t| t.encode_utf16().count());
        Position::new(to_u32(line), to_u32(character))
    }

    /// The range of `len` bytes from `offset`.
    pub fn range(&self, offset: usize, len: usize) -> Range {
        Range::new(self.position(offset), self.position(offset + len))
    }

    /// The byte offset of a position; past the end of a line is the line's end.
    pub fn offset(&self, pos: Position) -> usize {
        match self.starts.get(pos.line as usize) {
            Some(&start) => start + in_line(self.line_text(start), pos.character),
            None => self.text.len(),
        }
    }

    /// The byte offset of a 1-based line and character column (kbcheck's own locations).
    pub fn offset_of_line_column(&self, line: u32, column: u32) -> usize {
        let Some(&start) = self.starts.get(line.saturating_sub(1) as usize) else {
            return self.text.len();
        };
        let text = self.line_text(start);
        start
            + text
                .char_indices()
                .nth(column.saturating_sub(1) as usize)
                .map_or(text.len(), |(i, _)| i)
    }

    /// The text of the line starting at `start`, without its line break.
    fn line_text(&self, start: usize) -> &'a str {
        line_at(self.text, start)
    }
}

/// The text of the line starting at byte `start`, without its line break.
fn line_at(text: &str, start: usize) -> &str {
    let rest = text.get(start..).unwrap_or("");
    let line = rest.split('\n').next().unwrap_or("");
    line.strip_suffix('\r').unwrap_or(line)
}

/// The byte offset in a line of its UTF-16 `character` (the line's end if past it).
fn in_line(line: &str, character: u32) -> usize {
    let mut units = 0usize;
    for (i, c) in line.char_indices() {
        if units >= character as usize {
            return i;
        }
        units += c.len_utf16();
    }
    line.len()
}

/// The byte offset of a position, reading the text only up to it: for one lookup, where
/// indexing every line of a large file would cost more than the request.
pub fn offset_at(text: &str, pos: Position) -> usize {
    let start = match pos.line {
        0 => 0,
        n => match text.match_indices('\n').nth(n as usize - 1) {
            Some((i, _)) => i + 1,
            None => return text.len(),
        },
    };
    start + in_line(line_at(text, start), pos.character)
}

/// The position of a byte offset, reading the text only up to it.
pub fn position_at(text: &str, offset: usize) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = text.get(..offset).unwrap_or("");
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let character = before.get(start..).map_or(0, |t| t.encode_utf16().count());
    Position::new(to_u32(before.matches('\n').count()), to_u32(character))
}

/// Apply one change of a `didChange`: an edit of a range, or (without a range) the whole text.
pub fn apply_change(text: &mut String, change: TextDocumentContentChangeEvent) {
    match change.range {
        None => *text = change.text,
        Some(range) => {
            let start = offset_at(text, range.start);
            let end = offset_at(text, range.end).max(start);
            text.replace_range(start..end, &change.text);
        }
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The file a `file:` URI names (`None` for other schemes, such as an unsaved buffer's).
pub fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file:///x` (no host) or `file://localhost/x`.
    let path = rest.strip_prefix("localhost").unwrap_or(rest);
    if !path.starts_with('/') {
        return None;
    }
    let bytes = percent_decode(path)?;
    let text = String::from_utf8(bytes).ok()?;
    // `file:///C:/x` on Windows names `C:/x`.
    let windows = text.get(1..3).is_some_and(|d| d.ends_with(':')) && cfg!(windows);
    Some(PathBuf::from(if windows {
        text.get(1..).unwrap_or(&text)
    } else {
        &text
    }))
}

/// The `file:` URI of a path (made absolute from the current folder).
pub fn path_to_uri(path: &Path) -> Option<Uri> {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(path)
    };
    let text = absolute.to_string_lossy().replace('\\', "/");
    let mut out = String::from("file://");
    if !text.starts_with('/') {
        out.push('/');
    }
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~:".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Uri::from_str(&out).ok()
}

fn percent_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hi = char::from(bytes.next()?).to_digit(16)?;
            let lo = char::from(bytes.next()?).to_digit(16)?;
            out.push(u8::try_from(hi * 16 + lo).ok()?);
        } else {
            out.push(b);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        let text = "a: é𝄞x\nb: y\n";
        let index = LineIndex::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(index.position(x), Position::new(0, 6));
        assert_eq!(index.offset(Position::new(0, 6)), x);
        assert_eq!(index.position(text.find('y').unwrap()), Position::new(1, 3));
        assert_eq!(index.offset(Position::new(9, 0)), text.len());
        assert_eq!(index.offset_of_line_column(2, 4), text.find('y').unwrap());
        for offset in 0..=text.len() {
            assert_eq!(
                position_at(text, offset),
                index.position(offset),
                "{offset}"
            );
        }
        for (line, character) in [(0, 0), (0, 5), (0, 6), (0, 99), (1, 2), (2, 0), (7, 1)] {
            let pos = Position::new(line, character);
            assert_eq!(offset_at(text, pos), index.offset(pos), "{pos:?}");
        }
    }

    #[test]
    fn edits_apply_at_utf16_positions() {
        let mut text = "a: é𝄞x\nb: y\n".to_owned();
        let edit = |sl, sc, el, ec, t: &str| TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(sl, sc), Position::new(el, ec))),
            range_length: None,
            text: t.to_owned(),
        };
        apply_change(&mut text, edit(0, 6, 0, 7, "z"));
        assert_eq!(text, "a: é𝄞z\nb: y\n");
        apply_change(&mut text, edit(0, 7, 1, 3, "\nc: "));
        assert_eq!(text, "a: é𝄞z\nc: y\n");
        apply_change(&mut text, edit(2, 0, 2, 0, "d: 1\n"));
        assert_eq!(text, "a: é𝄞z\nc: y\nd: 1\n");
        apply_change(
            &mut text,
            TextDocumentContentChangeEvent {
                range: None,
                range_length: None,
                text: "new".into(),
            },
        );
        assert_eq!(text, "new");
    }

    #[test]
    fn uris_and_paths_round_trip() {
        let path = Path::new("/srv/my topo/ü.yaml");
        let uri = path_to_uri(path).unwrap();
        assert_eq!(uri.as_str(), "file:///srv/my%20topo/%C3%BC.yaml");
        assert_eq!(uri_to_path(&uri).unwrap(), path);
        assert_eq!(uri_to_path(&Uri::from_str("untitled:1").unwrap()), None);
    }
}
