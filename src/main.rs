//! The `kbcheck` binary: parse arguments, run, exit. Everything else is in the library.

use std::io::IsTerminal;
use std::process::ExitCode;

fn main() -> ExitCode {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let mut out = stdout.lock();
    let mut err = stderr.lock();
    let mut io = kbcheck::cli::Io {
        out: &mut out,
        err: &mut err,
        color,
    };
    let code = kbcheck::cli::run(std::env::args_os().collect(), &mut io);
    ExitCode::from(code as u8)
}
