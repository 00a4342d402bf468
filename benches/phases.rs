//! Phase benchmark: raw parse vs kbcheck's load, evaluation and whole check.
//!
//! `cargo bench --bench phases -- [--sizes 10000,100000,1000000] [--runs 3]`
//!
//! Generates topologies with the `gen_topology` example's generator (run it first, see
//! benches/README.md), then reports the median wall time of each phase per size and format.
//! Plain harness (no criterion): phases at a million nodes take seconds, and the medians of a
//! few runs are what the targets compare.

use kbcheck::lang::load::{RuleSources, load};
use kbcheck::limits::Limits;
use kbcheck::parse::{parse_document, read_file};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    let mut times = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        let out = f();
        times.push(start.elapsed());
        drop(std::hint::black_box(out));
    }
    median(times)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut sizes = vec![10_000usize, 100_000];
    let mut runs = 3usize;
    let mut dir = PathBuf::from("target/bench-data");
    let mut i = 1;
    while i < args.len() {
        match args.get(i).map(String::as_str) {
            Some("--sizes") => {
                sizes = args
                    .get(i + 1)
                    .map(|s| s.split(',').filter_map(|x| x.parse().ok()).collect())
                    .unwrap_or(sizes);
                i += 1;
            }
            Some("--runs") => {
                runs = args.get(i + 1).and_then(|s| s.parse().ok()).unwrap_or(runs);
                i += 1;
            }
            Some("--dir") => {
                dir = args.get(i + 1).map(PathBuf::from).unwrap_or(dir);
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    let limits = Limits::default();
    let rules = match load(
        &RuleSources {
            bundled: true,
            paths: Vec::new(),
        },
        &limits,
    ) {
        Ok(r) => r,
        Err(d) => {
            eprintln!("bundled rules failed to load: {d:?}");
            std::process::exit(2);
        }
    };
    println!(
        "| nodes | format | raw parse | spanned parse | load | evaluate | whole check | check / raw | eval / check |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    let scaling_size = sizes
        .iter()
        .copied()
        .find(|&n| n == 100_000)
        .or(sizes.first().copied());
    for &n in &sizes {
        for fmt in ["yaml", "json"] {
            let path = dir.join(format!("topology-{n}.{fmt}"));
            if !path.is_file() {
                eprintln!(
                    "missing {}: generate it first (see benches/README.md)",
                    path.display()
                );
                continue;
            }
            let raw = time(runs, || raw_parse(&path, fmt));
            let spanned = time(runs, || parse_only(&path));
            let load_t = time(runs, || {
                kbcheck::cli::load_topology(&path, &rules, &limits).map(|t| t.0)
            });
            let topo = match kbcheck::cli::load_topology(&path, &rules, &limits) {
                Ok((t, _)) => t,
                Err(d) => {
                    eprintln!("{} failed to load: {d:?}", path.display());
                    continue;
                }
            };
            let eval = time(runs, || kbcheck::engine::evaluate(&rules, &topo));
            drop(topo);
            let whole = time(runs, || whole_check(&path));
            println!(
                "| {n} | {fmt} | {:.3} s | {:.3} s | {:.3} s | {:.3} s | {:.3} s | {:.2}x | {:.1}% |",
                raw.as_secs_f64(),
                spanned.as_secs_f64(),
                load_t.as_secs_f64(),
                eval.as_secs_f64(),
                whole.as_secs_f64(),
                whole.as_secs_f64() / raw.as_secs_f64().max(1e-9),
                100.0 * eval.as_secs_f64() / whole.as_secs_f64().max(1e-9),
            );
        }
    }
    if let Some(n) = scaling_size {
        rule_scaling(&dir, n, runs, &rules);
    }
}

/// Rule-count scaling: the bundled rules vs 1,000 generated rule variants on one topology.
fn rule_scaling(dir: &Path, n: usize, runs: usize, bundled: &kbcheck::lang::RuleSet) {
    let path = dir.join(format!("topology-{n}.json"));
    let limits = Limits::default();
    let Ok((topo, _)) = kbcheck::cli::load_topology(&path, bundled, &limits) else {
        eprintln!("missing {}: generate it first", path.display());
        return;
    };
    // Written by `gen_topology --rules 1000 target/bench-data/rules-1000`.
    let rules_dir = dir.join("rules-1000");
    let many = match load(
        &RuleSources {
            bundled: false,
            paths: vec![rules_dir.display().to_string()],
        },
        &limits,
    ) {
        Ok(r) => r,
        Err(d) => {
            eprintln!(
                "generated rules failed to load (write them with `gen_topology --rules 1000 {}`): {d:?}",
                rules_dir.display()
            );
            return;
        }
    };
    let base = time(runs, || kbcheck::engine::evaluate(bundled, &topo));
    let thousand = time(runs, || kbcheck::engine::evaluate(&many, &topo));
    println!();
    println!("| rules over {n} nodes (JSON) | evaluate | ratio |");
    println!("|---|---:|---:|");
    println!(
        "| bundled ({} rules) | {:.3} s | 1.00x |",
        bundled.rules.len(),
        base.as_secs_f64()
    );
    println!(
        "| 1,000 generated variants | {:.3} s | {:.2}x |",
        thousand.as_secs_f64(),
        thousand.as_secs_f64() / base.as_secs_f64().max(1e-9)
    );
}

/// The floor: the file parsed into a generic value by the parser kbcheck uses.
fn raw_parse(path: &Path, fmt: &str) -> usize {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    match fmt {
        "json" => serde_json::from_str::<serde_json::Value>(&text)
            .map(|v| v.is_object() as usize)
            .unwrap_or(0),
        _ => {
            let mut options = serde_saphyr::Options::default();
            let mut budget = serde_saphyr::Budget::default();
            budget.max_nodes = usize::MAX / 8;
            budget.max_events = usize::MAX / 8;
            budget.max_total_scalar_bytes = usize::MAX / 8;
            options.budget = Some(budget);
            serde_saphyr::from_str_with_options::<serde_json::Value>(&text, options)
                .map(|v| v.is_object() as usize)
                .unwrap_or(0)
        }
    }
}

/// The whole `check` as the CLI runs it: rules, topology, evaluation, JSON report.
fn whole_check(path: &Path) -> usize {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut io = kbcheck::cli::Io::new(&mut out, &mut err, false);
    let args = ["kbcheck", "check", "--format", "json", "--fail-on", "never"]
        .iter()
        .map(Into::into)
        .chain([path.as_os_str().to_owned()])
        .collect();
    let _ = kbcheck::cli::run(args, &mut io);
    out.len()
}

/// kbcheck's parse alone: the file into its spanned tree.
fn parse_only(path: &Path) -> bool {
    read_file(path, &Limits::default())
        .and_then(|f| parse_document(&f, &Limits::default()))
        .is_ok()
}
