//! `kbcheck lsp`: a language server over standard input and output, for editors.
//!
//! The main thread reads requests and notifications ([`lsp_server`] does the framing) and
//! answers hover, completion and go-to-definition at once from the document's text, the
//! workspace's rules and the last check. Checks run on a worker thread: each change bumps
//! the document's generation and queues it; the worker waits for [`DEBOUNCE`] of quiet, checks
//! the newest text, and publishes only if no change came in meanwhile. Changes arrive as
//! edits (incremental sync), so a keystroke in a large file costs a small message. So typing never
//! waits for a check, and an outdated result is never shown.

pub mod completion;
pub mod definition;
pub mod diagnostics;
pub mod hover;
pub mod text;
pub mod workspace;
pub mod yaml;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use diagnostics::{Analysis, DocKind};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
    Notification as _, PublishDiagnostics, ShowMessage,
};
use lsp_types::request::{Completion, GotoDefinition, HoverRequest, Request as _};
use lsp_types::{
    CompletionOptions, Diagnostic, HoverProviderCapability, MessageType, OneOf,
    PublishDiagnosticsParams, ServerCapabilities, ShowMessageParams, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Uri,
};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;
use workspace::{Workspace, same_path};

/// How long the worker waits for typing to pause before checking.
pub const DEBOUNCE: Duration = Duration::from_millis(200);

/// An open document.
#[derive(Debug, Clone)]
pub struct Doc {
    pub uri: Uri,
    pub path: Option<PathBuf>,
    /// Shared with the check running on it, so handing it over copies nothing.
    pub text: Arc<String>,
    pub version: i32,
    /// Bumped on every change; a check of an older generation is not published.
    pub generation: u64,
}

/// What the main thread and the worker share.
#[derive(Debug, Default)]
pub struct State {
    pub docs: Mutex<HashMap<String, Doc>>,
    /// The last published check of each open document.
    pub analyses: Mutex<HashMap<String, Arc<Analysis>>>,
    pub workspace: RwLock<Option<Arc<Workspace>>>,
}

impl State {
    pub fn doc(&self, uri: &Uri) -> Option<Doc> {
        lock(&self.docs).get(uri.as_str()).cloned()
    }

    pub fn analysis(&self, uri: &Uri) -> Option<Arc<Analysis>> {
        lock(&self.analyses).get(uri.as_str()).cloned()
    }

    pub fn workspace(&self) -> Arc<Workspace> {
        let guard = self
            .workspace
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        guard
            .clone()
            .unwrap_or_else(|| Arc::new(Workspace::load(None)))
    }

    fn set_workspace(&self, ws: Workspace) {
        *self
            .workspace
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(ws));
    }
}

/// A request's document, the workspace, the document's last check, and the cursor.
pub struct At {
    pub doc: Doc,
    pub ws: Arc<Workspace>,
    pub analysis: Option<Arc<Analysis>>,
    /// The cursor, as a byte offset into the document's text.
    pub offset: usize,
    pub kind: DocKind,
}

impl At {
    pub fn new(state: &State, p: &lsp_types::TextDocumentPositionParams) -> Option<At> {
        let doc = state.doc(&p.text_document.uri)?;
        let ws = state.workspace();
        let analysis = state.analysis(&p.text_document.uri);
        let offset = text::offset_at(&doc.text, p.position);
        // What the last check found the file to be, without reading it all again.
        let kind = analysis.as_ref().map_or_else(
            || diagnostics::classify(doc.path.as_deref(), &doc.text, &ws),
            |a| a.kind,
        );
        Some(At {
            doc,
            ws,
            analysis,
            offset,
            kind,
        })
    }

    /// The range of bytes `start..end` of the document.
    pub fn range(&self, start: usize, end: usize) -> lsp_types::Range {
        lsp_types::Range::new(
            text::position_at(&self.doc.text, start),
            text::position_at(&self.doc.text, end),
        )
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Work for the checking thread.
enum Job {
    Check(String),
    /// Reload the workspace (its config or rules were saved), then check every document.
    Reload,
}

/// Serve an editor over standard input and output until it says `exit`. `Ok(true)`: it
/// shut down first, as the protocol asks; `Ok(false)`: `exit` without `shutdown`, or the
/// editor went away.
pub fn serve_stdio() -> Result<bool, String> {
    let (connection, threads) = Connection::stdio();
    let served = serve(&connection);
    drop(connection);
    let joined = threads.join().map_err(|e| e.to_string());
    let clean = served?;
    joined?;
    Ok(clean)
}

/// The server capabilities kbcheck announces.
fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                ..TextDocumentSyncOptions::default()
            },
        )),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![":".into(), ".".into(), "[".into(), ",".into()]),
            ..CompletionOptions::default()
        }),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        ..ServerCapabilities::default()
    }
}

/// The workspace root an `initialize` request names: its first workspace folder, else its
/// `rootUri`, else its `rootPath`.
fn root_of(params: &serde_json::Value) -> Option<PathBuf> {
    let uri = params
        .pointer("/workspaceFolders/0/uri")
        .or_else(|| params.get("rootUri"))
        .and_then(serde_json::Value::as_str)
        .and_then(|u| Uri::from_str(u).ok())
        .and_then(|u| text::uri_to_path(&u));
    uri.or_else(|| {
        params
            .get("rootPath")
            .and_then(serde_json::Value::as_str)
            .map(PathBuf::from)
    })
}

