//! Pictures: `kbcheck graph` (Mermaid, DOT, SVG) and `kbcheck check --format html`, checked
//! by the programs that read them.
//!
//! - DOT goes through a real Graphviz (`dot -Tsvg`), which must accept it without a word;
//! - the SVG is parsed as XML (quick-xml) and must name every entity of the topology;
//! - the HTML report is opened in headless Chromium, which must render it without console
//!   messages or script errors and show the findings table and the diagram; its screenshots
//!   are kept under `target/test-output/pictures/` to look at;
//! - Mermaid and DOT text are snapshots in `tests/snapshots/pictures/`; after an intended
//!   change, rewrite them with `KBCHECK_UPDATE_SNAPSHOTS=1 cargo test --test pictures` and
//!   review the diff.
//!
//! Graphviz and Chromium come from Debian (`graphviz`, `chromium`; `scripts/test` installs them).
//! A test that needs one fails, never skips, when it is missing: a gate that silently stops
//! checking its pictures would pass on broken ones.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "integration tests: a failed expectation is a test failure"
)]

mod common;

use common::kbcheck;
use kbcheck::cli::Exit;
use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Pinned rules for snapshots (see tests/data/gate/README.md).
const PINNED: &[&str] = &["--no-default-rules", "--rules", "tests/data/gate/rules"];
/// The examples, and a topology made to break renderers (quotes, backslashes, markup in ids,
/// links that skip columns, a self-loop, servers without a site).
const TOPOLOGIES: &[&str] = &[
    "examples/backoffice-branch-rollout.yaml",
    "examples/exchange-connector-backbone.yaml",
    "examples/clean-deployment.json",
    "examples/diff/contoso-after.yaml",
    "tests/data/pictures/tricky.yaml",
];
const BACKBONE: &str = "examples/exchange-connector-backbone.yaml";

/// `kbcheck graph TOPOLOGY --format FORMAT [extra...]` with the pinned rules; must exit 0.
fn graph(topology: &str, format: &str, extra: &[&str]) -> String {
    let mut args = vec!["graph", topology, "--format", format];
    args.extend(PINNED);
    args.extend(extra);
    let (exit, out, err) = kbcheck(&args);
    assert_eq!(exit, Exit::Clean, "kbcheck {}\n{err}", args.join(" "));
    out
}

fn stem(path: &str) -> &str {
    Path::new(path).file_stem().unwrap().to_str().unwrap()
}

/// Where the tests leave files to look at: `target/test-output/pictures/`.
fn output_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-output/pictures");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Run an external program to completion with a time limit; a program that is not installed
/// fails the test with what to install.
fn external(mut cmd: Command, input: Option<&str>, package: &str) -> std::process::Output {
    let program = cmd.get_program().to_string_lossy().into_owned();
    cmd.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| {
        panic!(
            "cannot run `{program}` ({e}): this test needs it; install Debian's `{package}` package \
             (`apt-get install -y --no-install-recommends {package}`; scripts/test does)"
        )
    });
    if let Some(text) = input {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    // Read the pipes on threads, so a chatty program cannot block on a full pipe.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut b).map(|_| b)
    });
    let err = std::thread::spawn(move || {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut stderr, &mut b).map(|_| b)
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`{program}` did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    std::process::Output {
        status,
        stdout: out.join().unwrap().unwrap(),
        stderr: err.join().unwrap().unwrap(),
    }
}

/// Every entity id (nodes and links, named or not) of a topology, read by kbcheck itself.
fn entity_ids(topology: &str) -> Vec<String> {
    let limits = kbcheck::limits::Limits::default();
    let set = kbcheck::lang::load::load(
        &kbcheck::lang::load::RuleSources {
            bundled: true,
            paths: Vec::new(),
        },
        &limits,
    )
    .unwrap_or_else(|_| panic!("the bundled rules load"));
    let (topo, _) = kbcheck::cli::load_topology(Path::new(topology), &set, &limits)
        .unwrap_or_else(|_| panic!("{topology} loads"));
    topo.entities.iter().map(|e| e.id.clone()).collect()
}

