//! How `kbcheck lsp` keeps up with typing on a large topology (figures in benches/README.md).
//!
//! `cargo run --release --example lsp_latency -- target/bench-data/topology-100000.yaml`
//!
//! Starts `target/release/kbcheck lsp` (or the binary named by `$KBCHECK_BIN`) in the
//! topology's folder, as an editor would, and measures:
//! - open: from `didOpen` to the first diagnostics (the 200 ms pause included);
//! - hover while checking: a hover sent right after a keystroke, answered while the check of the
//!   change is running (it must not wait for it);
//! - burst: ten keystrokes 50 ms apart, then how many diagnostics were published (only the last
//!   version's should be: outdated checks are dropped) and the time from the last change to
//!   them.

use lsp_server::{Message, Notification, Request, RequestId};
use serde_json::{Value, json};
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

fn main() -> Result<(), String> {
    let file = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .ok_or("usage: lsp_latency TOPOLOGY")?;
    let file = file
        .canonicalize()
        .map_err(|e| format!("{}: {e}", file.display()))?;
    let root = file.parent().unwrap_or(Path::new("/")).to_path_buf();
    let text = std::fs::read_to_string(&file).map_err(|e| e.to_string())?;
    let bin = std::env::var("KBCHECK_BIN").unwrap_or_else(|_| "target/release/kbcheck".into());
    // Absolute: the server runs in the topology's folder.
    let bin = Path::new(&bin)
        .canonicalize()
        .map_err(|e| format!("`{bin}`: {e}"))?;
    let bin = bin.display().to_string();
    let mut child = Command::new(&bin)
        .arg("lsp")
        .current_dir(&root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start `{bin}`: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        while let Ok(Some(msg)) = Message::read(&mut reader) {
            if tx.send((Instant::now(), msg)).is_err() {
                break;
            }
        }
    });
    let mut send = |m: Message| m.write(&mut stdin).map_err(|e| e.to_string());
    let uri = format!("file://{}", file.display());
    let root_uri = format!("file://{}", root.display());
    send(Message::Request(Request::new(
        RequestId::from(1),
        "initialize".into(),
        json!({"rootUri": root_uri, "capabilities": {}}),
    )))?;
    wait_response(&rx, 1)?;
    send(notification("initialized", json!({})))?;

    let started = Instant::now();
    send(notification(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
    ))?;
    let (at, count) = wait_diagnostics(&rx, &uri, 1)?;
    println!(
        "open: diagnostics after {} ms ({count} diagnostics, {} bytes)",
        (at - started).as_millis(),
        text.len()
    );

    // A keystroke, then at once a hover: answered while the change is being checked.
    let changed = Instant::now();
    // The text ends with a line break: type a comment on the empty last line.
    let end = text.matches('\n').count();
    send(typed(&uri, 2, end, 0, "#"))?;
    send(Message::Request(Request::new(
        RequestId::from(2),
        "textDocument/hover".into(),
        json!({"textDocument": {"uri": uri}, "position": {"line": 3, "character": 8}}),
    )))?;
    let hovered = wait_response(&rx, 2)?;
    let (at, _) = wait_diagnostics(&rx, &uri, 2)?;
    println!(
        "keystroke: hover answered after {} ms; diagnostics after {} ms",
        (hovered - changed).as_millis(),
        (at - changed).as_millis()
    );

    // A burst of typing: only the last version is published.
    let mut last = Instant::now();
    for v in 3..=12 {
        send(typed(
            &uri,
            v,
            end,
            usize::try_from(v - 2).unwrap_or(0),
            "x",
        ))?;
        last = Instant::now();
        std::thread::sleep(Duration::from_millis(50));
    }
    let (at, _) = wait_diagnostics(&rx, &uri, 12)?;
    let mut versions = vec![12];
    while let Ok((_, m)) = rx.recv_timeout(Duration::from_millis(500)) {
        if let Message::Notification(n) = m
            && n.method == "textDocument/publishDiagnostics"
        {
            versions.push(
                n.params
                    .get("version")
                    .and_then(Value::as_i64)
                    .unwrap_or(-1),
            );
        }
    }
    println!(
        "burst of 10 keystrokes 50 ms apart: diagnostics {} ms after the last; versions published after the first: {versions:?}",
        (at - last).as_millis()
    );
    send(Message::Request(Request::new(
        RequestId::from(3),
        "shutdown".into(),
        Value::Null,
    )))?;
    wait_response(&rx, 3)?;
    send(notification("exit", Value::Null))?;
    let status = child.wait().map_err(|e| e.to_string())?;
    println!("exit: {status}");
    Ok(())
}

fn notification(method: &str, params: Value) -> Message {
    Message::Notification(Notification::new(method.into(), params))
}

/// Typing `text` at `line`, `character`: an incremental change, as editors send.
fn typed(uri: &str, version: i32, line: usize, character: usize, text: &str) -> Message {
    let at = json!({"line": line, "character": character});
    notification(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": version},
               "contentChanges": [{"range": {"start": at, "end": at}, "text": text}]}),
    )
}

const WAIT: Duration = Duration::from_secs(600);

fn wait_response(rx: &Receiver<(Instant, Message)>, id: i32) -> Result<Instant, String> {
    loop {
        match rx.recv_timeout(WAIT) {
            Ok((at, Message::Response(r))) if r.id == RequestId::from(id) => return Ok(at),
            Ok(_) => {}
            Err(e) => return Err(format!("no response {id}: {e}")),
        }
    }
}

/// The time and size of the first diagnostics published for `version`; earlier versions'
/// diagnostics are reported as an error (they must have been dropped).
fn wait_diagnostics(
    rx: &Receiver<(Instant, Message)>,
    uri: &str,
    version: i64,
) -> Result<(Instant, usize), String> {
    loop {
        match rx.recv_timeout(WAIT) {
            Ok((at, Message::Notification(n))) if n.method == "textDocument/publishDiagnostics" => {
                if n.params.get("uri").and_then(Value::as_str) != Some(uri) {
                    continue;
                }
                let v = n
                    .params
                    .get("version")
                    .and_then(Value::as_i64)
                    .unwrap_or(-1);
                let count = n
                    .params
                    .get("diagnostics")
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len);
                if v == version {
                    return Ok((at, count));
                }
                println!("  (diagnostics of outdated version {v} published)");
            }
            Ok(_) => {}
            Err(e) => return Err(format!("no diagnostics for version {version}: {e}")),
        }
    }
}
