//! Which entity a field is read from (`of:`), the field reference a test reads, and checking
//! a field path against the vocabulary when a rule loads.

use super::{CondCx, Scope};
use crate::diagnostic::{Diag, Diags, suggestion_help};
use crate::value::{Node, Pos, Value};
use crate::vocabulary::Class;

/// Which entity a field is read from, relative to the one being tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The entity the condition is evaluated on.
    Itself,
    /// Its parent node.
    Parent,
    /// The entity the rule selected (differs from `Itself` inside a relation).
    Subject,
    /// The node a link starts at.
    From,
    /// The node a link ends at.
    To,
    /// A short path of steps (`of: subject.parent`, `of: [from, parent]`).
    Chain(crate::lang::relative::Chain),
}

impl Target {
    pub const NAMES: &'static [&'static str] = &["self", "parent", "subject", "from", "to"];

    fn word(self) -> String {
        match self {
            Target::Itself => "self".into(),
            Target::Parent => "parent".into(),
            Target::Subject => "subject".into(),
            Target::From => "from".into(),
            Target::To => "to".into(),
            Target::Chain(c) => c.word(),
        }
    }
}

/// A field of some entity, parsed once.
#[derive(Debug, Clone)]
pub struct FieldRef {
    pub target: Target,
    pub path: Vec<String>,
}

impl FieldRef {
    pub fn text(&self) -> String {
        self.path.join(".")
    }

    /// The word for the entity the field is read from (`self`, `parent`, ...).
    pub fn target_word(&self) -> String {
        self.target.word()
    }

    pub fn describe(&self) -> String {
        match self.target {
            Target::Itself => format!("`{}`", self.text()),
            t => format!("the {}'s `{}`", t.word(), self.text()),
        }
    }
}

impl CondCx<'_> {
    /// Compile `{field: path, of: target}` (the `of` is optional), checking the path.
    pub fn field_ref(&self, node: &Node, scope: &Scope, diags: &mut Diags) -> Option<FieldRef> {
        let field = node.value.get("field")?;
        let Value::Str(text) = &field.value else {
            self.error(
                diags,
                field.pos,
                "wrong_type",
                "`field` takes a dotted attribute path".into(),
                "write `field: install.source`".into(),
            );
            return None;
        };
        // A path of several steps (`subject.parent`, `[from, parent]`) is a relative.
        if let Some(n) = node.value.get("of")
            && (matches!(n.value, Value::List(_))
                || n.value.as_str().is_some_and(|s| {
                    s.contains('.')
                        || (!Target::NAMES.contains(&s) && self.vocab.reference_id(s).is_some())
                }))
        {
            let (target, target_scope) = crate::lang::relative::compile(self, n, scope, diags)?;
            let path = self.check_path(text, field.pos, &target_scope, diags)?;
            return Some(FieldRef { target, path });
        }
        let target = match node.value.get("of") {
            None => Target::Itself,
            Some(n) => match n.value.as_str() {
                Some("self") => Target::Itself,
                Some("parent") => Target::Parent,
                Some("subject") => Target::Subject,
                Some("from") => Target::From,
                Some("to") => Target::To,
                _ => {
                    let word = n.value.display();
                    self.error(
                        diags,
                        n.pos,
                        "unknown_target",
                        format!("unknown `of` target `{word}`"),
                        suggestion_help(&word, Target::NAMES, "targets"),
                    );
                    return None;
                }
            },
        };
        let target_scope = match target {
            Target::Itself => scope.clone(),
            Target::Subject => self.subject.clone(),
            Target::Parent | Target::From | Target::To | Target::Chain(_) => {
                if matches!(target, Target::From | Target::To) && scope.class != Class::Link {
                    self.error(
                        diags,
                        field.pos,
                        "unknown_target",
                        format!("`of: {}` only applies to links", target.word()),
                        "use `of: parent`, or select links".into(),
                    );
                    return None;
                }
                Scope {
                    class: Class::Node,
                    kinds: Vec::new(),
                }
            }
        };
        let path = self.check_path(text, field.pos, &target_scope, diags)?;
        Some(FieldRef { target, path })
    }

    /// Check a dotted path names a reserved key or an attribute the vocabulary declares.
    pub fn check_path(
        &self,
        text: &str,
        pos: Pos,
        scope: &Scope,
        diags: &mut Diags,
    ) -> Option<Vec<String>> {
        let path: Vec<String> = text.split('.').map(str::to_owned).collect();
        if path.iter().any(String::is_empty) {
            self.error(
                diags,
                pos,
                "bad_field",
                format!("`{text}` is not a field path"),
                "write attribute names joined by dots, e.g. `install.source`".into(),
            );
            return None;
        }
        let reserved: &[&str] = match scope.class {
            Class::Node => &["id", "kind", "parent", "tags"],
            Class::Link => &["id", "kind", "from", "to", "tags"],
        };
        if path.len() == 1 && path.first().is_some_and(|p| reserved.contains(&p.as_str())) {
            return Some(path);
        }
        if self.vocab.path_known(scope.class, &scope.kinds, &path) {
            return Some(path);
        }
        let mut known = self.vocab.known_paths(scope.class, &scope.kinds);
        known.extend(reserved.iter().map(|s| (*s).to_owned()));
        let names: Vec<&str> = known.iter().map(String::as_str).collect();
        let on = if scope.kinds.is_empty() {
            format!("any {} kind", scope.class.word())
        } else {
            format!("`{}`", scope.kinds.join("` or `"))
        };
        diags.push(
            Diag::error(
                "rule::unknown_field",
                format!("no vocabulary declares `{text}` on {on}"),
            )
            .at(self.file, pos, "unknown field")
            .help(suggestion_help(text, &names, "fields")),
        );
        None
    }
}
