//! `kbcheck lsp` as an editor sees it: the built binary is started with `lsp` and spoken to
//! over JSON-RPC with Content-Length framing, as a client does. Every read has a timeout, so
//! a server that stops answering fails the test instead of hanging it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests: a failed step is a failed test"
)]

mod common;

use common::Scratch;
use lsp_server::{Message, Notification, Request, RequestId};
use serde_json::{Value, json};
use std::io::BufReader;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// Longest wait for one answer (a debug build on a busy machine).
const WAIT: Duration = Duration::from_secs(60);

struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Message>,
    /// Notifications read while waiting for something else.
    pending: Vec<Notification>,
    next_id: i32,
}

impl Client {
    fn start(root: &Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kbcheck"))
            .arg("lsp")
            .current_dir(root)
            .env("KBCHECK_TODAY", "2026-01-01")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Ok(Some(msg)) = Message::read(&mut reader) {
                if tx.send(msg).is_err() {
                    break;
                }
            }
        });
        Client {
            child,
            stdin,
            messages,
            pending: Vec::new(),
            next_id: 0,
        }
    }

    fn send(&mut self, msg: Message) {
        msg.write(&mut self.stdin).unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(Message::Notification(Notification::new(
            method.into(),
            params,
        )));
    }

    fn next(&mut self, deadline: Instant) -> Message {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.messages.recv_timeout(left) {
            Ok(m) => m,
            Err(RecvTimeoutError::Timeout) => panic!("no message from the server in time"),
            Err(RecvTimeoutError::Disconnected) => panic!("the server closed its output"),
        }
    }

    /// Send a request and wait for its response's result.
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        self.send(Message::Request(Request::new(
            id.clone(),
            method.into(),
            params,
        )));
        let deadline = Instant::now() + WAIT;
        loop {
            match self.next(deadline) {
                Message::Response(r) if r.id == id => {
                    return match r.response_result {
                        Ok(v) => v,
                        Err(e) => panic!("{method} failed: {e:?}"),
                    };
                }
                Message::Notification(n) => self.pending.push(n),
                _ => {}
            }
        }
    }

    /// Wait for diagnostics of `uri` that satisfy `done` (earlier ones are skipped).
    fn diagnostics(&mut self, uri: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + WAIT;
        loop {
            let n = if self.pending.is_empty() {
                match self.next(deadline) {
                    Message::Notification(n) => n,
                    _ => continue,
                }
            } else {
                self.pending.remove(0)
            };
            if n.method == "textDocument/publishDiagnostics" && n.params["uri"] == uri {
                let list = n.params["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                if done(&list) {
                    return list;
                }
            }
        }
    }

    fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
        );
    }

    fn change(&mut self, uri: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    fn at(&mut self, method: &str, uri: &str, line: u32, character: u32) -> Value {
        self.request(
            method,
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
        )
    }

    /// `shutdown`, `exit`, and the exit status.
    fn stop(mut self) -> i32 {
        assert_eq!(self.request("shutdown", Value::Null), Value::Null);
        self.notify("exit", Value::Null);
        exit_status(&mut self.child, WAIT)
    }
}

