//! Source files: their text, their display name, and turning positions into spans.

use crate::value::Pos;
use miette::{NamedSource, SourceSpan};
use std::sync::Arc;

/// A file kbcheck read (or a built-in one), shared cheaply between diagnostics.
#[derive(Clone, Debug)]
pub struct SourceFile {
    name: Arc<str>,
    text: Arc<String>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: String) -> SourceFile {
        let name: String = name.into();
        SourceFile {
            name: name.into(),
            text: Arc::new(text),
        }
    }

    /// The name shown to users (the path as given, or `builtin:rules/...`).
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The file as a miette source, without copying the text.
    pub fn named_source(&self) -> NamedSource<Arc<String>> {
        NamedSource::new(&*self.name, Arc::clone(&self.text))
    }

    /// The byte span of a position; positions without byte information are
    /// recomputed from line and column.
    pub fn span(&self, pos: Pos) -> SourceSpan {
        let text = self.text.as_str();
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
        let span = self.span(pos);
        let text = self.text.as_str();
        let at = span.offset().min(text.len());
        let start = text
            .get(..at)
            .and_then(|t| t.rfind('\n'))
            .map_or(0, |i| i + 1);
        let end = text
            .get(at..)
            .and_then(|t| t.find('\n'))
            .map_or(text.len(), |i| at + i);
        end.saturating_sub(start)
    }

    /// Byte offset of a 1-based line and (character) column.
    pub fn offset_of(&self, line: u32, column: u32) -> usize {
        let text = self.text.as_str();
        let mut start = 0usize;
        for _ in 1..line {
            match text.get(start..).and_then(|rest| rest.find('\n')) {
                Some(i) => start += i + 1,
                None => return text.len(),
            }
        }
        let rest = text.get(start..).unwrap_or("");
        let col = rest
            .char_indices()
            .nth(column.saturating_sub(1) as usize)
            .map_or(rest.len(), |(i, _)| i);
        start + col
    }
}
