//! The JSON Schemas under `schemas/` against the loaders they describe.
//!
//! Editors check rule, vocabulary and topology files with these schemas, while kbcheck
//! checks them with hand-written compilers. These tests keep the two in step: every
//! schema is valid draft 2020-12 and documented; every bundled rule, vocabulary and
//! example passes its schema; the committed topology schema is what `kbcheck schema
//! topology` prints; and hand-picked good and bad snippets get the same verdict from the
//! schema and from the loader. What a schema cannot know (the vocabulary's field and kind
//! names, positions in a list) is listed in `known_gaps_are_caught_by_the_loader_only`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers fail the test by panicking"
)]

mod common;

use jsonschema::Validator;
use kbcheck::diagnostic::Diags;
use kbcheck::limits::Limits;
use kbcheck::parse::parse_document;
use kbcheck::source::SourceFile;
use kbcheck::vocabulary::Vocabulary;
use serde_json::Value as Json;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

// ------------------------------------------------------------------ helpers

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path relative to the crate, for messages.
fn shown(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", shown(path)))
}

fn schema_json(name: &str) -> Json {
    let path = root().join("schemas").join(name);
    serde_json::from_str(&read(&path)).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"))
}

fn validator(name: &str) -> Validator {
    jsonschema::validator_for(&schema_json(name))
        .unwrap_or_else(|e| panic!("{name} does not compile: {e}"))
}

/// Parse YAML or JSON text the way kbcheck does, as a spanned tree.
fn tree(name: &str, text: &str) -> (SourceFile, kbcheck::value::Node) {
    let file = SourceFile::new(name, text.to_owned());
    let node = parse_document(&file, &Limits::default())
        .unwrap_or_else(|d| panic!("{name} does not parse: {}", d.message));
    (file, node)
}

/// The document as plain JSON, as an editor's schema check sees it.
fn to_json(name: &str, text: &str) -> Json {
    tree(name, text).1.value.to_json()
}

/// Schema errors as `path: message` lines (empty when valid).
fn schema_errors(v: &Validator, instance: &Json) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("at `{}`: {e}", e.instance_path()))
        .collect()
}

/// Data files (.yaml, .yml, .json) under `dir`, recursively, sorted.
fn data_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", shown(dir)))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            out.extend(data_files(&p));
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        ) {
            out.push(p);
        }
    }
    out
}

/// The bundled vocabulary, loaded as the rule loader loads it: every file of the folder, merged.
fn vocab() -> Vocabulary {
    let mut v = Vocabulary::default();
    let mut diags = Diags::default();
    for path in data_files(&root().join("schemas/vocabulary")) {
        let (file, node) = tree(&shown(&path), &read(&path));
        v.add_file(&file, &node, &mut diags);
    }
    assert!(
        !diags.has_errors(),
        "the bundled vocabulary has errors: {diags:?}"
    );
    v
}

/// Compile a rule with the loader: `Ok(())`, or the codes of its errors.
fn compile_rule(vocab: &Vocabulary, name: &str, text: &str) -> Result<(), Vec<String>> {
    let (file, node) = tree(name, text);
    let mut diags = Diags::default();
    let rule = kbcheck::lang::compile::compile(&file, &node, vocab, &mut diags);
    let errors: Vec<String> = diags
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    match rule {
        Some(_) if errors.is_empty() => Ok(()),
        Some(_) => panic!("{name}: compile returned a rule despite errors {errors:?}"),
        None => Err(errors),
    }
}

/// Load a vocabulary file on top of the bundled one: `Ok(())`, or its error codes.
fn load_vocabulary(name: &str, text: &str) -> Result<(), Vec<String>> {
    let (file, node) = tree(name, text);
    let mut v = vocab();
    let mut diags = Diags::default();
    v.add_file(&file, &node, &mut diags);
    let errors: Vec<String> = diags
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// A small rule the loader accepts. `rule(&[...])` replaces (`Some`) or removes (`None`)
/// top-level keys; values are YAML flow text.
const BASE_RULE: &[(&str, &str)] = &[
    ("id", "KB-TEST"),
    ("title", "a test rule"),
    ("kb", "[Q142196]"),
    ("select", "{kind: postoffice}"),
    ("when", "{field: serial, equals: \"0799-99992\"}"),
    ("severity", "error"),
    (
        "message",
        "\"postoffice `{id}` ({network}/{name}) has serial {serial}\"",
    ),
];

fn rule(changes: &[(&str, Option<&str>)]) -> String {
    let mut keys: Vec<(String, String)> = BASE_RULE
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    for (key, value) in changes {
        let at = keys.iter().position(|(k, _)| k == key);
        match (at, value) {
            (Some(i), Some(v)) => keys[i].1 = (*v).to_owned(),
            (Some(i), None) => {
                keys.remove(i);
            }
            (None, Some(v)) => keys.push(((*key).to_owned(), (*v).to_owned())),
            (None, None) => panic!("no key `{key}` to remove"),
        }
    }
    keys.iter().map(|(k, v)| format!("{k}: {v}\n")).collect()
}

// ------------------------------------------------------------------ the schemas themselves

/// Every `*.schema.json` under `schemas/`, by file name, sorted.
fn schema_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("schemas"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".schema.json"))
        .collect();
    names.sort();
    for expected in [
        "rule.schema.json",
        "vocabulary.schema.json",
        "topology.schema.json",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "schemas/{expected} is missing"
        );
    }
    names
}

#[test]
fn every_schema_passes_the_2020_12_meta_schema() {
    for name in schema_names() {
        let schema = schema_json(&name);
        assert_eq!(
            schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{name} must declare draft 2020-12"
        );
        assert_eq!(
            schema["$id"],
            format!("https://kbcheck.dev/schemas/{name}"),
            "{name} has the wrong $id"
        );
        if let Err(e) = jsonschema::meta::validate(&schema) {
            panic!(
                "{name} fails the meta-schema at `{}`: {e}",
                e.instance_path()
            );
        }
        // Compiling resolves every `$ref` and builds every regex.
        validator(&name);
    }
}

