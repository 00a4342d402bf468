//! Placeholders: the `FILL IN: …` strings `kbcheck new rule` leaves in a skeleton for its
//! author. A rule file holding any refuses to load, each reported with what to write there,
//! so a skeleton never passes a gate.

use crate::diagnostic::{Diag, Diags};
use crate::source::SourceFile;
use crate::value::{Node, Value};

/// What starts every placeholder string; the rest says what to write there.
pub const PLACEHOLDER: &str = "FILL IN:";

/// Report every placeholder string in a rule file's tree, each with what to write there;
/// how many there are. The rule loader refuses a file with any.
pub fn placeholders(file: &SourceFile, root: &Node, diags: &mut Diags) -> usize {
    let mut found = 0;
    let mut stack: Vec<(String, &Node)> = vec![(String::new(), root)];
    while let Some((path, node)) = stack.pop() {
        match &node.value {
            Value::Str(s) => {
                if let Some(what) = s.trim_start().strip_prefix(PLACEHOLDER) {
                    found += 1;
                    let shown = if path.is_empty() { "the rule" } else { &path };
                    diags.push(
                        Diag::error(
                            "rule::placeholder",
                            format!("`{shown}` is not filled in yet"),
                        )
                        .at(file, node.pos, "fill this in")
                        .help(format!("write here {}", what.trim())),
                    );
                }
            }
            Value::List(items) => {
                for (i, item) in items.iter().enumerate().rev() {
                    stack.push((format!("{path}[{i}]"), item));
                }
            }
            Value::Map(entries) => {
                for (key, value) in entries.iter().rev() {
                    let path = if path.is_empty() {
                        key.name.to_string()
                    } else {
                        format!("{path}.{}", key.name)
                    };
                    stack.push((path, value));
                }
            }
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => {}
        }
    }
    found
}
