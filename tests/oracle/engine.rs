//! The engine's side: each rule compiled from its YAML by the real loader, evaluated on the
//! topology loaded from its YAML.

use crate::model::*;
use crate::rules::*;
use kbcheck::diagnostic::Diags;
use kbcheck::lang::RuleSet;
use kbcheck::limits::Limits;
use kbcheck::parse::parse_document;
use kbcheck::source::SourceFile;
use kbcheck::topology::Topology;
use kbcheck::vocabulary::Vocabulary;

pub fn vocabulary() -> Vocabulary {
    let file = SourceFile::new("oracle-vocabulary.yaml", VOCABULARY.to_owned());
    let tree = parse_document(&file, &Limits::default()).unwrap();
    let mut v = Vocabulary::default();
    let mut d = Diags::default();
    v.add_file(&file, &tree, &mut d);
    assert!(!d.has_errors(), "{d:?}");
    v
}

/// What the engine gives: each rule compiled from its YAML by the real loader, evaluated on
/// the topology loaded from its YAML.
pub fn engine(vocab: Vocabulary, t: &Topo, rules: &[Rule]) -> (Vec<Outcome>, Vocabulary) {
    let mut compiled = Vec::new();
    for (n, rule) in rules.iter().enumerate() {
        let text = rule.yaml(&format!("R{n}"));
        let file = SourceFile::new(format!("R{n}.yaml"), text.clone());
        let tree = parse_document(&file, &Limits::default())
            .unwrap_or_else(|d| panic!("{}\n{text}", d.message));
        let mut diags = Diags::default();
        let r = kbcheck::lang::compile::compile(&file, &tree, &vocab, &mut diags);
        assert!(
            !diags.has_errors(),
            "{:?}\n{text}",
            diags.iter().map(|d| &d.message).collect::<Vec<_>>()
        );
        compiled.push(r.unwrap());
    }
    let set = RuleSet {
        vocab,
        rules: compiled,
        packs: Vec::new(),
        inconclusive: kbcheck::lang::InconclusiveFor::All,
        warnings: Default::default(),
        today: None,
    };
    let text = t.yaml();
    let file = SourceFile::new("t.yaml", text.clone());
    let tree = parse_document(&file, &Limits::default()).unwrap();
    let (topo, diags) = Topology::load(&file, tree, &set.vocab);
    let topo = topo.unwrap_or_else(|| {
        panic!(
            "{:?}\n{text}",
            diags.iter().map(|d| &d.message).collect::<Vec<_>>()
        )
    });
    let results = kbcheck::engine::evaluate_all(&set, &topo);
    let ids = |i: u32| topo.entity(i).id.clone();
    let outcomes = (0..rules.len())
        .map(|n| {
            let id = format!("R{n}");
            let mut o = Outcome {
                findings: results
                    .findings
                    .iter()
                    .filter(|f| f.rule.id == id)
                    .map(|f| {
                        let mut e: Vec<String> = f.entities.iter().map(|&i| ids(i)).collect();
                        e.sort();
                        e
                    })
                    .collect(),
                inconclusive: results
                    .inconclusive
                    .iter()
                    .filter(|r| r.rule == id)
                    .map(|r| ids(r.entity))
                    .collect(),
            };
            o.findings.sort();
            o.inconclusive.sort();
            o
        })
        .collect();
    (outcomes, set.vocab)
}
