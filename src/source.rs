//! Source files: their text, their display name, and turning positions into spans.
//!
//! Every position question (the byte offset of a line and column, the length of a line,
//! the lines a diagnostic shows) is answered from a table of line starts built once per
//! file, on first use, in one pass: a report with many diagnostics costs the lines it
//! shows, not a scan of the file per diagnostic.

use crate::value::Pos;
use miette::{MietteError, MietteSpanContents, NamedSource, SourceCode, SourceSpan, SpanContents};
use std::sync::{Arc, OnceLock};

/// A file kbcheck read (or a built-in one), shared cheaply between diagnostics.
#[derive(Clone, Debug)]
pub struct SourceFile {
    name: Arc<str>,
    text: Indexed,
}

/// A file's text with its line table, built on first use and shared by every clone.
#[derive(Clone, Debug)]
pub struct Indexed {
    text: Arc<String>,
    lines: Arc<OnceLock<Lines>>,
}

/// Byte offsets where each line starts (lines end at `\n`), and whether the text holds a
/// carriage return that is not part of `\r\n` (which miette counts as a line break too).
#[derive(Debug)]
struct Lines {
    starts: Vec<usize>,
    lone_cr: bool,
}

impl Lines {
    fn of(text: &str) -> Lines {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        starts.extend(memchr_all(b'\n', bytes).map(|i| i + 1));
        let lone_cr = memchr_all(b'\r', bytes).any(|i| bytes.get(i + 1) != Some(&b'\n'));
        Lines { starts, lone_cr }
    }

    /// The 0-based line holding byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }

    /// Start and end (before the `\n`) of a 0-based line, within `len` bytes of text.
    fn bounds(&self, line: usize, len: usize) -> (usize, usize) {
        let start = self.starts.get(line).copied().unwrap_or(len);
        let end = self
            .starts
            .get(line + 1)
            .map_or(len, |&next| next.saturating_sub(1));
        (start, end.max(start))
    }
}

fn memchr_all(needle: u8, bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes
        .iter()
        .enumerate()
        .filter(move |&(_, &b)| b == needle)
        .map(|(i, _)| i)
}

impl Indexed {
    /// The whole text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    fn new(text: String) -> Indexed {
        Indexed {
            text: Arc::new(text),
            lines: Arc::new(OnceLock::new()),
        }
    }

    fn lines(&self) -> &Lines {
        self.lines.get_or_init(|| Lines::of(&self.text))
    }
}