/// Run the protocol on a connection. `Ok(true)`: shut down and exited cleanly;
/// `Ok(false)`: told to exit without a shutdown, or the editor went away.
pub fn serve(connection: &Connection) -> Result<bool, String> {
    let (id, params) = connection.initialize_start().map_err(|e| e.to_string())?;
    let state = Arc::new(State::default());
    state.set_workspace(Workspace::load(root_of(&params).as_deref()));
    let result = serde_json::json!({
        "capabilities": capabilities(),
        "serverInfo": {"name": "kbcheck", "version": env!("CARGO_PKG_VERSION")},
    });
    connection
        .initialize_finish(id, result)
        .map_err(|e| e.to_string())?;
    let (jobs, queue) = crossbeam_channel::unbounded();
    let worker = {
        let state = Arc::clone(&state);
        let sender = connection.sender.clone();
        std::thread::Builder::new()
            .name("kbcheck-lsp-check".into())
            .stack_size(crate::limits::STACK_BYTES)
            .spawn(move || check_loop(&state, &sender, &queue))
            .map_err(|e| e.to_string())?
    };
    let _ = jobs.send(Job::Reload);
    let outcome = main_loop(connection, &state, &jobs);
    drop(jobs);
    let _ = worker.join();
    outcome
}

fn main_loop(connection: &Connection, state: &State, jobs: &Sender<Job>) -> Result<bool, String> {
    let mut generation = 0u64;
    for msg in &connection.receiver {
        match msg {
            Message::Request(req) => {
                if connection
                    .handle_shutdown(&req)
                    .map_err(|e| e.to_string())?
                {
                    return Ok(true);
                }
                let response = answer(state, req);
                connection
                    .sender
                    .send(Message::Response(response))
                    .map_err(|e| e.to_string())?;
            }
            Message::Notification(n) if n.method == "exit" => return Ok(false),
            Message::Notification(n) => {
                generation += 1;
                notify(connection, state, jobs, n, generation);
            }
            Message::Response(_) => {}
        }
    }
    Ok(false)
}

/// Answer a request (hover, completion, definition) from what is known now.
fn answer(state: &State, req: Request) -> Response {
    let id = req.id.clone();
    let result = match req.method.as_str() {
        HoverRequest::METHOD => params(req).map(|p| to_json(hover::hover(state, &p))),
        Completion::METHOD => params(req).map(|p| to_json(completion::complete(state, &p))),
        GotoDefinition::METHOD => params(req).map(|p| to_json(definition::definition(state, &p))),
        other => Err(Response::new_err(
            id.clone(),
            ErrorCode::MethodNotFound as i32,
            format!("kbcheck does not answer `{other}`"),
        )),
    };
    match result {
        Ok(value) => Response::new_ok(id, value),
        Err(mut e) => {
            e.id = id;
            e
        }
    }
}

fn params<P: serde::de::DeserializeOwned>(req: Request) -> Result<P, Response> {
    serde_json::from_value(req.params).map_err(|e| {
        Response::new_err(
            req.id,
            ErrorCode::InvalidParams as i32,
            format!("invalid parameters: {e}"),
        )
    })
}

