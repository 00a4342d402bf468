//! Generate a large, realistic topology for benchmarks.
//!
//! `cargo run --release --example gen_topology -- --nodes 1000000 --seed 7 --format yaml > big.yaml`
//!
//! Formats: `yaml`, `json` (pretty, an entity per line) and `json-min` (the whole document on
//! one line, as tools export it). Variants:
//! - `--vocab-errors N`: N postoffices get a serial the vocabulary refuses (`refused-K`).
//! - `--ref-errors N`: N postoffices get a `parent` that names no node (`missing-K`).
//! - `--shape chain` / `--shape mesh`: N postoffices joined by direct external-postoffice
//!   links (each to the next; or each to three others at random), each with an SMTP gateway
//!   Access link to the next, and an SMTP gateway on the last: every Access link's
//!   `hops: any` walk (KB Q123825) covers the chain.
//! - `--rules N DIR`: instead of a topology, write N generated rule variants into DIR.
//!
//! Deterministic for a seed. Many small clusters (an organisation: a few servers joined by the
//! MS Mail Connector, postoffices and PC MTA services under them) and a few large ones; about
//! 1% of postoffices hit each bundled rule (serial 0799-99992, BackOffice disk-2 installs,
//! connector postoffices, duplicate serials inside a cluster); tags mixed production / test.

use std::fmt::Write as _;
use std::io::Write;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*: small, fast, and deterministic across platforms.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(10_000) < percent * 100
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Fmt {
    Yaml,
    Json,
}

struct Out {
    fmt: Fmt,
    buf: String,
    first_item: bool,
}

/// Minified JSON: the pretty text with every line break and indent outside strings removed
/// (the generator's strings hold no line breaks).
fn minify(pretty: &str) -> String {
    let mut out = String::with_capacity(pretty.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in pretty.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out.push('\n');
    out
}

/// One generated rule: checks on postoffices, servers and links, and some group rules.
fn variant(i: usize) -> String {
    let body = match i % 10 {
        0 => format!(
            "select: {{kind: postoffice}}\ngroup: {{by: [serial], within: {{component: {{via: [links, parent, children], links: [msmail-connector, serves]}}}}, size: {{min: {}}}}}",
            2 + i % 3
        ),
        1 | 2 => format!(
            "select: {{kind: server}}\nwhen: {{all: [{{field: product, equals: exchange}}, {{field: version, version: \">={}.0\"}}]}}",
            4 + i % 3
        ),
        3 => format!(
            "select: {{link: msmail-connector}}\nwhen: {{related: {{via: [from, to], kind: server, where: {{field: version, equals: \"5.{}\"}}}}}}",
            i % 6
        ),
        _ => format!(
            "select: {{kind: postoffice}}\nwhen: {{any: [{{field: serial, equals: \"21-{}\"}}, {{field: name, matches: \"^PO{}X\"}}]}}",
            10_000 + i,
            i % 50
        ),
    };
    format!(
        "id: GEN-{i:04}\ntitle: Generated rule {i}\nkb: [Q{i}]\nseverity: warning\nmessage: generated rule {i} fired on `{{id}}`\n{body}\n"
    )
}

/// Write `n` rule variants into `dir`.
fn write_rules(n: usize, dir: &str) {
    let _ = std::fs::create_dir_all(dir);
    for i in 0..n {
        let path = std::path::Path::new(dir).join(format!("GEN-{i:04}.yaml"));
        if std::fs::write(&path, variant(i)).is_err() {
            eprintln!("cannot write {}", path.display());
            std::process::exit(2);
        }
    }
}

/// A chain (or mesh) of postoffices for multi-hop relations; see the module header.
fn chain(out: &mut Out, nodes: usize, mesh: bool, rng: &mut Rng) {
    let mut links: Vec<Vec<(&str, String)>> = Vec::new();
    for i in 0..nodes {
        out.item(&[
            ("id", s(&format!("PO{i}"))),
            ("kind", s("postoffice")),
            ("network", s("CHAIN")),
            ("name", s(&format!("PO{i}"))),
        ]);
        if i + 1 < nodes {
            let targets: Vec<usize> = if mesh {
                (0..3)
                    .map(|_| rng.below(nodes as u64) as usize)
                    .map(|t| if t == i { i + 1 } else { t })
                    .collect()
            } else {
                vec![i + 1]
            };
            for t in targets {
                links.push(vec![
                    ("kind", s("external-postoffice")),
                    ("from", s(&format!("PO{i}"))),
                    ("to", s(&format!("PO{t}"))),
                    ("route", s("direct")),
                ]);
            }
            links.push(vec![
                ("kind", s("gateway-access")),
                ("from", s(&format!("PO{i}"))),
                ("to", s(&format!("PO{}", i + 1))),
                ("type", s("smtp")),
                ("version", s("3.0")),
            ]);
        }
    }
    out.item(&[
        ("id", s("SMTP")),
        ("kind", s("gateway")),
        ("parent", s(&format!("PO{}", nodes.saturating_sub(1)))),
        ("type", s("smtp")),
        ("version", s("3.0")),
    ]);
    end_nodes(out);
    for l in &links {
        out.item(l);
    }
}

/// Close the node list and open the link list.
fn end_nodes(out: &mut Out) {
    match out.fmt {
        Fmt::Yaml => out.buf.push_str("links:\n"),
        Fmt::Json => out.buf.push_str("\n  ],\n  \"links\": [\n"),
    }
    out.first_item = true;
}

impl Out {
    /// One entity: `pairs` are (key, already-formatted value).
    fn item(&mut self, pairs: &[(&str, String)]) {
        match self.fmt {
            Fmt::Yaml => {
                for (i, (k, v)) in pairs.iter().enumerate() {
                    let lead = if i == 0 { "  - " } else { "    " };
                    let _ = writeln!(self.buf, "{lead}{k}: {v}");
                }
            }
            Fmt::Json => {
                if !self.first_item {
                    self.buf.push_str(",\n");
                }
                self.buf.push_str("    {");
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        self.buf.push_str(", ");
                    }
                    let _ = write!(self.buf, "\"{k}\": {v}");
                }
                self.buf.push('}');
            }
        }
        self.first_item = false;
    }
}