/// Every `$defs` entry and every key under `properties` has its own description: editors
/// show them to authors. Only the `then` / `else` of a conditional, which narrow a key
/// already described beside them, may lean on the description of the definition they use.
fn missing_descriptions(
    root_schema: &Json,
    schema: &Json,
    at: &str,
    narrowing: bool,
    out: &mut Vec<String>,
) {
    let own = |s: &Json| s.get("description").is_some_and(Json::is_string);
    let by_ref = |s: &Json| {
        s.get("$ref")
            .and_then(Json::as_str)
            .and_then(|r| r.strip_prefix("#/$defs/"))
            .and_then(|d| root_schema["$defs"].get(d))
            .is_some_and(own)
    };
    match schema {
        Json::Object(map) => {
            for (key, value) in map {
                let here = format!("{at}/{key}");
                match key.as_str() {
                    // `if` tests a value; it declares no key an author writes.
                    "if" | "const" | "enum" | "examples" | "default" => continue,
                    "properties" | "$defs" => {
                        for (name, sub) in value.as_object().into_iter().flatten() {
                            if !(own(sub) || (narrowing && by_ref(sub))) {
                                out.push(format!("{here}/{name}"));
                            }
                        }
                    }
                    _ => {}
                }
                let narrowing = narrowing || matches!(key.as_str(), "then" | "else");
                missing_descriptions(root_schema, value, &here, narrowing, out);
            }
        }
        Json::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                missing_descriptions(root_schema, item, &format!("{at}/{i}"), narrowing, out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_key_and_definition_has_a_description() {
    for name in schema_names() {
        let schema = schema_json(&name);
        assert!(
            schema.get("description").is_some_and(Json::is_string),
            "{name} has no top-level description"
        );
        let mut missing = Vec::new();
        missing_descriptions(&schema, &schema, "#", false, &mut missing);
        assert!(missing.is_empty(), "{name}: no description at {missing:#?}");
    }
}

#[test]
fn rule_schema_lists_the_compilers_names() {
    let schema = schema_json("rule.schema.json");
    let keys = |v: &Json| -> BTreeSet<String> {
        v.as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<BTreeSet<_>>()
    };
    let strings = |v: &Json| -> BTreeSet<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect()
    };
    let names =
        |list: &[&str]| -> BTreeSet<String> { list.iter().map(|s| (*s).to_owned()).collect() };

    assert_eq!(
        keys(&schema["properties"]),
        names(kbcheck::lang::compile::RULE_KEYS),
        "top-level keys of a rule"
    );
    let field = &schema["$defs"]["fieldCondition"];
    let operators: BTreeSet<String> = keys(&field["properties"])
        .into_iter()
        .filter(|k| !["field", "value", "of", "as"].contains(&k.as_str()))
        .collect();
    assert_eq!(
        operators,
        names(kbcheck::lang::operators::NAMES),
        "operators"
    );
    let one_of: BTreeSet<String> = field["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["required"][0].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        one_of,
        names(kbcheck::lang::operators::NAMES),
        "exactly-one-operator list"
    );
    let functions: BTreeSet<String> = schema["$defs"]["function"]["anyOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["required"][0].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        functions,
        names(kbcheck::lang::expr::FUNCTIONS),
        "expression functions"
    );
    assert_eq!(
        strings(&schema["$defs"]["target"]["enum"]),
        names(kbcheck::lang::cond::Target::NAMES),
        "`of` targets"
    );
    assert_eq!(
        strings(&field["properties"]["as"]["enum"]),
        names(kbcheck::lang::operators::CompareAs::NAMES),
        "`as` compare modes"
    );
    assert_eq!(
        strings(&schema["$defs"]["level"]["enum"]),
        names(kbcheck::lang::Level::NAMES),
        "severity levels"
    );
}

// ------------------------------------------------------------------ bundled files pass

#[test]
fn every_bundled_rule_validates_and_compiles() {
    let v = validator("rule.schema.json");
    let vocab = vocab();
    let files = data_files(&root().join("rules"));
    assert!(
        files.len() >= 8,
        "expected the bundled rules, found {files:?}"
    );
    // Named conditions (`conditions.yaml`) are read first, as the loader does; case
    // topologies (`cases/`) are topologies, checked against the topology schema.
    let in_dir = |p: &Path, dir: &str| {
        p.parent()
            .and_then(|d| d.file_name())
            .is_some_and(|n| n == dir)
    };
    let is_conditions = |p: &Path| {
        in_dir(p, "conditions")
            || p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("conditions."))
    };
    let mut named = kbcheck::lang::named::Named::default();
    let mut diags = Diags::default();
    for path in files.iter().filter(|p| is_conditions(p)) {
        let (file, node) = tree(&shown(path), &read(path));
        named.add_file(&file, &node, &mut diags);
    }
    assert!(!diags.has_errors(), "{diags:?}");
    let topology = validator("topology.schema.json");
    let mut failures = Vec::new();
    for path in &files {
        let text = read(path);
        let name = shown(path);
        if is_conditions(path) {
            continue;
        }
        if in_dir(path, "cases") {
            for e in schema_errors(&topology, &to_json(&name, &text)) {
                failures.push(format!("{name}: topology schema: {e}"));
            }
            continue;
        }
        for e in schema_errors(&v, &to_json(&name, &text)) {
            failures.push(format!("{name}: schema: {e}"));
        }
        let (file, node) = tree(&name, &text);
        let mut diags = Diags::default();
        let rule = kbcheck::lang::compile::compile_named(
            &file,
            &node,
            &vocab,
            &Default::default(),
            &named,
            &mut diags,
        );
        if rule.is_none() || diags.has_errors() {
            failures.push(format!("{name}: loader: {diags:?}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn bundled_vocabulary_validates() {
    let v = validator("vocabulary.schema.json");
    let mut files = data_files(&root().join("schemas/vocabulary"));
    assert!(!files.is_empty(), "no vocabulary files found");
    // The packs the tests load bring vocabularies too (references, dates, lists).
    for pack in ["pack-lists", "pack-refs", "pack-part3"] {
        files.push(
            root()
                .join("tests/fixtures")
                .join(pack)
                .join("vocabulary.yaml"),
        );
    }
    for path in &files {
        let name = shown(path);
        let errors = schema_errors(&v, &to_json(&name, &read(path)));
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
}

#[test]
fn every_example_validates_against_the_topology_schema() {
    let v = validator("topology.schema.json");
    let files = data_files(&root().join("examples"));
    assert!(
        files.len() >= 3,
        "expected the example topologies, found {files:?}"
    );
    for path in &files {
        let name = shown(path);
        let errors = schema_errors(&v, &to_json(&name, &read(path)));
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
}

#[test]
fn committed_topology_schema_is_what_kbcheck_prints() {
    let (code, out, err) = common::kbcheck(&["schema", "topology"]);
    assert_eq!(code, kbcheck::cli::Exit::Clean, "{err}");
    let committed = read(&root().join("schemas/topology.schema.json"));
    assert!(
        committed == out,
        "schemas/topology.schema.json is stale; regenerate it with\n  \
         cargo run -q -- schema topology > schemas/topology.schema.json"
    );
}

#[test]
fn schema_command_prints_the_committed_rule_and_vocabulary_schemas() {
    for (kind, file) in [
        ("rule", "rule.schema.json"),
        ("vocabulary", "vocabulary.schema.json"),
    ] {
        let (code, out, err) = common::kbcheck(&["schema", kind]);
        assert_eq!(code, kbcheck::cli::Exit::Clean, "{err}");
        assert_eq!(
            out,
            read(&root().join("schemas").join(file)),
            "kbcheck schema {kind}"
        );
    }
}

// ------------------------------------------------------------------ same verdict both ways

/// Assert the schema and the loader both accept each rule.
fn assert_accepted(cases: &[(&str, String)]) {
    let v = validator("rule.schema.json");
    let vocab = vocab();
    for (what, text) in cases {
        let schema = schema_errors(&v, &to_json(what, text));
        assert!(
            schema.is_empty(),
            "{what}: the schema rejects\n{text}\n{schema:#?}"
        );
        if let Err(errors) = compile_rule(&vocab, what, text) {
            panic!("{what}: the loader rejects\n{text}\n{errors:#?}");
        }
    }
}

#[test]
fn good_rules_are_accepted_by_schema_and_loader() {
    let cases = [
        ("the base rule", rule(&[])),
        (
            "all metadata, single strings for lists",
            rule(&[
                ("kb", Some("Q142196")),
                ("products", Some("[\"Microsoft Mail for PC Networks 3.5\"]")),
                ("symptoms", Some("an error text")),
                ("cause", Some("a cause")),
                ("resolution", Some("a resolution")),
                (
                    "references",
                    Some("[https://support.microsoft.com/kb/142196]"),
                ),
                ("tags", Some("[msmail, serial]")),
            ]),
        ),
        (
            "conditional severity",
            rule(&[(
                "severity",
                Some(
                    "[{when: {tag: production}, level: error}, {when: {not: {tag: test}}, level: warning}, {level: info}]",
                ),
            )]),
        ),
        (
            "no condition fires on every selected entity",
            rule(&[("when", None)]),
        ),
        (
            "select with tags, where, and a wildcard kind",
            rule(&[(
                "select",
                Some(
                    "{kind: [postoffice, server], tags: production, where: {field: site, exists: true}}",
                ),
            )]),
        ),
        (
            "every node kind",
            rule(&[
                ("select", Some("{kind: \"*\"}")),
                ("message", Some("\"{id}\"")),
            ]),
        ),
        (
            "nested all / any / not / kind",
            rule(&[(
                "when",
                Some(
                    "{all: [{kind: postoffice}, {any: [{field: install.source, in: [retail]}, {not: {field: serial, matches: '^22-'}}]}, {any: []}]}",
                ),
            )]),
        ),
        (
            "compare with another field, as versions",
            rule(&[(
                "when",
                Some("{field: version, as: version, lt: {field: version, of: parent}}"),
            )]),
        ),
        (
            "version literals and ranges",
            rule(&[(
                "when",
                Some(
                    "{any: [{field: version, as: version, gte: \"4.0\"}, {field: version, as: version, equals: 5.5}, {field: version, version: \">= 4.0 <5.5 || 6\"}, {field: version, version: 5.5}, {field: install.disk, gt: 1}]}",
                ),
            )]),
        ),
        (
            "caseless comparison of text",
            rule(&[(
                "when",
                Some(
                    "{any: [{field: network, as: caseless, equals: contoso}, {field: name, as: caseless, gte: m}, {field: name, as: caseless, in: [HQ]}]}",
                ),
            )]),
        ),
        (
            "every operator once",
            rule(&[(
                "when",
                Some(
                    "{all: [{field: serial, equals: x}, {field: serial, not-equals: x}, {field: serial, in: [x]}, {field: serial, not-in: [x, 1]}, {field: serial, matches: '^0'}, {field: serial, exists: true}, {field: serial, missing: false}, {field: tags, contains: production}, {field: install.disk, gt: 1}, {field: install.disk, gte: 1}, {field: install.disk, lt: 2.5}, {field: install.disk, lte: {field: install.disk, of: self}}, {field: version, as: value, version: \"3.5\"}]}",
                ),
            )]),
        ),
        (
            "related with hops, quantifier and of: subject",
            rule(&[(
                "when",
                Some(
                    "{related: {via: [links, parent], links: msmail-connector, direction: out, hops: {min: 1, max: 3}, kind: [server], quantifier: all, where: {field: site, equals: {field: site, of: subject}}}}",
                ),
            )]),
        ),
        (
            "related with count and reachability",
            rule(&[(
                "when",
                Some("{related: {via: children, hops: any, count: {min: 1, max: 2}}}"),
            )]),
        ),
        (
            "a link rule reading its ends",
            rule(&[
                ("select", Some("{link: msmail-connector}")),
                (
                    "when",
                    Some(
                        "{all: [{field: product, of: from, equals: exchange}, {related: {via: [from, to], count: {min: 2}, kind: server}}]}",
                    ),
                ),
                (
                    "message",
                    Some(
                        "\"`{id}` joins {from:id} and {to:id} ({{literal}} braces, and a lone }\"",
                    ),
                ),
            ]),
        ),
        (
            "a group rule with a component scope",
            rule(&[
                ("when", None),
                (
                    "group",
                    Some(
                        "{by: [serial], within: {component: {via: [links, parent, children], links: [msmail-connector, serves], direction: any}}, size: {min: 2}}",
                    ),
                ),
                (
                    "message",
                    Some("\"{count} postoffices {members} share {key}; the first on {parent:id}\""),
                ),
            ]),
        ),
        (
            "a group rule for a missing partner",
            rule(&[
                ("when", None),
                ("group", Some("{by: network, size: {max: 1}}")),
                (
                    "select",
                    Some("{kind: postoffice, where: {field: network, exists: true}}"),
                ),
            ]),
        ),
        (
            "a group rule within parent",
            rule(&[
                ("when", None),
                (
                    "group",
                    Some("{by: [name], within: parent, size: {min: 2}}"),
                ),
            ]),
        ),
        (
            "a derivation without severity or message",
            rule(&[
                ("severity", None),
                ("message", None),
                (
                    "when",
                    Some("{field: created-by, equals: msmail-connector}"),
                ),
                (
                    "derive",
                    Some("{set: {serial: \"22-28798\", install.disk: 2}}"),
                ),
            ]),
        ),
        (
            "test cases",
            rule(&[(
                "tests",
                Some(
                    "[{name: fires, topology: {version: 1, nodes: [{id: P, kind: postoffice, serial: \"0799-99992\"}]}, expect: [{entities: [P], severity: error}]}, {name: quiet, todo: true, topology: {version: 1, name: t, defaults: {tags: [test]}, nodes: [], links: []}, expect: []}, {name: one id as text, topology: {version: 1, nodes: []}, expect: [{entities: P}]}]",
                ),
            )]),
        ),
        (
            "expressions in every place a rule reads a value",
            rule(&[
                (
                    "when",
                    Some(
                        "{all: [{value: {length: {field: name}}, gt: 10}, {field: share, as: caseless, starts-with: {concat: ['\\\\', {field: id, of: parent}, '\\']}}, {field: name, ends-with: {lower: {field: network}}}, {value: {number: {field: serial}, extract: '^([0-9]+)-'}, lt: {add: [{mul: [2, 3]}, {div: [8, 2]}, {sub: [1, 1]}, {min: [1, 2]}, {max: [1, 2]}]}}, {value: {lookup: {field: product}, table: {msmail: 1}, default: 0}, equals: 1}, {value: {count: {field: tags}}, gte: 0}, {value: {trim: {upper: {field: name}}}, not-equals: X}, {related: {via: parent, count: {max: {sub: [{field: free-drive-letters, of: parent}, 1]}}}}]}",
                    ),
                ),
                ("let", Some("{chars: {length: {field: name}}}")),
                ("message", Some("'{name} has {chars} characters'")),
            ]),
        ),
        (
            "computed group keys",
            rule(&[
                ("when", None),
                (
                    "group",
                    Some(
                        "{by: [{upper: {field: network}}, {upper: {field: name}}, serial, {field: version}], size: {min: 2}}",
                    ),
                ),
                ("message", Some("'{key}: {members}'")),
            ]),
        ),
        (
            "computed derived values",
            rule(&[
                ("severity", None),
                ("message", None),
                (
                    "derive",
                    Some(
                        "{set: {product: {field: product, of: parent}, network: {upper: {field: name}}, serial: '22-28798'}}",
                    ),
                ),
            ]),
        ),
        (
            "a binding reported, printed in the message",
            rule(&[
                (
                    "when",
                    Some(
                        "{related: {path: [parent, children], kind: postoffice, bind: twin, where: {field: name, equals: {field: name, of: subject}}}}",
                    ),
                ),
                ("report", Some("[twin]")),
                ("message", Some("\"`{id}` and `{twin}` ({twin:name})\"")),
            ]),
        ),
        (
            "a path of steps with filters, through, count-links, relatives in `of`",
            rule(&[(
                "when",
                Some(
                    "{all: [{related: {path: [{via: parent, kind: server}, {via: links, links: [msmail-connector], direction: out, where: {field: product, equals: exchange}, link-where: {field: role, equals: backbone}}, children]}}, {related: {links: [msmail-connector], hops: any, through: [server], kind: postoffice}}, {related: {links: [msmail-connector], count-links: true, count: {min: 2}}}, {field: site, of: subject.parent, exists: true}, {field: site, of: [parent, parent], exists: true}]}",
                ),
            )]),
        ),
        (
            "test cases generated",
            rule(&[(
                "tests",
                Some(
                    "[{name: b, topology: {version: 1, nodes: [{id: S, kind: server}]}, generate: [{count: 3, node: {id: \"P-{i}\", kind: postoffice, parent: S}}], expect: []}]",
                ),
            )]),
        ),
        (
            "list quantifiers with element tests, captures and the element in expressions",
            rule(&[
                ("select", Some("{kind: server}")),
                (
                    "when",
                    Some(
                        "{all: [{field: services, any: {as: caseless, equals: fpnw}}, {field: services, none: {all: [{starts-with: gsnw}, {not: {ends-with: '4.0'}}]}}, {field: services, count: {min: 1, max: 2}, where: {value: {capture: {element: true}, extract: '^(?P<name>[a-z]+)-', group: name}, in: [gsnw]}}]}",
                    ),
                ),
                ("message", Some("m")),
            ]),
        ),
        (
            "an at-least expected finding",
            rule(&[(
                "tests",
                Some(
                    "[{name: a, topology: {version: 1, nodes: []}, expect: [{entities: [A, B], at-least: true}]}]",
                ),
            )]),
        ),
    ];
    assert_accepted(&cases);
}

#[test]
fn bad_rules_are_rejected_by_schema_and_loader() {
    // (what, rule text, the loader's error code): the code makes sure the loader rejects
    // the rule for the reason the case is about, not for a typo elsewhere in it.
    let cases = [
        (
            "unknown top-level key",
            rule(&[("severty", Some("error"))]),
            "rule::unknown_key",
        ),
        (
            "an unknown key in a field operand",
            rule(&[(
                "when",
                Some("{field: version, equals: {field: version, of: parent, as: version}}"),
            )]),
            "rule::unknown_key",
        ),
        (
            "an empty rule id",
            rule(&[("id", Some("\"\""))]),
            "rule::bad_id",
        ),
        (
            "unknown operator",
            rule(&[("when", Some("{field: serial, equal: \"0799-99992\"}"))]),
            "rule::unknown_operator",
        ),
        (
            "two operators in one field condition",
            rule(&[("when", Some("{field: serial, equals: x, matches: '^0'}"))]),
            "rule::bad_condition",
        ),
        (
            "an unknown key beside an operator",
            rule(&[("when", Some("{field: serial, equals: x, colour: red}"))]),
            "rule::bad_condition",
        ),
        (
            "an operator without `field`",
            rule(&[("when", Some("{equals: x}"))]),
            "rule::bad_condition",
        ),
        (
            "an empty condition",
            rule(&[("when", Some("{}"))]),
            "rule::bad_condition",
        ),
        (
            "a field path with an empty segment",
            rule(&[("when", Some("{field: install..source, exists: true}"))]),
            "rule::bad_field",
        ),
        (
            "field condition without operator",
            rule(&[("when", Some("{field: serial}"))]),
            "rule::missing_operator",
        ),
        (
            "two shapes in one condition",
            rule(&[("when", Some("{tag: production, kind: postoffice}"))]),
            "rule::bad_condition",
        ),
        (
            "an operator beside a tag",
            rule(&[("when", Some("{tag: production, equals: x}"))]),
            "rule::unknown_key",
        ),
        (
            "severity list without default",
            rule(&[(
                "severity",
                Some("[{when: {tag: production}, level: error}]"),
            )]),
            "rule::bad_severity",
        ),
        (
            "empty severity list",
            rule(&[("severity", Some("[]"))]),
            "rule::bad_severity",
        ),
        (
            "two severity defaults",
            rule(&[("severity", Some("[{level: error}, {level: warning}]"))]),
            "rule::bad_severity",
        ),
        (
            "a severity entry without level",
            rule(&[(
                "severity",
                Some("[{when: {tag: production}}, {level: warning}]"),
            )]),
            "rule::missing_key",
        ),
        (
            "an unknown key in a severity entry",
            rule(&[(
                "severity",
                Some("[{when: {tag: production}, level: error, note: x}, {level: warning}]"),
            )]),
            "rule::unknown_key",
        ),
        (
            "unknown severity",
            rule(&[("severity", Some("fatal"))]),
            "rule::bad_severity",
        ),
        (
            "quantifier with count",
            rule(&[(
                "when",
                Some("{related: {via: parent, quantifier: any, count: {min: 1}}}"),
            )]),
            "rule::bad_argument",
        ),
        (
            "unknown key in related",
            rule(&[("when", Some("{related: {via: parent, kinds: server}}"))]),
            "rule::unknown_key",
        ),
        (
            "zero hops",
            rule(&[("when", Some("{related: {hops: 0}}"))]),
            "rule::bad_argument",
        ),
        (
            "unknown direction",
            rule(&[("when", Some("{related: {direction: both}}"))]),
            "rule::bad_argument",
        ),
        (
            "a negative count",
            rule(&[("when", Some("{related: {count: {min: -1}}}"))]),
            "rule::bad_argument",
        ),
        (
            "a negative count maximum",
            rule(&[("when", Some("{related: {count: {max: -1}}}"))]),
            "rule::bad_argument",
        ),
        (
            "an unknown key in count",
            rule(&[("when", Some("{related: {count: {min: 1, least: 2}}}"))]),
            "rule::unknown_key",
        ),
        (
            "sum without count",
            rule(&[("when", Some("{related: {via: children, sum: serial}}"))]),
            "rule::bad_argument",
        ),
        (
            "empty count",
            rule(&[("when", Some("{related: {count: {}}}"))]),
            "rule::bad_argument",
        ),
        (
            "unknown `as`",
            rule(&[("when", Some("{field: version, as: text, equals: x}"))]),
            "rule::bad_argument",
        ),
        (
            "exists takes a boolean",
            rule(&[("when", Some("{field: serial, exists: \"yes\"}"))]),
            "rule::bad_argument",
        ),
        (
            "in takes a list",
            rule(&[("when", Some("{field: serial, in: x}"))]),
            "rule::bad_argument",
        ),
        (
            "ordered comparison of text without as: version",
            rule(&[("when", Some("{field: version, gt: \"5.5\"}"))]),
            "rule::bad_argument",
        ),
        (
            "ordered comparison of text with as: value",
            rule(&[("when", Some("{field: version, as: value, gt: \"5.5\"}"))]),
            "rule::bad_argument",
        ),
        (
            "as: version with a literal that is no version",
            rule(&[("when", Some("{field: version, as: version, equals: five}"))]),
            "rule::bad_version",
        ),
        (
            "bad version range",
            rule(&[("when", Some("{field: version, version: \">=4.0 <\"}"))]),
            "rule::bad_version_range",
        ),
        (
            "operand map without field",
            rule(&[("when", Some("{field: version, equals: {value: x}}"))]),
            "rule::bad_operand",
        ),
        (
            "operand map with only of",
            rule(&[("when", Some("{field: version, equals: {of: parent}}"))]),
            "rule::bad_operand",
        ),
        (
            "a condition that is not a map",
            rule(&[("when", Some("[{tag: production}]"))]),
            "rule::bad_condition",
        ),
        (
            "bad id",
            rule(&[("id", Some("\"KB Q142196\""))]),
            "rule::bad_id",
        ),
        ("no title", rule(&[("title", None)]), "rule::missing_key"),
        ("no select", rule(&[("select", None)]), "rule::missing_key"),
        (
            "no severity",
            rule(&[("severity", None)]),
            "rule::missing_key",
        ),
        (
            "no message",
            rule(&[("message", None)]),
            "rule::missing_key",
        ),
        (
            "kind and link in one select",
            rule(&[("select", Some("{kind: server, link: serves}"))]),
            "rule::bad_select",
        ),
        (
            "unknown key in select",
            rule(&[("select", Some("{kind: postoffice, when: {tag: x}}"))]),
            "rule::unknown_key",
        ),
        (
            "group with when",
            rule(&[("group", Some("{by: serial, size: {min: 2}}"))]),
            "rule::conflicting_logic",
        ),
        (
            "group without size",
            rule(&[("when", None), ("group", Some("{by: serial}"))]),
            "rule::missing_key",
        ),
        (
            "an unknown key in group",
            rule(&[
                ("when", None),
                (
                    "group",
                    Some("{by: serial, size: {min: 2}, where: {tag: x}}"),
                ),
            ]),
            "rule::unknown_key",
        ),
        (
            "an unknown key in size",
            rule(&[
                ("when", None),
                ("group", Some("{by: serial, size: {min: 2, least: 1}}")),
            ]),
            "rule::unknown_key",
        ),
        (
            "a negative size",
            rule(&[
                ("when", None),
                ("group", Some("{by: serial, size: {min: -1}}")),
            ]),
            "rule::bad_argument",
        ),
        (
            "within as an empty map",
            rule(&[
                ("when", None),
                ("group", Some("{by: serial, within: {}, size: {min: 2}}")),
            ]),
            "rule::bad_scope",
        ),
        (
            "an unknown key beside component",
            rule(&[
                ("when", None),
                (
                    "group",
                    Some("{by: serial, within: {component: {}, site: x}, size: {min: 2}}"),
                ),
            ]),
            "rule::unknown_key",
        ),
        (
            "an unknown key in component",
            rule(&[
                ("when", None),
                (
                    "group",
                    Some("{by: serial, within: {component: {hops: 2}}, size: {min: 2}}"),
                ),
            ]),
            "rule::unknown_key",
        ),
        (
            "a negative size maximum",
            rule(&[
                ("when", None),
                ("group", Some("{by: serial, size: {max: -1}}")),
            ]),
            "rule::bad_argument",
        ),
        (
            "an empty size",
            rule(&[("when", None), ("group", Some("{by: serial, size: {}}"))]),
            "rule::bad_argument",
        ),
        (
            "an unknown key in an each key",
            rule(&[
                ("when", None),
                (
                    "group",
                    Some("{by: [{each: tags, of: parent}], size: {min: 2}}"),
                ),
            ]),
            "rule::unknown_key",
        ),
        (
            "an empty by entry",
            rule(&[
                ("when", None),
                ("group", Some("{by: [{}], size: {min: 2}}")),
            ]),
            "rule::bad_expression",
        ),
        (
            "component as a word",
            rule(&[
                ("when", None),
                (
                    "group",
                    Some("{by: serial, within: component, size: {min: 2}}"),
                ),
            ]),
            "rule::bad_scope",
        ),
        (
            "a component over a link's ends",
            rule(&[
                ("when", None),
                (
                    "group",
                    Some("{by: serial, within: {component: {via: from}}, size: {min: 2}}"),
                ),
            ]),
            "rule::unknown_step",
        ),
        (
            "derive and group",
            rule(&[
                ("when", None),
                ("group", Some("{by: serial, size: {min: 2}}")),
                ("derive", Some("{set: {serial: \"1-2\"}}")),
            ]),
            "rule::conflicting_logic",
        ),
        (
            "deriving structure",
            rule(&[
                ("severity", None),
                ("message", None),
                ("derive", Some("{set: {parent: X}}")),
            ]),
            "rule::bad_derive",
        ),
        (
            "derive without set",
            rule(&[
                ("severity", None),
                ("message", None),
                ("derive", Some("{}")),
            ]),
            "rule::missing_key",
        ),
        (
            "a derived path with an empty segment",
            rule(&[
                ("severity", None),
                ("message", None),
                ("derive", Some("{set: {install..disk: 2}}")),
            ]),
            "rule::bad_field",
        ),
        (
            "unknown key in derive",
            rule(&[("derive", Some("{set: {serial: \"1-2\"}, unless: {tag: x}}"))]),
            "rule::unknown_key",
        ),
        (
            "a group placeholder outside a group rule",
            rule(&[("message", Some("\"{members} share a serial\""))]),
            "rule::bad_message",
        ),
        (
            "an unclosed placeholder",
            rule(&[("message", Some("\"postoffice {id\""))]),
            "rule::bad_message",
        ),
        (
            "an unknown placeholder prefix",
            rule(&[("message", Some("\"{subject:id}\""))]),
            "rule::bad_message",
        ),
        (
            "an unknown key in a test case",
            rule(&[(
                "tests",
                Some("[{name: a, topology: {version: 1, nodes: []}, expect: [], skip: true}]"),
            )]),
            "rule::unknown_key",
        ),
        (
            "an expected finding without entities",
            rule(&[(
                "tests",
                Some("[{name: a, topology: {version: 1, nodes: []}, expect: [{severity: error}]}]"),
            )]),
            "rule::missing_key",
        ),
        (
            "an expected finding with no entities",
            rule(&[(
                "tests",
                Some("[{name: a, topology: {version: 1, nodes: []}, expect: [{entities: []}]}]"),
            )]),
            "rule::missing_key",
        ),
        (
            "an unknown key in an expected finding",
            rule(&[(
                "tests",
                Some(
                    "[{name: a, topology: {version: 1, nodes: []}, expect: [{entities: [P], level: error}]}]",
                ),
            )]),
            "rule::unknown_key",
        ),
        (
            "a test case without expect",
            rule(&[(
                "tests",
                Some("[{name: a, topology: {version: 1, nodes: []}}]"),
            )]),
            "rule::missing_key",
        ),
        (
            "an unknown function",
            rule(&[("when", Some("{value: {lenght: {field: name}}, gt: 10}"))]),
            "rule::unknown_function",
        ),
        (
            "two functions in one expression",
            rule(&[(
                "when",
                Some("{value: {length: {field: name}, upper: {field: name}}, gt: 10}"),
            )]),
            "rule::bad_expression",
        ),
        (
            "`sub` takes two values",
            rule(&[("when", Some("{value: {sub: [1, 2, 3]}, gt: 10}"))]),
            "rule::bad_expression",
        ),
        (
            "`extract` with a field instead of `number`",
            rule(&[(
                "when",
                Some("{value: {number: {field: serial, extract: '^([0-9]+)'}}, gt: 10}"),
            )]),
            "rule::unknown_key",
        ),
        (
            "a lookup without a table",
            rule(&[(
                "when",
                Some("{value: {lookup: {field: product}}, equals: x}"),
            )]),
            "rule::bad_expression",
        ),
        (
            "field and value in one condition",
            rule(&[(
                "when",
                Some("{field: name, value: {length: {field: name}}, gt: 10}"),
            )]),
            "rule::bad_condition",
        ),
        (
            "`of` beside `value`",
            rule(&[(
                "when",
                Some("{value: {length: {field: name}}, of: parent, gt: 10}"),
            )]),
            "rule::unknown_key",
        ),
        (
            "a value test without an operator",
            rule(&[("when", Some("{value: {length: {field: name}}}"))]),
            "rule::missing_operator",
        ),
        (
            "starts-with a list",
            rule(&[("when", Some("{field: name, starts-with: [a]}"))]),
            "rule::bad_argument",
        ),
        (
            "todo takes a boolean",
            rule(&[(
                "tests",
                Some("[{name: a, topology: {version: 1, nodes: []}, expect: [], todo: later}]"),
            )]),
            "rule::bad_tests",
        ),
        (
            "`report` in a group rule",
            rule(&[
                ("when", None),
                ("group", Some("{by: [name], size: {min: 2}}")),
                ("report", Some("[twin]")),
            ]),
            "rule::bad_binding",
        ),
        (
            "a binding named like a placeholder",
            rule(&[("when", Some("{related: {via: parent, bind: parent}}"))]),
            "rule::bad_binding",
        ),
        (
            "`path` together with `via`",
            rule(&[("when", Some("{related: {path: [parent], via: children}}"))]),
            "rule::bad_argument",
        ),
        (
            "an unknown key in a path step",
            rule(&[("when", Some("{related: {path: [{via: parent, hops: 2}]}}"))]),
            "rule::unknown_key",
        ),
        (
            "`count-links` without `count`",
            rule(&[(
                "when",
                Some("{related: {links: [msmail-connector], count-links: true}}"),
            )]),
            "rule::bad_argument",
        ),
        (
            "`use` with a list",
            rule(&[("when", Some("{use: [a, b]}"))]),
            "rule::wrong_type",
        ),
        (
            "a generate entry with both node and link",
            rule(&[(
                "tests",
                Some(
                    "[{name: a, topology: {version: 1, nodes: []}, generate: [{count: 2, node: {id: \"N{i}\", kind: server}, link: {kind: serves}}], expect: []}]",
                ),
            )]),
            "rule::bad_tests",
        ),
        (
            "a list count without where",
            rule(&[
                ("select", Some("{kind: server}")),
                ("when", Some("{field: services, count: {min: 1}}")),
            ]),
            "rule::bad_condition",
        ),
        (
            "two quantifiers",
            rule(&[
                ("select", Some("{kind: server}")),
                (
                    "when",
                    Some("{field: services, any: {equals: a}, all: {equals: b}}"),
                ),
            ]),
            "rule::bad_condition",
        ),
        (
            "capture without extract",
            rule(&[("when", Some("{value: {capture: {field: name}}, equals: a}"))]),
            "rule::bad_expression",
        ),
        (
            "at-least takes a boolean",
            rule(&[(
                "tests",
                Some(
                    "[{name: a, topology: {version: 1, nodes: []}, expect: [{entities: [A], at-least: some}]}]",
                ),
            )]),
            "rule::bad_tests",
        ),
    ];
    let v = validator("rule.schema.json");
    let vocab = vocab();
    for (what, text, code) in &cases {
        assert!(
            !v.is_valid(&to_json(what, text)),
            "{what}: the schema accepts what the loader rejects\n{text}"
        );
        match compile_rule(&vocab, what, text) {
            Ok(()) => panic!("{what}: the loader accepts\n{text}"),
            Err(errors) => assert!(
                errors
                    .iter()
                    .any(|e| e.starts_with(&format!("kbcheck::{code}:"))),
                "{what}: expected `{code}` from the loader, got {errors:#?}"
            ),
        }
    }
}

/// A test case's topology: the rule schema and the topology loader (which `kbcheck test`
/// runs on it) agree on its reserved keys.
#[test]
fn test_topologies_get_the_same_verdict_from_schema_and_loader() {
    let v = validator("rule.schema.json");
    let vocab = vocab();
    // (what, topology, accepted)
    let cases = [
        ("no nodes listed", "{version: 1, nodes: []}", true),
        (
            "every reserved key",
            "{$schema: x, version: 1, name: t, defaults: {tags: [test], site: s}, \
             nodes: [{id: S, kind: server, tags: production}, {id: P, kind: postoffice, parent: S, tags: [a, b]}], \
             links: [{id: L, kind: msmail-connector, from: S, to: P, tags: [x]}, {kind: msmail-connector, from: P, to: S}]}",
            true,
        ),
        ("no version", "{nodes: []}", false),
        ("version 2", "{version: 2, nodes: []}", false),
        ("no nodes", "{version: 1}", false),
        (
            "an unknown top-level key",
            "{version: 1, nodes: [], edges: []}",
            false,
        ),
        (
            "a node without id",
            "{version: 1, nodes: [{kind: server}]}",
            false,
        ),
        (
            "a node without kind",
            "{version: 1, nodes: [{id: S}]}",
            false,
        ),
        (
            "a link without from",
            "{version: 1, nodes: [{id: S, kind: server}], links: [{kind: msmail-connector, to: S}]}",
            false,
        ),
    ];
    for (what, topology, ok) in cases {
        let text = rule(&[(
            "tests",
            Some(&format!(
                "[{{name: case, topology: {topology}, expect: []}}]"
            )),
        )]);
        let schema = schema_errors(&v, &to_json(what, &text));
        assert_eq!(schema.is_empty(), ok, "{what}: the schema says {schema:#?}");
        let (file, node) = tree(what, &text);
        let mut diags = Diags::default();
        let compiled = kbcheck::lang::compile::compile(&file, &node, &vocab, &mut diags)
            .unwrap_or_else(|| panic!("{what}: the rule does not compile: {diags:?}"));
        let case = compiled.tests.first().expect("one test case");
        let (_, loaded) = kbcheck::topology::Topology::load(&file, case.topology.clone(), &vocab);
        assert_eq!(
            !loaded.has_errors(),
            ok,
            "{what}: the topology loader says {loaded:?}"
        );
    }
}

/// `all`, `any`, `not`, `tag`, `kind` and `related` stand alone in their condition.
#[test]
fn a_condition_shape_takes_no_other_key() {
    let v = validator("rule.schema.json");
    let vocab = vocab();
    let shapes = [
        "all: [{tag: production}]",
        "any: [{tag: production}]",
        "not: {tag: production}",
        "tag: production",
        "kind: postoffice",
        "related: {via: parent}",
    ];
    for shape in shapes {
        let good = rule(&[("when", Some(&format!("{{{shape}}}")))]);
        let bad = rule(&[("when", Some(&format!("{{{shape}, equals: x}}")))]);
        assert!(
            v.is_valid(&to_json(shape, &good)),
            "the schema rejects `{{{shape}}}`"
        );
        assert!(
            compile_rule(&vocab, shape, &good).is_ok(),
            "the loader rejects `{{{shape}}}`"
        );
        assert!(
            !v.is_valid(&to_json(shape, &bad)),
            "the schema accepts `{shape}` with `equals`"
        );
        assert!(
            compile_rule(&vocab, shape, &bad).is_err(),
            "the loader accepts `{shape}` with `equals`"
        );
    }
}

/// Message templates: same verdict both ways, in a check rule and in a group rule.
#[test]
fn messages_get_the_same_verdict_from_schema_and_loader() {
    let v = validator("rule.schema.json");
    let vocab = vocab();
    // (message, ok in a check rule, ok in a group rule)
    let messages = [
        ("postoffice `{id}`", true, true),
        ("{ id } and {install.source}", true, true),
        ("{parent:id} {parent:name}", true, true),
        ("{parent: id}", false, false),
        ("{{not a placeholder}} and a lone }", true, true),
        ("{{members}}", true, true),
        ("{members} {count} {key}", false, true),
        ("{ count }", false, true),
        ("{id", false, false),
        ("{}", false, false),
        ("{ }", false, false),
        ("{subject:id}", false, false),
        ("{a:b:c}", false, false),
        ("{x{y}", false, false),
    ];
    let mut mismatches = Vec::new();
    for (message, check_ok, group_ok) in messages {
        let quoted = serde_json::to_string(message).unwrap();
        let check_rule = rule(&[("message", Some(&quoted))]);
        let group_rule = rule(&[
            ("when", None),
            ("group", Some("{by: serial, size: {min: 2}}")),
            ("message", Some(&quoted)),
        ]);
        for (kind, text, ok) in [
            ("check", check_rule, check_ok),
            ("group", group_rule, group_ok),
        ] {
            let schema = v.is_valid(&to_json("message", &text));
            let loader = compile_rule(&vocab, "message", &text).is_ok();
            if schema != ok || loader != ok {
                mismatches.push(format!(
                    "{kind} rule, message {message:?}: expected {ok}, schema {schema}, loader {loader}"
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}

/// What only the loader can check: names that depend on the vocabulary, the position of
/// the default severity, ranges whose bounds are crossed, `from` / `to` on nodes, and steps
/// in `via` and `of` (a reference attribute's name is one). If
/// the schema learns one of these, move the case to `bad_rules_are_rejected_...`.
#[test]
fn known_gaps_are_caught_by_the_loader_only() {
    let cases = [
        (
            "the default severity not last",
            rule(&[(
                "severity",
                Some("[{level: warning}, {when: {tag: production}, level: error}]"),
            )]),
            "rule::bad_severity",
        ),
        (
            "a field no vocabulary declares",
            rule(&[("when", Some("{field: serail, equals: x}"))]),
            "rule::unknown_field",
        ),
        (
            "an unknown kind",
            rule(&[("select", Some("{kind: fax-server}"))]),
            "rule::unknown_kind",
        ),
        (
            "an unknown link kind",
            rule(&[("when", Some("{related: {links: fax-route}}"))]),
            "rule::unknown_link_kind",
        ),
        (
            "a placeholder naming an unknown field",
            rule(&[("message", Some("\"{serail}\""))]),
            "rule::bad_message",
        ),
        (
            "max below min",
            rule(&[("when", Some("{related: {count: {min: 3, max: 1}}}"))]),
            "rule::bad_argument",
        ),
        (
            "of: from on a node",
            rule(&[("when", Some("{field: product, of: from, equals: exchange}"))]),
            "rule::unknown_target",
        ),
        // A step may be a reference attribute's name, a vocabulary word.
        (
            "unknown `of`",
            rule(&[("when", Some("{field: version, of: grandparent, equals: x}"))]),
            "rule::unknown_target",
        ),
        (
            "an unknown step (not a reference attribute either)",
            rule(&[("when", Some("{related: {via: sibling}}"))]),
            "rule::unknown_step",
        ),
        (
            "an unknown step in `of`",
            rule(&[(
                "when",
                Some("{field: site, of: parent.prent, exists: true}"),
            )]),
            "rule::unknown_target",
        ),
        (
            "a `{from:...}` placeholder in a rule that selects nodes",
            rule(&[("message", Some("\"{from:id} {to:id}\""))]),
            "rule::bad_message",
        ),
        (
            "a derived value that does not fit the vocabulary",
            rule(&[
                ("severity", None),
                ("message", None),
                ("derive", Some("{set: {serial: ABC}}")),
            ]),
            "rule::bad_derive",
        ),
        (
            "a bad regex",
            rule(&[("when", Some("{field: serial, matches: '(x'}"))]),
            "rule::bad_regex",
        ),
    ];
    let v = validator("rule.schema.json");
    let vocab = vocab();
    for (what, text, code) in &cases {
        let schema = schema_errors(&v, &to_json(what, text));
        assert!(
            schema.is_empty(),
            "{what}: the schema now rejects this; move it to the bad rules: {schema:#?}"
        );
        match compile_rule(&vocab, what, text) {
            Ok(()) => panic!("{what}: the loader accepts\n{text}"),
            Err(errors) => assert!(
                errors
                    .iter()
                    .any(|e| e.starts_with(&format!("kbcheck::{code}:"))),
                "{what}: expected `{code}` from the loader, got {errors:#?}"
            ),
        }
    }
}

#[test]
fn vocabularies_get_the_same_verdict_from_schema_and_loader() {
    let v = validator("vocabulary.schema.json");
    // (what, vocabulary text, accepted)
    let cases = [
        ("empty map", "{}", true),
        (
            "a full vocabulary",
            "$schema: ../vocabulary.schema.json\nname: site\ndescription: d\n\
             common: {lab-owner: {type: string, description: who runs it}}\n\
             nodes: {lab-box: {description: d, attributes: {mode: {enum: [a, b]}, cfg: {type: object, properties: {x: {type: integer}}}}}}\n\
             links: {lab-wire: {description: d, from: lab-box, to: [lab-box, server], attributes: {}}}\n",
            true,
        ),
        ("unknown top-level key", "kinds: {}\n", false),
        (
            "unknown key in a node kind",
            "nodes: {box: {attrs: {}}}\n",
            false,
        ),
        (
            "unknown key in a link kind",
            "links: {wire: {form: [server]}}\n",
            false,
        ),
        (
            "from on a node kind",
            "nodes: {box: {from: [server]}}\n",
            false,
        ),
        (
            "an attribute that is not a map",
            "nodes: {box: {attributes: {size: integer}}}\n",
            false,
        ),
        (
            "an attribute that is no schema",
            "nodes: {box: {attributes: {size: {type: int}}}}\n",
            false,
        ),
        (
            "a description that is not text",
            "nodes: {box: {description: [a]}}\n",
            false,
        ),
        (
            "from that is not text",
            "links: {wire: {from: {kind: server}}}\n",
            false,
        ),
        ("nodes that is a list", "nodes: [box]\n", false),
    ];
    for (what, text, ok) in cases {
        let schema = schema_errors(&v, &to_json(what, text));
        let loader = load_vocabulary(what, text);
        assert_eq!(
            schema.is_empty(),
            ok,
            "{what}: schema says {schema:#?}\n{text}"
        );
        assert_eq!(loader.is_ok(), ok, "{what}: loader says {loader:?}\n{text}");
    }
}