// ------------------------------------------------------------------ DOT

#[test]
fn graphviz_reads_the_dot_of_every_topology_without_a_word() {
    for topology in TOPOLOGIES {
        let dot = graph(topology, "dot", &[]);
        let mut cmd = Command::new("dot");
        cmd.arg("-Tsvg");
        let out = external(cmd, Some(&dot), "graphviz");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stderr.trim().is_empty(),
            "{topology}: `dot -Tsvg` refused kbcheck's DOT ({}):\n{stderr}\n--- DOT ---\n{dot}",
            out.status
        );
        let svg = String::from_utf8(out.stdout).unwrap();
        // Graphviz read the labels as written: every node id is a line of its picture,
        // quotes, markup and UNC backslashes included.
        let (text, _) = parse_xml(&format!("{topology} through Graphviz"), &svg);
        for id in entity_ids(topology).iter() {
            if id.contains("->") {
                continue; // a link without an id is labelled by its kind
            }
            assert!(
                text.contains(id.as_str()),
                "{topology}: Graphviz's picture does not show `{id}`"
            );
        }
        std::fs::write(
            output_dir().join(format!("{}.graphviz.svg", stem(topology))),
            svg,
        )
        .unwrap();
    }
}

#[test]
fn dot_and_mermaid_match_their_snapshots() {
    for topology in TOPOLOGIES {
        let name = stem(topology);
        snapshot(&format!("{name}.dot"), &graph(topology, "dot", &[]));
        snapshot(&format!("{name}.mmd"), &graph(topology, "mermaid", &[]));
    }
    // Only the findings and what touches them.
    snapshot(
        "exchange-connector-backbone.neighbourhood-0.mmd",
        &graph(BACKBONE, "mermaid", &["--neighbourhood", "0"]),
    );
}

// ------------------------------------------------------------------ SVG

