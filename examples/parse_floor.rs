//! The floor for benchmarks: parse a file into a generic value and nothing else.
//!
//! `cargo run --release --example parse_floor -- FILE` — YAML with serde-saphyr (the parser
//! kbcheck uses) into `serde_json::Value`; `.json` files with serde_json.

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: parse_floor FILE");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let ok = if path.ends_with(".json") {
        serde_json::from_str::<serde_json::Value>(&text).is_ok()
    } else {
        let mut options = serde_saphyr::Options::default();
        let mut budget = serde_saphyr::Budget::default();
        budget.max_nodes = usize::MAX / 8;
        budget.max_events = usize::MAX / 8;
        budget.max_total_scalar_bytes = usize::MAX / 8;
        options.budget = Some(budget);
        serde_saphyr::from_str_with_options::<serde_json::Value>(&text, options).is_ok()
    };
    std::process::exit(if ok { 0 } else { 1 });
}