fn s(v: &str) -> String {
    format!("\"{v}\"")
}

fn main() {
    let mut nodes: usize = 10_000;
    let mut seed: u64 = 7;
    let mut fmt = Fmt::Yaml;
    let mut minified = false;
    let mut refused = 0usize;
    let mut dangling = 0usize;
    let mut shape = String::from("clusters");
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    let usage = || {
        eprintln!(
            "usage: gen_topology --nodes N --seed S --format yaml|json|json-min [--vocab-errors N] [--ref-errors N] [--shape clusters|chain|mesh]\n       gen_topology --rules N DIR"
        );
        std::process::exit(2);
    };
    while i < args.len() {
        let val = args.get(i + 1).cloned().unwrap_or_default();
        match args.get(i).map(String::as_str) {
            Some("--nodes") => nodes = val.parse().unwrap_or(nodes),
            Some("--seed") => seed = val.parse().unwrap_or(seed),
            Some("--format") => {
                fmt = if val.starts_with("json") {
                    Fmt::Json
                } else {
                    Fmt::Yaml
                };
                minified = val == "json-min";
            }
            Some("--vocab-errors") => refused = val.parse().unwrap_or(0),
            Some("--ref-errors") => dangling = val.parse().unwrap_or(0),
            Some("--shape") => shape = val,
            Some("--rules") => {
                let n = val.parse().unwrap_or(1000);
                match args.get(i + 2) {
                    Some(dir) => return write_rules(n, dir),
                    None => usage(),
                }
            }
            _ => usage(),
        }
        i += 2;
    }
    if !["clusters", "chain", "mesh"].contains(&shape.as_str()) {
        usage();
    }
    // Every `stride`-th postoffice gets a refused serial, `refused` of them in all (about
    // half the generated nodes are postoffices).
    let stride = (nodes / 2)
        .checked_div(refused)
        .map_or(usize::MAX, |s| s.max(1));
    let dangling_stride = (nodes / 2)
        .checked_div(dangling)
        .map_or(usize::MAX, |s| s.max(1));
    let mut postoffices = 0usize;
    let mut refused_made = 0usize;
    let mut dangling_made = 0usize;
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut out = Out {
        fmt,
        buf: String::with_capacity(nodes * 160),
        first_item: true,
    };
    let mut links: Vec<Vec<(&str, String)>> = Vec::new();
    let out_done = |out: Out| {
        let text = if minified { minify(&out.buf) } else { out.buf };
        let stdout = std::io::stdout();
        let mut lock = stdout.lock();
        let _ = lock.write_all(text.as_bytes());
    };
    match fmt {
        Fmt::Yaml => {
            let _ = writeln!(
                out.buf,
                "# Generated by gen_topology --nodes {nodes} --seed {seed}\nversion: 1\nname: Generated topology ({nodes} nodes)\nnodes:"
            );
        }
        Fmt::Json => {
            let _ = write!(
                out.buf,
                "{{\n  \"version\": 1,\n  \"name\": \"Generated topology ({nodes} nodes)\",\n  \"nodes\": [\n"
            );
        }
    }
    if shape != "clusters" {
        chain(&mut out, nodes, shape == "mesh", &mut rng);
        if fmt == Fmt::Json {
            out.buf.push_str("\n  ]\n}\n");
        }
        return out_done(out);
    }
    let mut made = 0usize;
    let mut cluster = 0usize;
    let mut serial_counter = 10_000u64;
    while made < nodes {
        cluster += 1;
        // Mostly small organisations; one in 500 is large.
        let servers = if rng.below(500) == 0 {
            50 + rng.below(200)
        } else {
            1 + rng.below(4)
        } as usize;
        let tag = if rng.chance(70) { "production" } else { "test" };
        let tags = match fmt {
            Fmt::Yaml => format!("[{tag}]"),
            Fmt::Json => format!("[\"{tag}\"]"),
        };
        let mut server_ids: Vec<String> = Vec::new();
        let mut cluster_serial = None;
        for sidx in 0..servers {
            if made >= nodes {
                break;
            }
            let sid = format!("C{cluster}-S{sidx}");
            let exchange = rng.chance(60);
            let (product, version) = if exchange {
                (
                    "exchange",
                    *["4.0", "5.0", "5.5"]
                        .get(rng.below(3) as usize)
                        .unwrap_or(&"5.5"),
                )
            } else {
                (
                    "msmail",
                    *["3.2", "3.5"].get(rng.below(2) as usize).unwrap_or(&"3.5"),
                )
            };
            out.item(&[
                ("id", s(&sid)),
                ("kind", s("server")),
                ("product", s(product)),
                ("version", s(version)),
                ("site", s(&format!("site-{}", cluster % 97))),
                ("tags", tags.clone()),
            ]);
            made += 1;
            if let Some(prev) = server_ids.last() {
                links.push(vec![
                    ("kind", s("msmail-connector")),
                    ("from", s(prev)),
                    ("to", s(&sid)),
                ]);
            }
            server_ids.push(sid.clone());
            let mta = if rng.chance(50) && made < nodes {
                let mid = format!("{sid}-MTA");
                out.item(&[("id", s(&mid)), ("kind", s("pc-mta")), ("parent", s(&sid))]);
                made += 1;
                Some(mid)
            } else {
                None
            };
            let pos = 1 + rng.below(3) as usize;
            for p in 0..pos {
                if made >= nodes {
                    break;
                }
                let pid = format!("{sid}-PO{p}");
                // Counted before this postoffice's own count below.
                let parent = if dangling_made < dangling
                    && (postoffices + 1).is_multiple_of(dangling_stride)
                {
                    dangling_made += 1;
                    format!("missing-{dangling_made}")
                } else {
                    sid.clone()
                };
                let mut pairs = vec![
                    ("id", s(&pid)),
                    ("kind", s("postoffice")),
                    ("parent", s(&parent)),
                    ("network", s(&format!("NET{cluster}"))),
                    ("name", s(&format!("PO{sidx}X{p}"))),
                ];
                let roll = rng.below(100);
                postoffices += 1;
                if refused_made < refused && postoffices.is_multiple_of(stride) {
                    refused_made += 1;
                    pairs.push(("serial", s(&format!("refused-{refused_made}"))));
                } else if roll == 0 {
                    pairs.push(("serial", s("0799-99992")));
                } else if roll == 1 {
                    pairs.push(("version", s("3.5")));
                    pairs.push((
                        "install",
                        match fmt {
                            Fmt::Yaml => "{source: backoffice-1.5, disk: 2}".to_owned(),
                            Fmt::Json => "{\"source\": \"backoffice-1.5\", \"disk\": 2}".to_owned(),
                        },
                    ));
                } else if roll == 2 && exchange {
                    pairs.push(("created-by", s("msmail-connector")));
                } else if roll == 3 {
                    // A duplicate serial inside the cluster.
                    let serial = *cluster_serial.get_or_insert(serial_counter);
                    pairs.push(("serial", s(&format!("21-{serial}"))));
                } else {
                    serial_counter += 1;
                    pairs.push(("serial", s(&format!("21-{serial_counter}"))));
                }
                pairs.push(("share", s(&format!("\\\\\\\\{sid}\\\\MAILDATA{p}"))));
                out.item(&pairs);
                made += 1;
                if let Some(m) = &mta {
                    links.push(vec![
                        ("kind", s("serves")),
                        ("from", s(m)),
                        ("to", s(&pid)),
                        ("drive", s(&((b'M' + p as u8) as char).to_string())),
                    ]);
                }
            }
        }
    }
    end_nodes(&mut out);
    for l in &links {
        out.item(l);
    }
    if fmt == Fmt::Json {
        out.buf.push_str("\n  ]\n}\n");
    }
    out_done(out);
}