/// Wait for a process to end (killing it after `wait`); its exit code.
fn exit_status(child: &mut Child, wait: Duration) -> i32 {
    let deadline = Instant::now() + wait;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code().unwrap();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("`{:?}` did not finish in time", child.id());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn uri_of(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn range(d: &Value) -> [u64; 4] {
    let r = &d["range"];
    [
        r["start"]["line"].as_u64().unwrap(),
        r["start"]["character"].as_u64().unwrap(),
        r["end"]["line"].as_u64().unwrap(),
        r["end"]["character"].as_u64().unwrap(),
    ]
}

fn code(d: &Value) -> &str {
    d["code"].as_str().unwrap_or("")
}

fn labels(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_owned())
        .collect()
}

/// A topology with a `parent` naming no node (line 17) and a misspelt attribute (line 13).
const BROKEN: &str = "\
version: 1
nodes:
  - id: EXCH-RED
    kind: server
    product: exchange
    version: \"5.5\"
  - id: EXCH-PAR
    kind: server
    product: exchange
    version: \"5.5\"
  - id: PO-RED
    kind: postoffice
    parent: EXCH-RED
    netwrok: CONTOSO
    created-by: msmail-connector
  - id: PO-PAR
    kind: postoffice
    parent: EXCH-PRA
    created-by: msmail-connector
links:
  - id: BACKBONE
    kind: msmail-connector
    from: EXCH-RED
    to: EXCH-PAR
    role: backbone
";

/// The workspace's own rule (read through its kbcheck.yaml), with its test cases.
const RULE: &str = "\
id: T-NO-NETWORK
title: A postoffice says which network it is in
kb: [Q000001]
cause: A postoffice without a network name cannot be addressed.
resolution: Write the postoffice's `network`.
select: {kind: postoffice}
when: {field: network, missing: true}
severity: warning
message: \"postoffice `{id}` has no network\"
tests:
  - name: fires without a network
    topology: {version: 1, nodes: [{id: P, kind: postoffice}]}
    expect: [{entities: [P]}]
  - name: quiet with one
    topology: {version: 1, nodes: [{id: P, kind: postoffice, network: N}]}
    expect: []
";

fn fixed() -> String {
    BROKEN
        .replace("netwrok: CONTOSO", "network: CONTOSO")
        .replace("parent: EXCH-PRA", "parent: EXCH-PAR")
}

fn workspace(name: &str) -> Scratch {
    let ws = Scratch::new(name);
    ws.write("kbcheck.yaml", "rules: [rules]\n");
    ws.write("rules/T-NO-NETWORK.yaml", RULE);
    ws.write("plan.yaml", BROKEN);
    ws
}

/// A server started in `root` and initialised.
fn started(root: &Path) -> Client {
    let mut client = Client::start(root);
    initialize(&mut client, root);
    client
}

fn initialize(client: &mut Client, root: &Path) {
    let result = client.request(
        "initialize",
        json!({"processId": null, "rootUri": uri_of(root), "capabilities": {},
               "workspaceFolders": [{"uri": uri_of(root), "name": "ws"}]}),
    );
    assert_eq!(result["serverInfo"]["name"], "kbcheck");
    assert_eq!(result["capabilities"]["hoverProvider"], true);
    client.notify("initialized", json!({}));
}

#[test]
fn topology_diagnostics_findings_hover_completion_definition() {
    let ws = workspace("lsp-topology");
    let root = ws.0.canonicalize().unwrap();
    let mut client = started(&root);
    let uri = uri_of(&root.join("plan.yaml"));

    // The two input problems, each at the text it is about.
    client.open(&uri, BROKEN);
    let diags = client.diagnostics(&uri, |d| !d.is_empty());
    assert_eq!(diags.len(), 2, "{diags:#?}");
    let typo = diags
        .iter()
        .find(|d| code(d) == "kbcheck::topology::unknown_attribute")
        .unwrap();
    assert_eq!(range(typo), [13, 4, 13, 11]);
    assert_eq!(typo["severity"], 2);
    assert!(
        typo["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `network`?")
    );
    let dangling = diags
        .iter()
        .find(|d| code(d) == "kbcheck::topology::unknown_reference")
        .unwrap();
    assert_eq!(range(dangling), [17, 12, 17, 20]);
    assert_eq!(dangling["severity"], 1);
    assert!(dangling["message"].as_str().unwrap().contains("`EXCH-PRA`"));

    // Fixed: the errors go, the findings come, one on every entity each names.
    client.change(&uri, 2, &fixed());
    let diags = client.diagnostics(&uri, |d| {
        d.iter().all(|d| !code(d).starts_with("kbcheck::"))
    });
    let on = |rule: &str| -> Vec<[u64; 4]> {
        let mut r: Vec<_> = diags
            .iter()
            .filter(|d| code(d) == rule)
            .map(range)
            .collect();
        r.sort();
        r
    };
    assert_eq!(
        on("KB-Q151228-DUPLICATE-SERIAL"),
        [[10, 8, 10, 14], [15, 8, 15, 14]],
        "{diags:#?}"
    );
    assert_eq!(on("KB-Q151228-CONNECTOR-BACKBONE"), [[20, 8, 20, 16]]);
    // The workspace's kbcheck.yaml brings its own rule.
    assert_eq!(on("T-NO-NETWORK"), [[15, 8, 15, 14]]);
    let dup = diags
        .iter()
        .find(|d| code(d) == "KB-Q151228-DUPLICATE-SERIAL")
        .unwrap();
    assert_eq!(dup["severity"], 1);
    assert_eq!(
        dup["codeDescription"]["href"],
        "https://jeffpar.github.io/kbarchive/kb/151/Q151228/"
    );
    let message = dup["message"].as_str().unwrap();
    assert!(
        message.contains("share serial number 22-28798"),
        "{message}"
    );
    assert!(
        message.contains("derived by KB-Q151228-CONNECTOR-SERIAL"),
        "{message}"
    );
    assert!(message.contains("\nresolution: "), "{message}");
    let related = dup["relatedInformation"].as_array().unwrap();
    assert!(related.iter().any(|r| {
        r["message"]
            .as_str()
            .unwrap()
            .contains("`serial` = `22-28798` derived by KB-Q151228-CONNECTOR-SERIAL")
    }));

    // Hover on an entity a finding names: the article, and the values derived for it.
    let hover = client.at("textDocument/hover", &uri, 10, 10);
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("**KB-Q151228-DUPLICATE-SERIAL**"), "{text}");
    for part in ["**Cause**", "**Resolution**", "KB article: [Q151228]"] {
        assert!(text.contains(part), "{part} in {text}");
    }
    assert!(
        text.contains("`serial` = `22-28798`, derived by `KB-Q151228-CONNECTOR-SERIAL`"),
        "{text}"
    );
    // Hover on an attribute: its vocabulary description.
    let hover = client.at("textDocument/hover", &uri, 14, 6);
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(
        text.starts_with("**`created-by`** (attribute of `postoffice`)"),
        "{text}"
    );
    assert!(
        text.contains("one of `setup`, `msmail-connector`"),
        "{text}"
    );

    // Definition: from a `parent` id to the node, from a finding to its rule's file.
    let def = client.at("textDocument/definition", &uri, 17, 14);
    assert_eq!(def["uri"], uri.as_str());
    assert_eq!(range(&def), [6, 8, 6, 16]);
    let def = client.at("textDocument/definition", &uri, 15, 10);
    let targets: Vec<String> = def
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["uri"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        targets.contains(&uri_of(&root.join("rules/T-NO-NETWORK.yaml"))),
        "{targets:?}"
    );
    // A bundled rule opens as a read-only copy of its text.
    let bundled = targets
        .iter()
        .find(|t| t.ends_with("/rules/exchange/KB-Q151228-DUPLICATE-SERIAL.yaml"))
        .unwrap();
    let copy = std::fs::read_to_string(bundled.trim_start_matches("file://")).unwrap();
    assert!(copy.contains("id: KB-Q151228-DUPLICATE-SERIAL"));

    // Completion inside a node: its kind's attributes, values, ids.
    let editing = fixed().replace(
        "    created-by: msmail-connector\nlinks:",
        "    created-by: msmail-connector\n    se\n  - id: NEW\n    kind: \n    parent: \nlinks:",
    );
    client.change(&uri, 3, &editing);
    let keys = labels(&client.at("textDocument/completion", &uri, 19, 6));
    for want in ["serial", "install", "share", "network", "site", "tags"] {
        assert!(keys.contains(&want.to_owned()), "{want} in {keys:?}");
    }
    // Not a server's attribute, not a key the node already has.
    assert!(!keys.contains(&"os".to_owned()), "{keys:?}");
    assert!(!keys.contains(&"parent".to_owned()), "{keys:?}");
    let kinds = labels(&client.at("textDocument/completion", &uri, 21, 10));
    for want in ["server", "postoffice", "pc-mta"] {
        assert!(kinds.contains(&want.to_owned()), "{want} in {kinds:?}");
    }
    assert!(!kinds.contains(&"msmail-connector".to_owned()), "{kinds:?}");
    let ids = labels(&client.at("textDocument/completion", &uri, 22, 12));
    assert_eq!(ids, ["EXCH-PAR", "EXCH-RED", "PO-PAR", "PO-RED"]);
    let values = labels(&client.at("textDocument/completion", &uri, 14, 16));
    assert_eq!(values, ["msmail-connector", "setup"]);

    assert_eq!(client.stop(), 0);
}