/// The text content and every attribute value of an XML document, failing on anything that
/// is not well-formed (unbalanced or mismatched tags, unknown entities, bad syntax).
fn parse_xml(what: &str, xml: &str) -> (String, Vec<(String, String)>) {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut text = String::new();
    let mut attrs = Vec::new();
    let mut depth = 0usize;
    let mut roots = 0usize;
    loop {
        let event = reader.read_event().unwrap_or_else(|e| {
            panic!(
                "{what}: not well-formed XML at byte {}: {e}",
                reader.error_position()
            )
        });
        let start = match &event {
            Event::Start(e) | Event::Empty(e) => Some(e.clone()),
            _ => None,
        };
        if let Some(e) = start {
            if depth == 0 {
                roots += 1;
            }
            for a in e.attributes() {
                let a = a.unwrap_or_else(|err| panic!("{what}: bad attribute: {err}"));
                let key = a.key.as_ref().to_owned();
                let value = a
                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .unwrap_or_else(|err| panic!("{what}: bad attribute value: {err}"));
                attrs.push((key, value.into_owned()));
            }
        }
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth -= 1,
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => {
                if r.is_char_ref() {
                    text.extend(r.resolve_char_ref().unwrap());
                } else {
                    let name = r.xml10_content().into_owned();
                    let c = match name.as_str() {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        other => panic!("{what}: unknown entity `&{other};`"),
                    };
                    text.push(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "{what}: unclosed elements at the end");
    assert_eq!(roots, 1, "{what}: one root element expected");
    (text, attrs)
}

#[test]
fn the_svg_is_well_formed_and_names_every_entity() {
    for topology in TOPOLOGIES {
        let svg = graph(topology, "svg", &[]);
        std::fs::write(output_dir().join(format!("{}.svg", stem(topology))), &svg).unwrap();
        let (text, attrs) = parse_xml(topology, &svg);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        let drawn: BTreeSet<&str> = attrs
            .iter()
            .filter(|(k, _)| k == "data-id")
            .map(|(_, v)| v.as_str())
            .collect();
        for id in entity_ids(topology) {
            assert!(
                drawn.contains(id.as_str()),
                "{topology}: the SVG draws no element for `{id}` (drawn: {drawn:?})"
            );
        }
        // Ids are written on the picture itself, not only in attributes (a link without an
        // id in the file is labelled by its kind).
        for id in entity_ids(topology).iter().filter(|id| !id.contains("->")) {
            assert!(
                text.contains(id.as_str()),
                "{topology}: `{id}` is not written on the picture"
            );
        }
    }
}

#[test]
fn the_backbone_picture_draws_the_shared_serial_and_its_path_in_red() {
    let svg = graph(BACKBONE, "svg", &[]);
    let red = "#d32f2f";
    let element = |id: &str| {
        let at = svg
            .find(&format!("data-id=\"{id}\""))
            .unwrap_or_else(|| panic!("no element for {id}"));
        let end = svg[at..].find("</g>").unwrap() + at;
        svg[at..end].to_owned()
    };
    // The two postoffices: named by the error, filled and bordered red.
    for po in ["PO-RED", "PO-PAR"] {
        let g = element(po);
        assert!(g.contains(&format!("stroke=\"{red}\"")), "{po}:\n{g}");
        assert!(g.contains("KB-Q151228-DUPLICATE-SERIAL"), "{po}:\n{g}");
    }
    // The connector path between them: the backbone link and the two servers, red.
    let link = element("BACKBONE-RED-PAR");
    assert!(link.contains(&format!("stroke=\"{red}\"")), "{link}");
    for server in ["EXCH-RED", "EXCH-PAR"] {
        let g = element(server);
        assert!(g.contains(&format!("stroke=\"{red}\"")), "{server}:\n{g}");
        assert!(g.contains("(path)"), "{server}:\n{g}");
    }
    // What the error does not involve stays neutral.
    for other in ["MAIL-LEGACY", "PO-LEGACY", "GW-LEGACY"] {
        assert!(!element(other).contains(red), "{other} is drawn red");
    }
}

/// The README's picture is what `kbcheck graph` draws today (the README's command: bundled
/// rules). With KBCHECK_UPDATE_SNAPSHOTS=1 it is redrawn.
#[test]
fn the_readme_picture_is_what_kbcheck_draws() {
    let (exit, svg, err) = kbcheck(&["graph", BACKBONE, "--format", "svg", "--no-config"]);
    assert_eq!(exit, Exit::Clean, "{err}");
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/images/exchange-connector-backbone.svg");
    if std::env::var_os("KBCHECK_UPDATE_SNAPSHOTS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &svg).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == svg,
        "docs/images/exchange-connector-backbone.svg is not what kbcheck draws now; redraw it \
         with `cargo run -q -- graph examples/exchange-connector-backbone.yaml --format svg > \
         docs/images/exchange-connector-backbone.svg` (or KBCHECK_UPDATE_SNAPSHOTS=1) and look at it"
    );
}

#[test]
fn the_neighbourhood_leaves_out_what_is_far_from_the_findings() {
    let all = graph(BACKBONE, "svg", &[]);
    let near = graph(BACKBONE, "svg", &["--neighbourhood", "0"]);
    assert!(all.contains("data-id=\"PO-LEGACY\""));
    assert!(!near.contains("data-id=\"PO-LEGACY\""));
    assert!(!near.contains("data-id=\"MTA-RED\""));
    for kept in [
        "PO-RED",
        "PO-PAR",
        "EXCH-RED",
        "EXCH-PAR",
        "BACKBONE-RED-PAR",
    ] {
        assert!(near.contains(&format!("data-id=\"{kept}\"")), "{kept}");
    }
    assert!(near.contains("not drawn"), "the picture says it is partial");
}

#[test]
fn graph_writes_to_output_and_refuses_bad_input() {
    let path = output_dir().join("graph-output.dot");
    let target = path.to_str().unwrap();
    let mut args = vec!["graph", BACKBONE, "--format", "dot", "--output", target];
    args.extend(PINNED);
    let (exit, out, err) = kbcheck(&args);
    assert_eq!(exit, Exit::Clean, "{err}");
    assert!(out.is_empty());
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .starts_with("digraph")
    );
    let (exit, _, err) = kbcheck(&["graph", "tests/data/pictures/no-such-file.yaml"]);
    assert_eq!(exit, Exit::Invalid, "{err}");
    let (exit, _, _) = kbcheck(&["graph", BACKBONE, "--format", "png"]);
    assert_eq!(exit, Exit::Invalid);
}

// ------------------------------------------------------------------ HTML

/// `kbcheck check --format html` with the pinned rules, written to the output folder.
fn html_report(name: &str, extra: &[&str], topology: &str) -> (String, PathBuf) {
    let mut args = vec!["check", "--format", "html"];
    args.extend(PINNED);
    args.extend(extra);
    args.push(topology);
    let (exit, out, err) = kbcheck(&args);
    assert_ne!(exit, Exit::Invalid, "kbcheck {}\n{err}", args.join(" "));
    let path = output_dir().join(format!("{name}.html"));
    std::fs::write(&path, &out).unwrap();
    (out, path)
}

/// Open a page in headless Chromium: the DOM after its scripts ran, and what Chromium logged.
/// A screenshot goes to `{name}.png` beside the page.
fn chromium(name: &str, page: &Path) -> (String, String) {
    let profile = std::env::temp_dir().join(format!(
        "kbcheck-pictures-chromium-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&profile);
    let screenshot = output_dir().join(format!("{name}.png"));
    let _ = std::fs::remove_file(&screenshot);
    let mut cmd = Command::new("/usr/bin/chromium");
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=3000",
        "--window-size=1280,2200",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .arg(format!("--screenshot={}", screenshot.display()))
    .arg("--dump-dom")
    .arg(format!("file://{}", page.display()));
    let out = external(cmd, None, "chromium");
    let _ = std::fs::remove_dir_all(&profile);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "chromium failed on {} ({}):\n{stderr}",
        page.display(),
        out.status
    );
    let size = std::fs::metadata(&screenshot).map_or(0, |m| m.len());
    assert!(
        size > 1000,
        "chromium left no screenshot at {}:\n{stderr}",
        screenshot.display()
    );
    (String::from_utf8(out.stdout).unwrap(), stderr)
}

/// The page rendered: scripts ran to the end, nothing went to the console, no error was
/// recorded, and the findings table and the diagram are there.
fn assert_renders(name: &str, page: &Path, findings: usize) -> String {
    let (dom, log) = chromium(name, page);
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(
        console.is_empty(),
        "{name}: the page wrote to the console:\n{}",
        console.join("\n")
    );
    let head = &dom[..dom.find("<head").unwrap_or(0)];
    assert!(
        !head.contains("data-errors"),
        "{name}: the page recorded errors: {head}"
    );
    assert!(
        head.contains("data-ready=\"true\""),
        "{name}: the page's script did not finish:\n{head}"
    );
    assert!(
        dom.contains("<table id=\"findings-table\""),
        "{name}: no findings table"
    );
    assert_eq!(
        dom.matches("<tr data-finding=").count(),
        findings,
        "{name}: one row per finding"
    );
    let diagram = dom.find("<div class=\"diagram\"").expect("a diagram");
    assert!(
        dom[diagram..]
            .trim_start_matches(|c| c != '>')
            .contains("<svg"),
        "{name}: the diagram holds no picture"
    );
    assert!(
        dom.contains(&format!("{} of {findings} shown", findings)),
        "{name}: the filter script did not count the rows"
    );
    dom
}

/// Nothing in the page loads from elsewhere.
fn assert_self_contained(name: &str, html: &str) {
    for needle in [
        " src=", "<link", "@import", "url(http", "url(//", "<iframe", "<object",
    ] {
        assert!(!html.contains(needle), "{name}: the page loads `{needle}`");
    }
    assert!(
        html.contains("Content-Security-Policy\" content=\"default-src 'none'"),
        "{name}: the page forbids outside sources"
    );
}

#[test]
fn the_html_report_renders_in_chromium_with_its_findings_and_diagram() {
    let cases = [
        (
            "backoffice-branch-rollout",
            "examples/backoffice-branch-rollout.yaml",
            3,
        ),
        ("exchange-connector-backbone", BACKBONE, 2),
        ("clean-deployment", "examples/clean-deployment.json", 0),
        ("tricky", "tests/data/pictures/tricky.yaml", 2),
    ];
    for (name, topology, findings) in cases {
        let (html, page) = html_report(name, &[], topology);
        assert_self_contained(name, &html);
        let dom = assert_renders(name, &page, findings);
        // Ids with markup stay text: no element was injected.
        if name == "tricky" {
            assert!(!dom.contains("<script>alert(1)</script>"));
            assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        }
    }
}

#[test]
fn the_html_report_shows_kb_details_topology_lines_and_waivers() {
    let (html, page) = html_report(
        "waivers",
        &[
            "--waivers",
            "tests/data/gate/waivers.yaml",
            "--today",
            "2025-06-30",
        ],
        BACKBONE,
    );
    assert_self_contained("waivers", &html);
    let dom = assert_renders("waivers", &page, 2);
    // The waived backbone warning is marked waived in the table and in its details.
    let row = dom
        .split("<tr data-finding=")
        .skip(1)
        .find(|r| r.contains("KB-Q151228-CONNECTOR-BACKBONE"))
        .unwrap();
    assert!(
        row.contains("data-waived=\"true\"") && row.contains(">waived<"),
        "{row}"
    );
    assert!(dom.contains("Waived</dt><dd>by messaging-team until 2026-01-01"));
    // KB details from the rule's metadata.
    for part in [
        "<dt>Symptoms</dt>",
        "<dt>Cause</dt>",
        "<dt>Resolution</dt>",
        "Event ID 4188",
    ] {
        assert!(dom.contains(part), "no {part}");
    }
    // The topology lines of each entity, escaped: the UNC path keeps its backslashes.
    assert!(dom.contains("examples/exchange-connector-backbone.yaml:24:5"));
    assert!(dom.contains("<span class=\"ln\">30</span>    share: \\\\EXCH-RED\\MAILDAT$"));
    // The filters offer each severity and each KB article.
    assert!(dom.contains("<option value=\"Q151228\">Q151228</option>"));
    assert!(dom.contains("<option value=\"warning\">warning</option>"));
}

#[test]
fn the_html_report_of_a_change_shows_each_findings_status_and_the_resolved_ones() {
    let (html, page) = html_report(
        "diff",
        &["--base", "examples/diff/contoso-before.yaml"],
        "examples/diff/contoso-after.yaml",
    );
    assert_self_contained("diff", &html);
    let dom = assert_renders("diff", &page, 3);
    assert!(dom.contains("<th>change</th>"));
    assert!(dom.contains("<span class=\"badge status\">introduced</span>"));
    assert!(dom.contains("<span class=\"badge status\">unchanged</span>"));
    assert!(dom.contains("<h2>Resolved by this change (1)</h2>"));
}

#[test]
fn the_markdown_report_embeds_the_mermaid_diagram() {
    let mut args = vec!["check", "--format", "markdown"];
    args.extend(PINNED);
    args.push(BACKBONE);
    let (_, out, _) = kbcheck(&args);
    let block = out
        .split("```mermaid\n")
        .nth(1)
        .and_then(|rest| rest.split("```\n").next())
        .expect("a mermaid block");
    assert!(block.starts_with("flowchart LR\n"));
    assert!(block.contains("PO-RED") && block.contains("PO-PAR"));
    // The findings come first (a comment cut at the size cap keeps them), the diagram after.
    let findings = out.find("### Findings").unwrap();
    assert!(out.find("```mermaid").unwrap() > findings);
    // No findings, no diagram.
    let mut args = vec!["check", "--format", "markdown"];
    args.extend(PINNED);
    args.push("examples/clean-deployment.json");
    let (_, out, _) = kbcheck(&args);
    assert!(!out.contains("```mermaid"));
}

/// Compare with (or, with KBCHECK_UPDATE_SNAPSHOTS=1, write) `tests/snapshots/pictures/{name}`.
#[track_caller]
fn snapshot(name: &str, actual: &str) {
    common::snapshot("pictures", name, actual, "pictures");
}
