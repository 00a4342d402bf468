//! Input errors and warnings as miette diagnostics.
//!
//! Every problem with a topology, rule, vocabulary or command line becomes a [`Diag`]:
//! a code (`kbcheck::topology::duplicate_id`), a one-line message, labels on the source
//! text, and help on how to fix it. Stages collect them in [`Diags`] instead of stopping
//! at the first one.

use crate::source::SourceFile;
use crate::value::Pos;
use miette::{Diagnostic, LabeledSpan, NamedSource, Severity, SourceCode};
use std::fmt;

/// Lines longer than this are not shown in snippets.
const MAX_SNIPPET_LINE: usize = 400;

/// One diagnostic about some input.
#[derive(Debug, Clone)]
pub struct Diag {
    pub code: String,
    pub message: String,
    pub help: Option<String>,
    pub url: Option<String>,
    pub severity: Severity,
    pub source: Option<NamedSource<crate::source::Indexed>>,
    pub labels: Vec<LabeledSpan>,
    /// File, line and column of the first label, for plain-text and JSON output.
    pub location: Option<(String, u32, u32)>,
    /// Further places in other files the problem involves (a declaration it conflicts with).
    pub related: Vec<Diag>,
}

/// Longest message kept, in characters: a message quotes user input, which may be huge.
const MAX_MESSAGE: usize = 300;

/// A message on one line: control characters the input brought (a line break inside a
/// quoted key, a tab) are shown escaped, and a message quoting a huge input is cut short.
fn one_line(message: String) -> String {
    if !message.chars().any(char::is_control) && message.chars().count() <= MAX_MESSAGE {
        return message;
    }
    let mut out = String::new();
    for (n, c) in message.chars().enumerate() {
        if n == MAX_MESSAGE {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

impl Diag {
    pub fn error(code: &str, message: impl Into<String>) -> Diag {
        Diag {
            code: format!("kbcheck::{code}"),
            message: one_line(message.into()),
            help: None,
            url: None,
            severity: Severity::Error,
            source: None,
            labels: Vec::new(),
            location: None,
            related: Vec::new(),
        }
    }

    /// Point at `pos` in `file` as a second place: a label when it is the same file as the
    /// first, otherwise a related note with its own snippet (another file's text).
    pub fn also_at(mut self, file: &SourceFile, pos: Pos, label: impl Into<String>) -> Diag {
        let same = self
            .location
            .as_ref()
            .is_some_and(|(name, _, _)| name == file.name());
        if same || self.location.is_none() {
            return self.at(file, pos, label);
        }
        let label: String = label.into();
        let note = Diag {
            code: String::new(),
            severity: Severity::Advice,
            ..Diag::error("", label.clone())
        };
        self.related.push(note.at(file, pos, label));
        self
    }

    pub fn warning(code: &str, message: impl Into<String>) -> Diag {
        Diag {
            severity: Severity::Warning,
            ..Diag::error(code, message)
        }
    }

    /// Point at `pos` in `file` with a label; the first call sets the source.
    /// Point at `pos` in `file` with a label. The first label is the primary one (its line
    /// and column head the report); later ones add context such as "first used here".
    pub fn at(mut self, file: &SourceFile, pos: Pos, label: impl Into<String>) -> Diag {
        let primary = self.location.is_none();
        if primary {
            self.location = Some((file.name().to_owned(), pos.line, pos.column));
        }
        // A snippet of a minified or pathological line would print the whole line: keep the
        // file, line and column, and leave the text out.
        if file.line_len_at(pos) > MAX_SNIPPET_LINE {
            return self;
        }
        if self.source.is_none() {
            self.source = Some(file.named_source());
        }
        let label: String = label.into();
        let label = if label.is_empty() { None } else { Some(label) };
        let span = file.span(pos);
        self.labels.push(if primary {
            LabeledSpan::new_primary_with_span(label, span)
        } else {
            LabeledSpan::new_with_span(label, span)
        });
        self
    }

    /// Name a file without a position (a file that could not be read at all).
    pub fn in_file(mut self, name: &str) -> Diag {
        if self.location.is_none() {
            self.location = Some((name.to_owned(), 0, 0));
        }
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diag {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diag {
    // The location is part of the snippet header when there is a snippet; without one
    // (a file that could not be read, a line too long to show), the message names it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        match &self.location {
            Some((file, line, column)) if self.source.is_none() && *line > 0 => {
                write!(f, " (at {file}:{line}:{column})")
            }
            _ => Ok(()),
        }
    }
}

impl std::error::Error for Diag {}

impl Diagnostic for Diag {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        if self.code.is_empty() {
            return None;
        }
        Some(Box::new(&self.code))
    }
    fn severity(&self) -> Option<Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.url
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(self.related.iter().map(|d| d as &dyn Diagnostic)))
        }
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
}

/// Diagnostics collected by a stage. A stage fails when any of them is an error.
#[derive(Debug, Default, Clone)]
pub struct Diags(pub Vec<Diag>);

impl Diags {
    pub fn push(&mut self, d: Diag) {
        self.0.push(d);
    }
    pub fn extend(&mut self, other: Diags) {
        self.0.extend(other.0);
    }
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diag::is_error)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = &Diag> {
        self.0.iter()
    }
}