#[test]
fn rule_file_errors_and_failing_cases() {
    let ws = workspace("lsp-rule");
    let root = ws.0.canonicalize().unwrap();
    let mut client = started(&root);
    let uri = uri_of(&root.join("rules/T-NO-NETWORK.yaml"));

    // An unknown operator, typed but not saved.
    client.open(&uri, &RULE.replace("missing: true", "mising: true"));
    let diags = client.diagnostics(&uri, |d| !d.is_empty());
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(code(&diags[0]), "kbcheck::rule::unknown_operator");
    assert_eq!(range(&diags[0]), [6, 23, 6, 29]);
    assert!(
        diags[0]["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `missing`?")
    );

    // It loads, but a case expects a finding the rule does not give.
    let wrong = RULE.replace("expect: [{entities: [P]}]", "expect: [{entities: [Q]}]");
    client.change(&uri, 2, &wrong);
    let diags = client.diagnostics(&uri, |d| {
        d.iter().any(|d| code(d) == "kbcheck::test::failed")
    });
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let message = diags[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("test case `fires without a network` fails: expected a finding on `Q` that the rule does not give; the rule gives an unexpected finding on `P` (warning)"),
        "{message}"
    );
    assert_eq!(range(&diags[0])[0], 10);

    // Fixed: cleared.
    client.change(&uri, 3, RULE);
    client.diagnostics(&uri, <[Value]>::is_empty);

    // Hover on the rule id in its own file: the article.
    let hover = client.at("textDocument/hover", &uri, 0, 8);
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.starts_with("**T-NO-NETWORK**: A postoffice says which network it is in"));
    assert!(
        text.contains("**Resolution**\n\nWrite the postoffice's `network`."),
        "{text}"
    );
    // Completion of operators in a condition, and of attribute paths after `field:`.
    let edited = RULE.replace(
        "when: {field: network, missing: true}",
        "when: {field: network, mis}\nwhere-typed: {field: ins}",
    );
    client.change(&uri, 4, &edited);
    let ops = labels(&client.at("textDocument/completion", &uri, 6, 26));
    for want in ["missing", "equals", "version", "any", "related"] {
        assert!(ops.contains(&want.to_owned()), "{want} in {ops:?}");
    }
    let paths = labels(&client.at("textDocument/completion", &uri, 7, 24));
    for want in ["install.source", "network", "parent"] {
        assert!(paths.contains(&want.to_owned()), "{want} in {paths:?}");
    }
    assert_eq!(client.stop(), 0);
}

