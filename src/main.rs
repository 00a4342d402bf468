//! The `kbcheck` binary: parse arguments, run, exit. Everything else is in the library.

use std::io::IsTerminal;
use std::process::ExitCode;

/// Loading a topology makes a few small allocations per value; mimalloc serves them at a
/// fraction of the system allocator's cost (see benches/README.md). Its version 2 returns
/// freed pages to the system after 10 ms (version 3 after a second: a run's peak memory then
/// kept every item the reader had freed, 192 MB against 155 MB on the 100k benchmark).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Nesting costs stack in the parsers, validators and renderers: the command runs on a
    // thread with room for the deepest input `--max-depth` may allow (reserved, not used).
    let worker = std::thread::Builder::new()
        .stack_size(kbcheck::limits::STACK_BYTES)
        .spawn(command);
    match worker.map(std::thread::JoinHandle::join) {
        Ok(Ok(code)) => code,
        // No thread, or a panic (a bug): never a pass.
        _ => ExitCode::from(kbcheck::cli::Exit::Invalid as u8),
    }
}

fn command() -> ExitCode {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    // Not locked for the whole run: `kbcheck lsp` writes standard output from its own thread,
    // and the progress indicator draws on standard error from its own.
    let mut out = std::io::stdout();
    let mut err = std::io::stderr();
    let mut io = kbcheck::cli::Io::new(&mut out, &mut err, color);
    kbcheck::cli::EXITING.store(true, std::sync::atomic::Ordering::Relaxed);
    let code = kbcheck::cli::run(std::env::args_os().collect(), &mut io);
    ExitCode::from(code as u8)
}