impl From<Diag> for Diags {
    fn from(d: Diag) -> Diags {
        Diags(vec![d])
    }
}

/// The candidate `word` is most likely a misspelling of, if any. A word is compared part by
/// part (parts split at `-`, `_` and `.`): every part must equal the candidate's or be a typo
/// of it (a third of its letters at most), so `smtp-connector` is not "corrected" to
/// `site-connector`, a different thing spelt alike. Among the candidates left, one of the
/// same family (the same last part: `…-connector`) comes first, then the closest.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .filter_map(|c| typo_distance(word, c).map(|d| (d, c)))
        .min_by_key(|(d, c)| (last_part(word) != last_part(c), *d, *c))
        .map(|(_, c)| c)
}

/// [`did_you_mean`] over a large set of candidates (every id of a topology), within a budget
/// of comparisons for one file: each distinct unknown word is compared once, and once the
/// budget is spent the rest get no suggestion. A file with thousands of unknown ids then costs
/// what its size says, never the product of its errors and its ids.
#[derive(Debug)]
pub struct Suggester {
    comparisons_left: usize,
    memo: std::collections::HashMap<String, Option<String>>,
}

impl Default for Suggester {
    fn default() -> Self {
        Suggester::new(Suggester::BUDGET)
    }
}

impl Suggester {
    /// Comparisons per file: about a second of suggestions at most.
    pub const BUDGET: usize = 2_000_000;

    pub fn new(budget: usize) -> Suggester {
        Suggester {
            comparisons_left: budget,
            memo: std::collections::HashMap::new(),
        }
    }

    /// The closest of `count` candidates to `word`, if the budget allows the comparison.
    /// `scope` names the set of candidates (answers are remembered per scope and word).
    pub fn did_you_mean<'a>(
        &mut self,
        scope: &str,
        word: &str,
        count: usize,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> Option<String> {
        let key = format!("{scope}\u{0}{word}");
        if let Some(known) = self.memo.get(&key) {
            return known.clone();
        }
        if count > self.comparisons_left {
            return None;
        }
        self.comparisons_left -= count;
        let found = did_you_mean(word, candidates).map(str::to_owned);
        self.memo.insert(key, found.clone());
        found
    }
}

fn parts(word: &str) -> Vec<&str> {
    word.split(['-', '_', '.']).collect()
}

fn last_part(word: &str) -> &str {
    word.rsplit(['-', '_', '.']).next().unwrap_or(word)
}

/// The edit distance from `word` to `candidate` when it is a plausible typo, else `None`.
fn typo_distance(word: &str, candidate: &str) -> Option<usize> {
    let (a, b) = (parts(word), parts(candidate));
    if a.len() != b.len() {
        // A separator added or left out ("siteconnector"): the letters must match but one.
        let join = |p: &[&str]| p.concat();
        let d = edit_distance(&join(&a), &join(&b));
        return (d <= 1).then_some(d + 1);
    }
    let mut total = 0;
    for (x, y) in a.iter().zip(&b) {
        let d = edit_distance(x, y);
        let longest = x.chars().count().max(y.chars().count());
        if d > (longest / 3).max(1) {
            return None;
        }
        total += d;
    }
    Some(total)
}

