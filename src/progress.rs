//! A sign of life on long runs: progress on standard error while a large topology loads and
//! while the rules run over it.
//!
//! Shown only to a person watching: when standard error is a terminal, not in CI (`CI` set
//! to anything but `false` or `0`), not with `--quiet`, and not when a machine format goes to
//! standard output; and only for inputs large enough to take a while. Otherwise every call
//! here does nothing, so output in pipes, files and tests never changes.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

/// A topology file at least this large gets a spinner while it loads.
pub const LARGE_FILE_BYTES: u64 = 4 << 20;
/// A topology with at least this many entities (nodes and links) gets a bar while the rules
/// run over it.
pub const LARGE_TOPOLOGY: usize = 20_000;

/// Whether a run may show progress; the cli makes one per run and passes it down.
#[derive(Clone, Copy, Debug, Default)]
pub struct Progress {
    enabled: bool,
}

/// What decides whether progress is shown, as [`Progress::new`] reads it from the process.
#[derive(Clone, Copy, Debug)]
pub struct Conditions {
    pub stderr_terminal: bool,
    /// The `CI` environment variable, if set.
    pub ci: Option<bool>,
    pub quiet: bool,
    /// A machine format (JSON, SARIF, …) is written to standard output.
    pub machine_stdout: bool,
}

impl Progress {
    /// Progress for this process: `quiet` is `--quiet`, `machine_stdout` whether the report
    /// is a machine format written to standard output.
    pub fn new(quiet: bool, machine_stdout: bool) -> Progress {
        let ci = std::env::var("CI")
            .ok()
            .map(|v| !matches!(v.trim(), "" | "0" | "false"));
        Progress::when(Conditions {
            stderr_terminal: std::io::stderr().is_terminal(),
            ci,
            quiet,
            machine_stdout,
        })
    }

    /// Progress that is never shown.
    pub fn off() -> Progress {
        Progress { enabled: false }
    }

    pub fn when(c: Conditions) -> Progress {
        Progress {
            enabled: c.stderr_terminal && c.ci != Some(true) && !c.quiet && !c.machine_stdout,
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// A spinner while `files` load, if one is large; cleared when the phase is dropped.
    /// `files` is asked for only when progress may be shown.
    pub fn loading(&self, files: impl FnOnce() -> Vec<PathBuf>) -> Phase {
        if !self.enabled {
            return Phase(None);
        }
        let files = files();
        let sizes: Vec<u64> = files
            .iter()
            .map(|f| std::fs::metadata(f).map_or(0, |m| m.len()))
            .collect();
        if sizes.iter().all(|s| *s < LARGE_FILE_BYTES) {
            return Phase(None);
        }
        let megabytes = sizes.iter().sum::<u64>() >> 20;
        let what = match files.as_slice() {
            [one] => one.display().to_string(),
            many => format!("{} topology files", many.len()),
        };
        let bar =
            ProgressBar::new_spinner().with_message(format!("loading {what} ({megabytes} MB)"));
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(100));
        Phase(Some(bar))
    }

    /// A bar over the rules while they run over `entities` entities, if that is many.
    pub fn evaluating(&self, entities: usize, rules: usize) -> Phase {
        if !self.enabled || entities < LARGE_TOPOLOGY {
            return Phase(None);
        }
        let bar =
            ProgressBar::new(rules as u64).with_message(format!("checking {entities} entities"));
        if let Ok(style) =
            ProgressStyle::with_template("{msg} [{wide_bar}] {pos}/{len} rules {elapsed}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.enable_steady_tick(Duration::from_millis(200));
        Phase(Some(bar))
    }
}

/// One phase's indicator (or nothing); cleared from the terminal when dropped.
pub struct Phase(Option<ProgressBar>);

impl Phase {
    /// One more step done (a rule evaluated); callable from any thread.
    pub fn step(&self) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
        }
    }

    pub fn is_shown(&self) -> bool {
        self.0.is_some()
    }
}

impl Drop for Phase {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WATCHED: Conditions = Conditions {
        stderr_terminal: true,
        ci: None,
        quiet: false,
        machine_stdout: false,
    };

    #[test]
    fn shown_only_to_a_person_watching() {
        assert!(Progress::when(WATCHED).enabled());
        assert!(
            Progress::when(Conditions {
                ci: Some(false),
                ..WATCHED
            })
            .enabled()
        );
        for not in [
            Conditions {
                stderr_terminal: false,
                ..WATCHED
            },
            Conditions {
                ci: Some(true),
                ..WATCHED
            },
            Conditions {
                quiet: true,
                ..WATCHED
            },
            Conditions {
                machine_stdout: true,
                ..WATCHED
            },
        ] {
            assert!(!Progress::when(not).enabled(), "{not:?}");
        }
    }

    #[test]
    fn only_for_large_inputs() {
        let p = Progress::when(WATCHED);
        assert!(!p.evaluating(LARGE_TOPOLOGY - 1, 30).is_shown());
        assert!(p.evaluating(LARGE_TOPOLOGY, 30).is_shown());
        // A small file: no spinner.
        assert!(!p.loading(|| vec![PathBuf::from("Cargo.toml")]).is_shown());
        let never = Progress::when(Conditions {
            quiet: true,
            ..WATCHED
        });
        assert!(
            !never
                .loading(|| panic!("files are not listed when progress is off"))
                .is_shown()
        );
        assert!(
            !Progress::off()
                .evaluating(LARGE_TOPOLOGY * 10, 30)
                .is_shown()
        );
    }
}
