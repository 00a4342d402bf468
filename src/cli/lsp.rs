//! `kbcheck lsp`: the language server, for editors.

use super::{Exit, Io};
use clap::Args;

#[derive(Args, Debug)]
pub struct LspArgs {
    /// Accepted for editors that pass it: standard input and output is the only transport.
    #[arg(long)]
    pub stdio: bool,
}

/// `kbcheck lsp`: serve an editor until it says `exit`. Exits 0 after `shutdown` then `exit`,
/// 1 for an `exit` without `shutdown` (as the protocol asks), 2 when the protocol breaks.
pub fn lsp(_a: &LspArgs, io: &mut Io<'_>) -> Exit {
    match crate::lsp::serve_stdio() {
        Ok(true) => Exit::Clean,
        Ok(false) => Exit::Findings,
        Err(e) => {
            let _ = writeln!(io.err, "error: the language server stopped: {e}");
            Exit::Invalid
        }
    }
}