/// "did you mean `x`?" help text, or the list of known names when nothing is close.
pub fn suggestion_help(word: &str, candidates: &[&str], what: &str) -> String {
    match did_you_mean(word, candidates.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => {
            let mut known: Vec<&str> = candidates.to_vec();
            known.sort_unstable();
            known.dedup();
            if known.len() > 40 {
                format!("see `kbcheck schema` for the known {what}")
            } else {
                format!("known {what}: {}", known.join(", "))
            }
        }
    }
}

/// Optimal string alignment distance (Levenshtein plus adjacent transposition).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for (i, cell) in d.iter_mut().step_by(w).enumerate() {
        *cell = i;
    }
    for (j, cell) in d.iter_mut().take(w).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a.get(i - 1) != b.get(j - 1));
            let mut best = (d.get((i - 1) * w + j).copied().unwrap_or(0) + 1)
                .min(d.get(i * w + j - 1).copied().unwrap_or(0) + 1)
                .min(d.get((i - 1) * w + j - 1).copied().unwrap_or(0) + cost);
            if i > 1 && j > 1 && a.get(i - 1) == b.get(j - 2) && a.get(i - 2) == b.get(j - 1) {
                best = best.min(d.get((i - 2) * w + j - 2).copied().unwrap_or(0) + 1);
            }
            if let Some(cell) = d.get_mut(i * w + j) {
                *cell = best;
            }
        }
    }
    d.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {

    /// Suggestions stop once the budget of comparisons is spent; a word asked again is
    /// answered from memory, without spending more.
    #[test]
    fn suggestions_stay_within_their_budget() {
        let ids: Vec<String> = (0..100).map(|i| format!("server-{i:03}")).collect();
        let all = || ids.iter().map(String::as_str);
        let mut s = Suggester::new(250);
        assert_eq!(
            s.did_you_mean("ids", "server-0O1", 100, all()).as_deref(),
            Some("server-001")
        );
        assert_eq!(
            s.did_you_mean("ids", "server-0O2", 100, all()).as_deref(),
            Some("server-002")
        );
        // 50 comparisons left: not enough for another word, but the first is remembered.
        assert_eq!(s.did_you_mean("ids", "server-0O3", 100, all()), None);
        assert_eq!(
            s.did_you_mean("ids", "server-0O1", 100, all()).as_deref(),
            Some("server-001")
        );
        // Another scope is another question.
        assert_eq!(s.did_you_mean("nodes", "server-0O1", 100, all()), None);
    }

    use super::*;

    #[test]
    fn messages_are_one_line_and_bounded() {
        let d = Diag::error("x", "unknown key `a\nb`");
        assert_eq!(d.message, "unknown key `a\\nb`");
        let d = Diag::error("x", "y".repeat(1000));
        assert_eq!(d.message.chars().count(), MAX_MESSAGE + 1);
    }

    #[test]
    fn suggests_close_words_only() {
        assert_eq!(
            did_you_mean("serail", ["serial", "site", "share"]),
            Some("serial")
        );
        assert_eq!(did_you_mean("equal", ["equals", "in"]), Some("equals"));
        assert_eq!(did_you_mean("zzzzzz", ["serial", "site"]), None);
        // A different word of the same family is not a typo; a misspelt one is, and the
        // same family comes first.
        let kinds = [
            "msmail-connector",
            "site-connector",
            "x400-connector",
            "dirsync",
        ];
        assert_eq!(did_you_mean("smtp-connector", kinds), None);
        assert_eq!(did_you_mean("lotus-connector", kinds), None);
        assert_eq!(
            did_you_mean("sitte-connector", kinds),
            Some("site-connector")
        );
        assert_eq!(
            did_you_mean("x401-connector", kinds),
            Some("x400-connector")
        );
        assert_eq!(did_you_mean("siteconnector", kinds), Some("site-connector"));
        assert_eq!(
            did_you_mean("msmail-conector", kinds),
            Some("msmail-connector")
        );
        assert_eq!(
            did_you_mean("install.program", ["install.program", "install"]),
            None,
            "never the same text"
        );
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("ab", "ba"), 1);
    }
}
