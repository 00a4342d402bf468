//! Named conditions: a rules folder (or pack) defines conditions once, in a file of its own
//! (`conditions.yaml`, or any file under a `conditions/` folder):
//!
//! ```yaml
//! conditions:
//!   exchange-5x:
//!     all:
//!       - {field: product, equals: exchange}
//!       - any: [{field: version, version: ">=5.0 <6"}, {field: version, missing: true}]
//! ```
//!
//! and rules use them by name: `{use: exchange-5x}`. A use compiles the named condition in the
//! scope it is used in (so its fields are checked against what the rule selects there);
//! errors inside it point into the conditions file. Unknown names (with a suggestion), uses
//! that come back to themselves, and entries that are not conditions are load errors.

use super::cond::{Cond, CondCx, Scope};
use crate::diagnostic::{Diag, Diags, suggestion_help};
use crate::reader::MapReader;
use crate::source::SourceFile;
use crate::value::{Node, Pos, Value};
use std::cell::RefCell;
use std::collections::BTreeMap;

/// One named condition as written.
#[derive(Debug, Clone)]
struct Entry {
    file: SourceFile,
    node: Node,
    pos: Pos,
}

/// The named conditions a load brings, and the uses being compiled (to find cycles).
#[derive(Debug, Default)]
pub struct Named {
    entries: BTreeMap<String, Entry>,
    using: RefCell<Vec<String>>,
}

impl Named {
    /// Read a conditions file: `conditions:` mapping names to conditions.
    pub fn add_file(&mut self, file: &SourceFile, tree: &Node, diags: &mut Diags) {
        let Some(mut r) = MapReader::new(file, tree, "rule", "a conditions file", diags) else {
            return;
        };
        let _ = r.string("$schema", diags);
        let Some(list) = r.take("conditions") else {
            diags.push(
                r.missing("conditions", "a conditions file")
                    .help("write `conditions:` followed by `name: {condition}` entries"),
            );
            return;
        };
        r.finish(&["$schema", "conditions"], "a conditions file", diags);
        let Some(lr) = MapReader::new(file, list, "rule", "`conditions`", diags) else {
            return;
        };
        for (k, v) in lr.rest() {
            if let Some(first) = self.entries.get(k.name.as_str()) {
                diags.push(
                    Diag::error(
                        "rule::duplicate_condition",
                        format!("condition `{}` is defined twice", k.name),
                    )
                    .at(file, k.pos, "defined again here")
                    .help(format!(
                        "it is first defined in `{}`; names are shared by everything loaded",
                        first.file.name()
                    )),
                );
                continue;
            }
            if !matches!(v.value, Value::Map(_)) {
                diags.push(
                    Diag::error(
                        "rule::bad_condition",
                        format!(
                            "named condition `{}` must be a condition map, found a {}",
                            k.name,
                            v.value.type_name()
                        ),
                    )
                    .at(file, v.pos, "here")
                    .help(
                        "write `name: {field: product, equals: exchange}` or `name: {all: [...]}`",
                    ),
                );
                continue;
            }
            self.entries.insert(
                k.name.to_string(),
                Entry {
                    file: file.clone(),
                    node: v.clone(),
                    pos: k.pos,
                },
            );
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl CondCx<'_> {
    /// Compile `use: name` in `scope`.
    pub fn use_named(&self, arg: &Node, scope: &Scope, diags: &mut Diags) -> Option<Cond> {
        let Value::Str(name) = &arg.value else {
            self.error(
                diags,
                arg.pos,
                "wrong_type",
                format!(
                    "`use` takes the name of a condition, found a {}",
                    arg.value.type_name()
                ),
                "write `{use: exchange-5x}`".into(),
            );
            return None;
        };
        let Some(entry) = self.named.entries.get(name) else {
            let known: Vec<&str> = self.named.entries.keys().map(String::as_str).collect();
            self.error(
                diags,
                arg.pos,
                "unknown_condition",
                format!("no named condition `{name}`"),
                if known.is_empty() {
                    "define it under `conditions:` in a `conditions.yaml` beside the rules".into()
                } else {
                    suggestion_help(name, &known, "named conditions")
                },
            );
            return None;
        };
        if self.named.using.borrow().contains(name) {
            let chain = self.named.using.borrow().join("` → `");
            diags.push(
                Diag::error(
                    "rule::condition_cycle",
                    format!("named condition `{name}` uses itself (`{chain}` → `{name}`)"),
                )
                .at(self.file, arg.pos, "used again here")
                .help("a named condition cannot use itself, directly or through others"),
            );
            return None;
        }
        self.named.using.borrow_mut().push(name.clone());
        let inner = CondCx {
            file: &entry.file,
            vocab: self.vocab,
            subject: self.subject.clone(),
            max_regex_bytes: self.max_regex_bytes,
            named: self.named,
            element: self.element,
            lets: self.lets,
            let_names: self.let_names,
        };
        let before = diags.0.len();
        let out = inner.cond(&entry.node, scope, diags);
        self.named.using.borrow_mut().pop();
        if out.is_none() && diags.0.len() > before {
            // Say where the failing condition was used from, too.
            diags.push(
                Diag::error(
                    "rule::bad_condition",
                    format!("named condition `{name}` does not fit where it is used"),
                )
                .at(self.file, arg.pos, "used here")
                .help(format!(
                    "see the error in `{}` at line {}; a named condition is checked against the entities it is used on",
                    entry.file.name(),
                    entry.pos.line
                )),
            );
        }
        out
    }
}