impl SourceCode for Indexed {
    /// The lines around `span` only: the window is cut from the line table, then read as
    /// miette would read the whole text, with its line numbers moved back into place.
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text = self.text.as_bytes();
        let lines = self.lines();
        if lines.lone_cr || span.offset() > text.len() {
            return text.read_span(span, context_lines_before, context_lines_after);
        }
        // One line more than the context: miette's reading of a span at the very start of
        // its input differs from its reading of the same span further in.
        let first = lines
            .line_of(span.offset())
            .saturating_sub(context_lines_before + 1);
        let last_byte = (span.offset() + span.len())
            .saturating_sub(1)
            .max(span.offset());
        let last = lines.line_of(last_byte) + context_lines_after + 1;
        let from = lines.bounds(first, text.len()).0;
        let to = lines
            .starts
            .get(last + 1)
            .copied()
            .unwrap_or(text.len())
            .min(text.len());
        let window = text.get(from..to).ok_or(MietteError::OutOfBounds)?;
        let local = SourceSpan::new((span.offset() - from).into(), span.len());
        let c = window.read_span(&local, context_lines_before, context_lines_after)?;
        let data: &'a [u8] = text
            .get(from + c.span().offset()..from + c.span().offset() + c.span().len())
            .ok_or(MietteError::OutOfBounds)?;
        Ok(Box::new(MietteSpanContents::new(
            data,
            SourceSpan::new((from + c.span().offset()).into(), c.span().len()),
            first + c.line(),
            c.column(),
            first + c.line_count(),
        )))
    }
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: String) -> SourceFile {
        let name: String = name.into();
        SourceFile {
            name: name.into(),
            text: Indexed::new(text),
        }
    }

    /// The name shown to users (the path as given, or `builtin:rules/...`).
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn text(&self) -> &str {
        &self.text.text
    }

    /// The text, shared (for readers that keep it, such as human output's snippets).
    pub fn shared_text(&self) -> &Arc<String> {
        &self.text.text
    }

    /// The file as a miette source, without copying the text.
    pub fn named_source(&self) -> NamedSource<Indexed> {
        NamedSource::new(&*self.name, self.text.clone())
    }

    /// The byte span of a position; positions without byte information are
    /// recomputed from line and column.
    pub fn span(&self, pos: Pos) -> SourceSpan {
        let text = self.text();
        let offset = if pos.offset == 0 && (pos.line > 1 || pos.column > 1) {
            self.offset_of(pos.line, pos.column)
        } else {
            pos.offset as usize
        };
        let offset = offset.min(text.len());
        let len = (pos.len as usize).min(text.len() - offset);
        (offset, len).into()
    }

    /// Length in bytes of the line holding `pos`.
    pub fn line_len_at(&self, pos: Pos) -> usize {
        let at = self.span(pos).offset();
        let lines = self.text.lines();
        let (start, end) = lines.bounds(lines.line_of(at), self.text().len());
        end - start
    }

    /// Byte offset of a 1-based line and (character) column.
    pub fn offset_of(&self, line: u32, column: u32) -> usize {
        let text = self.text();
        let lines = self.text.lines();
        let Some(&start) = lines.starts.get(line.saturating_sub(1) as usize) else {
            return text.len();
        };
        let rest = text.get(start..).unwrap_or("");
        let col = rest
            .char_indices()
            .nth(column.saturating_sub(1) as usize)
            .map_or(rest.len(), |(i, _)| i);
        start + col
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "nodes:\n  - id: a\n    kind: server\n\n  - id: é1\n    kind: postoffice";

    /// The old whole-text scans, the reference the table must agree with.
    fn scan_offset_of(text: &str, line: u32, column: u32) -> usize {
        let mut start = 0usize;
        for _ in 1..line {
            match text.get(start..).and_then(|rest| rest.find('\n')) {
                Some(i) => start += i + 1,
                None => return text.len(),
            }
        }
        let rest = text.get(start..).unwrap_or("");
        start
            + rest
                .char_indices()
                .nth(column.saturating_sub(1) as usize)
                .map_or(rest.len(), |(i, _)| i)
    }

    #[test]
    fn offsets_and_line_lengths_agree_with_a_scan() {
        let f = SourceFile::new("t.yaml", TEXT.to_owned());
        for line in 1..=8 {
            for column in 1..=20 {
                assert_eq!(
                    f.offset_of(line, column),
                    scan_offset_of(TEXT, line, column),
                    "line {line} column {column}"
                );
            }
        }
        for (at, len) in [(0, 6), (7, 9), (34, 0), (35, 11), (TEXT.len(), 20)] {
            let pos = Pos {
                offset: u32::try_from(at).unwrap_or(0),
                ..Pos::default()
            };
            assert_eq!(f.line_len_at(pos), len, "offset {at}");
        }
    }

    fn contents(
        src: &dyn SourceCode,
        span: SourceSpan,
        ctx: usize,
    ) -> (String, SourceSpan, usize, usize, usize) {
        let c = src.read_span(&span, ctx, ctx).unwrap();
        (
            String::from_utf8_lossy(c.data()).into_owned(),
            *c.span(),
            c.line(),
            c.column(),
            c.line_count(),
        )
    }

    #[test]
    fn windows_read_like_the_whole_text() {
        for text in [TEXT, "a\r\nb\r\nc\r\n", "one line", "x\n", "a\rb\nc\n\n\nd"] {
            let f = SourceFile::new("t", text.to_owned());
            for offset in 0..=text.len() {
                for len in [0, 1, 3] {
                    if !text.is_char_boundary(offset) || offset + len > text.len() {
                        continue;
                    }
                    let span = SourceSpan::new(offset.into(), len);
                    for ctx in [0, 1, 2] {
                        let whole = text.as_bytes().read_span(&span, ctx, ctx).ok().map(|c| {
                            (
                                String::from_utf8_lossy(c.data()).into_owned(),
                                *c.span(),
                                c.line(),
                                c.column(),
                                c.line_count(),
                            )
                        });
                        let ours = f.text.read_span(&span, ctx, ctx).ok().map(|c| {
                            (
                                String::from_utf8_lossy(c.data()).into_owned(),
                                *c.span(),
                                c.line(),
                                c.column(),
                                c.line_count(),
                            )
                        });
                        assert_eq!(ours, whole, "{text:?} offset {offset} len {len} ctx {ctx}");
                    }
                }
            }
        }
        let f = SourceFile::new("t", TEXT.to_owned());
        let (data, _, line, _, _) = contents(&f.text, SourceSpan::new(40.into(), 2), 1);
        assert_eq!(line, 3, "the context line before");
        assert!(data.contains("id: é1"));
    }
}