fn to_json<T: serde::Serialize>(value: T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

/// Keep the open documents up to date and queue their checks.
fn notify(
    connection: &Connection,
    state: &State,
    jobs: &Sender<Job>,
    n: Notification,
    generation: u64,
) {
    match n.method.as_str() {
        DidOpenTextDocument::METHOD => {
            let Some(p) = params_of::<DidOpenTextDocument>(n) else {
                return;
            };
            let doc = p.text_document;
            let key = doc.uri.as_str().to_owned();
            lock(&state.docs).insert(
                key.clone(),
                Doc {
                    path: text::uri_to_path(&doc.uri),
                    uri: doc.uri,
                    text: Arc::new(doc.text),
                    version: doc.version,
                    generation,
                },
            );
            let _ = jobs.send(Job::Check(key));
        }
        DidChangeTextDocument::METHOD => {
            let Some(p) = params_of::<DidChangeTextDocument>(n) else {
                return;
            };
            let key = p.text_document.uri.as_str().to_owned();
            if let Some(doc) = lock(&state.docs).get_mut(&key) {
                for change in p.content_changes {
                    text::apply_change(Arc::make_mut(&mut doc.text), change);
                }
                doc.version = p.text_document.version;
                doc.generation = generation;
            }
            let _ = jobs.send(Job::Check(key));
        }
        DidCloseTextDocument::METHOD => {
            let Some(p) = params_of::<DidCloseTextDocument>(n) else {
                return;
            };
            let uri = p.text_document.uri;
            lock(&state.docs).remove(uri.as_str());
            lock(&state.analyses).remove(uri.as_str());
            publish(&connection.sender, uri, Vec::new(), None);
        }
        DidSaveTextDocument::METHOD => {
            let Some(p) = params_of::<DidSaveTextDocument>(n) else {
                return;
            };
            let saved = text::uri_to_path(&p.text_document.uri);
            if saved.is_some_and(|path| state.workspace().depends_on(&path)) {
                let _ = jobs.send(Job::Reload);
            }
        }
        _ => {}
    }
}

/// A notification's parameters, if they are what its method says.
fn params_of<N: lsp_types::notification::Notification>(n: Notification) -> Option<N::Params> {
    n.extract(N::METHOD).ok()
}

fn publish(sender: &Sender<Message>, uri: Uri, diagnostics: Vec<Diagnostic>, version: Option<i32>) {
    let params = PublishDiagnosticsParams {
        uri,
        diagnostics,
        version,
    };
    let _ = sender.send(Message::Notification(Notification::new(
        PublishDiagnostics::METHOD.to_owned(),
        params,
    )));
}

/// The worker: wait for a pause in the jobs, then reload and check what they asked for.
fn check_loop(state: &State, sender: &Sender<Message>, queue: &Receiver<Job>) {
    // Files outside the open documents that hold workspace problems, published last time.
    let mut problem_files: BTreeSet<String> = BTreeSet::new();
    while let Ok(first) = queue.recv() {
        let mut reload = false;
        let mut checks = BTreeSet::new();
        let mut take = |job: Job| match job {
            Job::Reload => reload = true,
            Job::Check(uri) => {
                checks.insert(uri);
            }
        };
        take(first);
        loop {
            match queue.recv_timeout(DEBOUNCE) {
                Ok(job) => take(job),
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        if reload {
            let root = state.workspace().root.clone();
            let ws = Workspace::load(root.as_deref());
            if ws.fallback {
                let n = ws.problems.iter().filter(|d| d.is_error()).count();
                let message = format!(
                    "kbcheck: the workspace's rules do not load ({n} problem{}, shown on their files); checking with the bundled rules until they are fixed",
                    crate::report::plural(n)
                );
                let _ = sender.send(Message::Notification(Notification::new(
                    ShowMessage::METHOD.to_owned(),
                    ShowMessageParams {
                        typ: MessageType::WARNING,
                        message,
                    },
                )));
            }
            state.set_workspace(ws);
            problem_files = publish_problems(state, sender, &problem_files);
            checks.extend(lock(&state.docs).keys().cloned());
        }
        for uri in checks {
            check(state, sender, &uri);
        }
    }
}

/// Check one document and publish, unless it changed (or closed) meanwhile.
fn check(state: &State, sender: &Sender<Message>, key: &str) {
    let Some(doc) = lock(&state.docs).get(key).cloned() else {
        return;
    };
    let ws = state.workspace();
    let mut analysis = diagnostics::analyze(&ws, &doc.uri, doc.path.as_deref(), &doc.text);
    if analysis.kind == DocKind::Other
        && let Some(path) = &doc.path
    {
        // A config or waivers file kbcheck could not load shows why.
        let index = text::LineIndex::new(&doc.text);
        analysis.diagnostics = ws
            .problems
            .iter()
            .filter(|d| {
                d.location
                    .as_ref()
                    .is_some_and(|(f, _, _)| same_path(Path::new(f), path))
            })
            .map(|d| diagnostics::from_diag(d, &index, &doc.uri))
            .collect();
    }
    let docs = lock(&state.docs);
    if docs.get(key).is_none_or(|d| d.generation != doc.generation) {
        return;
    }
    publish(
        sender,
        doc.uri.clone(),
        analysis.diagnostics.clone(),
        Some(doc.version),
    );
    lock(&state.analyses).insert(key.to_owned(), Arc::new(analysis));
}

/// Publish the workspace's load problems on files that are not open (open ones show them
/// through their own check), and clear files that had some last time. Returns the files.
fn publish_problems(
    state: &State,
    sender: &Sender<Message>,
    before: &BTreeSet<String>,
) -> BTreeSet<String> {
    let ws = state.workspace();
    let open: Vec<String> = lock(&state.docs).keys().cloned().collect();
    let mut by_file: HashMap<String, Vec<&crate::diagnostic::Diag>> = HashMap::new();
    for d in ws.problems.iter() {
        if let Some((file, _, _)) = &d.location
            && !file.starts_with("builtin:")
        {
            by_file.entry(file.clone()).or_default().push(d);
        }
    }
    let mut now = BTreeSet::new();
    for (file, diags) in by_file {
        let Some(uri) = text::path_to_uri(Path::new(&file)) else {
            continue;
        };
        if open.iter().any(|o| o == uri.as_str()) {
            continue;
        }
        let content = std::fs::read_to_string(&file).unwrap_or_default();
        let index = text::LineIndex::new(&content);
        let list = diags
            .iter()
            .map(|d| diagnostics::from_diag(d, &index, &uri))
            .collect();
        now.insert(uri.as_str().to_owned());
        publish(sender, uri, list, None);
    }
    for gone in before.difference(&now) {
        if let Ok(uri) = Uri::from_str(gone) {
            publish(sender, uri, Vec::new(), None);
        }
    }
    now
}
