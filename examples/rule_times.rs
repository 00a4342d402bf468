//! Time each bundled rule on a topology (to find the slow ones).
//!
//! `cargo run --release --example rule_times -- FILE`
use kbcheck::lang::load::{RuleSources, load};
use kbcheck::limits::Limits;
use std::time::Instant;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: rule_times FILE");
        std::process::exit(2);
    };
    let limits = Limits::default();
    let Ok(rules) = load(
        &RuleSources {
            bundled: true,
            paths: Vec::new(),
        },
        &limits,
    ) else {
        std::process::exit(2);
    };
    let Ok((topo, _)) = kbcheck::cli::load_topology(std::path::Path::new(&path), &rules, &limits)
    else {
        std::process::exit(2);
    };
    let start = Instant::now();
    let derived = kbcheck::engine::derive(&rules, &topo);
    println!(
        "derive: {:.3} s ({} values)",
        start.elapsed().as_secs_f64(),
        derived.len()
    );
    let mut times = Vec::new();
    for rule in &rules.rules {
        let start = Instant::now();
        let mut out = kbcheck::engine::Results::default();
        kbcheck::engine::run_rule(rule, &topo, &derived, &mut Default::default(), &mut out);
        times.push((
            start.elapsed().as_secs_f64(),
            rule.id.clone(),
            out.findings.len(),
        ));
    }
    times.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (t, id, n) in times.iter().take(12) {
        println!("{t:.4} s  {id}  ({n} findings)");
    }
}
