//! Where a run writes: standard output and error, and report files written whole.

use super::Exit;
use crate::diagnostic::{Diag, Diags};
use crate::report;
use std::io::Write;
use std::path::Path;

/// Where a run writes, and whether it may use colour.
pub struct Io<'a> {
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
    pub color: bool,
    /// The error diagnostics written so far, for the report of a run that failed.
    pub errors: Vec<Diag>,
    /// Diagnostics rendered per batch before the rest are counted by code (0 = all);
    /// [`run`] sets it from `--max-diagnostics`.
    pub max_diagnostics: usize,
}

impl<'a> Io<'a> {
    pub fn new(out: &'a mut dyn Write, err: &'a mut dyn Write, color: bool) -> Io<'a> {
        Io {
            out,
            err,
            color,
            errors: Vec::new(),
            max_diagnostics: 50,
        }
    }

    /// Render the first `max_diagnostics`, then a line per code of the rest; every error is
    /// kept for the failure report (JSON, SARIF and the other formats list them all).
    pub(super) fn diags(&mut self, diags: &Diags) {
        let mut shown = report::Capped::new(self.max_diagnostics);
        for d in diags.iter() {
            shown.push(&d.code, || report::human::render_input(d, self.color));
            if d.is_error() {
                self.errors.push(d.clone());
            }
        }
        let _ = self.err.write_all(shown.finish().as_bytes());
    }

    pub(super) fn diag(&mut self, d: &Diag) {
        let _ = self
            .err
            .write_all(report::human::render_input(d, self.color).as_bytes());
        if d.is_error() {
            self.errors.push(d.clone());
        }
    }
}

/// The diagnostic for an output file that cannot be written or replaced.
pub(super) fn write_failed(path: &Path, e: &std::io::Error) -> Diag {
    Diag::error(
        "io::write_failed",
        format!("cannot write `{}`: {e}", path.display()),
    )
    .in_file(&path.display().to_string())
    .help("check that the folder exists and is writable")
}

/// Write `text` to `path` through a temporary file in the same folder renamed over it, so a
/// reader never sees half a report and a failed write leaves no stale one.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    write_atomically_with(path, |w| w.write_all(text.as_bytes()))
}

/// [`write_atomically`] of what `write` writes, through a buffer (a report is written as it
/// is made, never held whole).
pub fn write_atomically_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.kbcheck-{}.tmp", std::process::id()));
    let written = std::fs::File::create(&tmp)
        .and_then(|file| {
            let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
            write(&mut out)?;
            out.flush()
        })
        .and_then(|()| std::fs::rename(&tmp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Write a result to `--output FILE`, or to standard output.
pub(super) fn write_output(path: Option<&Path>, text: &str, io: &mut Io<'_>) -> Exit {
    let Some(path) = path else {
        let _ = io.out.write_all(text.as_bytes());
        return Exit::Clean;
    };
    match write_atomically(path, text) {
        Ok(()) => Exit::Clean,
        Err(e) => {
            io.diag(&write_failed(path, &e));
            Exit::Invalid
        }
    }
}
