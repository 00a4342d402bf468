//! `kbcheck graph` draws reference attributes as dotted edges, from their holder to the node
//! they name.

use crate::engine::reference_tests::{TOPO, vocab};

#[test]
fn the_graph_draws_references_dotted() {
    let (set, topo) = crate::engine::tests::compiled_on_with(
        "{id: R, title: t, select: {kind: server}, severity: error, message: m, when: {field: id, equals: none}}",
        TOPO,
        vocab(),
    );
    let d = crate::graph::build(&topo, &[], &set, &Default::default());
    let refs: Vec<(String, String)> = d
        .edges
        .iter()
        .filter(|e| e.reference)
        .map(|e| (e.id.clone(), d.nodes[e.to].id.clone()))
        .collect();
    assert_eq!(
        refs,
        vec![
            ("A.backup".to_owned(), "B".to_owned()),
            ("A.peers".to_owned(), "B".to_owned()),
            ("A.peers".to_owned(), "S".to_owned()),
            ("B.backup".to_owned(), "A".to_owned()),
            ("C.backup".to_owned(), "A".to_owned()),
            ("L.via".to_owned(), "B".to_owned()),
        ]
    );
    let dot = crate::graph::dot::render(&d);
    assert!(dot.contains("style=dotted"), "{dot}");
    let mermaid = crate::graph::mermaid::render(&d);
    assert!(mermaid.contains("-.->|\"backup\"|"), "{mermaid}");
}