#[test]
fn exit_without_shutdown_is_status_1() {
    let ws = workspace("lsp-exit");
    let root = ws.0.canonicalize().unwrap();
    let mut client = started(&root);
    client.notify("exit", Value::Null);
    assert_eq!(exit_status(&mut client.child, WAIT), 1);
}

/// A real editor's client: Neovim's, headless (Debian's `neovim`; .ci/run installs it). It
/// opens the broken topology, shows the two input problems, is edited to the fixed text, and
/// shows the findings, each on the lines of the entities it names.
#[test]
fn neovim_shows_diagnostics_then_findings() {
    let ws = workspace("lsp-neovim");
    let root = ws.0.canonicalize().unwrap();
    let out = root.join("seen.txt");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/editors/neovim.lua");
    let mut child = Command::new("nvim")
        .args(["--headless", "--clean", "-c"])
        .arg(format!("luafile {}", script.display()))
        .current_dir(&root)
        .env("KBCHECK_BIN", env!("CARGO_BIN_EXE_kbcheck"))
        .env("KBCHECK_ROOT", &root)
        .env("KBCHECK_FILE", root.join("plan.yaml"))
        .env("KBCHECK_OUT", &out)
        .env("KBCHECK_TODAY", "2026-01-01")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `nvim` ({e}): this test needs it; install Debian's `neovim` package \
                 (`apt-get install -y --no-install-recommends neovim`; .ci/run does)"
            )
        });
    exit_status(&mut child, 3 * WAIT);
    let seen = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        seen,
        "\
# opened
13:4:2:kbcheck::topology::unknown_attribute:unknown attribute `netwrok` on a `postoffice`
17:12:1:kbcheck::topology::unknown_reference:`parent` names `EXCH-PRA`, which is not a node
# fixed
10:8:1:KB-Q151228-DUPLICATE-SERIAL:postoffices PO-PAR, PO-RED share serial number 22-28798 and are connected over the MS Mail Connector or a PC MTA: starting the PC MTA service fails with service-specific error 3 (Event ID 4188, source Microsoft PC MTA, naming both postoffices)
15:8:1:KB-Q151228-DUPLICATE-SERIAL:postoffices PO-PAR, PO-RED share serial number 22-28798 and are connected over the MS Mail Connector or a PC MTA: starting the PC MTA service fails with service-specific error 3 (Event ID 4188, source Microsoft PC MTA, naming both postoffices)
15:8:2:T-NO-NETWORK:postoffice `PO-PAR` has no network
20:8:2:KB-Q151228-CONNECTOR-BACKBONE:the MS Mail Connector `BACKBONE` joins Exchange Servers `EXCH-RED` and `EXCH-PAR` as a backbone, which Microsoft does not recommend: their connector postoffices both carry serial 22-28798
# done
"
    );
}

/// In a checkout of kbcheck a bundled rule is its file under `rules/`: it is checked with the
/// other rules of that folder (not against its own bundled copy), and a finding's definition
/// is that file.
#[test]
fn bundled_rules_in_a_checkout() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .canonicalize()
        .unwrap();
    let mut client = started(&root);
    let path = root.join("rules/exchange/KB-Q151228-DUPLICATE-SERIAL.yaml");
    let uri = uri_of(&path);
    let text = std::fs::read_to_string(&path).unwrap();
    // Checked as a rule (an unknown key), and not as a second rule with the bundled id.
    client.open(&uri, &format!("{text}colour: red\n"));
    let diags = client.diagnostics(&uri, |d| !d.is_empty());
    let codes: Vec<&str> = diags.iter().map(code).collect();
    assert_eq!(codes, ["kbcheck::rule::unknown_key"], "{diags:#?}");
    client.change(&uri, 2, &text);
    client.diagnostics(&uri, <[Value]>::is_empty);
    let def = client.at("textDocument/definition", &uri, 1, 8);
    assert_eq!(def["uri"], uri.as_str());
    assert_eq!(range(&def)[0], 1);
    assert_eq!(client.stop(), 0);
}

/// Saving a rule or the config reloads the workspace and re-checks what is open; a config
/// that does not load shows its errors on itself, and the rules fall back to the bundled ones.
#[test]
fn saving_a_rule_or_the_config_reloads_the_workspace() {
    let ws = workspace("lsp-reload");
    let root = ws.0.canonicalize().unwrap();
    let mut client = started(&root);
    let uri = uri_of(&root.join("plan.yaml"));
    client.open(&uri, &fixed());
    let level = |d: &[Value]| {
        d.iter()
            .find(|d| code(d) == "T-NO-NETWORK")
            .map(|d| d["severity"].as_u64().unwrap())
    };
    let diags = client.diagnostics(&uri, |d| !d.is_empty());
    assert_eq!(level(&diags), Some(2));

    ws.write(
        "rules/T-NO-NETWORK.yaml",
        RULE.replace("severity: warning", "severity: error"),
    );
    let rule_uri = uri_of(&root.join("rules/T-NO-NETWORK.yaml"));
    client.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": rule_uri}}),
    );
    client.diagnostics(&uri, |d| level(d) == Some(1));

    ws.write("kbcheck.yaml", "rules: [rules]\nfail_on: warning\n");
    let config_uri = uri_of(&root.join("kbcheck.yaml"));
    client.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": config_uri}}),
    );
    let problems = client.diagnostics(&config_uri, |d| !d.is_empty());
    assert_eq!(code(&problems[0]), "kbcheck::config::unknown_key");
    assert_eq!(range(&problems[0]), [1, 0, 1, 7]);
    // Checked with the bundled rules meanwhile: the workspace's rule is gone.
    client.diagnostics(&uri, |d| !d.is_empty() && level(d).is_none());
    assert_eq!(client.stop(), 0);
}

#[test]
fn a_reference_attribute_completes_node_ids_and_is_a_step_in_rules() {
    let ws = workspace("lsp-reference");
    ws.write(
        "rules/vocabulary.yaml",
        "nodes:\n  postoffice:\n    attributes:\n      backup: {type: reference, kinds: [postoffice]}\n",
    );
    let root = ws.0.canonicalize().unwrap();
    let mut client = started(&root);
    let uri = uri_of(&root.join("plan.yaml"));
    let text = "version: 1\nnodes:\n  - id: PO-1\n    kind: postoffice\n    backup: \n  - {id: PO-2, kind: postoffice}\n";
    client.open(&uri, text);
    let ids = labels(&client.at("textDocument/completion", &uri, 4, 12));
    // Every node but the one being written.
    assert_eq!(ids, ["PO-2"]);
    let rule_uri = uri_of(&root.join("rules/T-NO-NETWORK.yaml"));
    let rule = RULE.replace("missing: true", "missing: true, of: ");
    client.open(&rule_uri, &rule);
    let line = rule.lines().position(|l| l.contains("of: ")).unwrap();
    let column = rule.lines().nth(line).unwrap().find("of: ").unwrap() + 4;
    let steps = labels(&client.at(
        "textDocument/completion",
        &rule_uri,
        u32::try_from(line).unwrap(),
        u32::try_from(column).unwrap(),
    ));
    assert!(steps.contains(&"backup".to_owned()), "{steps:?}");
    assert_eq!(client.stop(), 0);
}
