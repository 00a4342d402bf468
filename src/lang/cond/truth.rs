//! The three values a condition evaluates to, and the values it missed.

use super::FieldRef;
use crate::lang::env::Env;
use crate::topology::Idx;

/// The outcome of a condition: true, false, or unknown because a value it needs is not set.
/// Ordered `False < Unknown < True`, so `and` is the minimum and `or` the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Truth {
    False,
    Unknown,
    True,
}

impl Truth {
    pub fn and(self, other: Truth) -> Truth {
        self.min(other)
    }

    pub fn or(self, other: Truth) -> Truth {
        self.max(other)
    }

    pub fn is_true(self) -> bool {
        self == Truth::True
    }

    /// The mark `kbcheck explain` shows: `[x]`, `[ ]` or `[?]`.
    pub fn mark(self) -> &'static str {
        match self {
            Truth::True => "[x]",
            Truth::False => "[ ]",
            Truth::Unknown => "[?]",
        }
    }
}

/// Kleene negation: unknown stays unknown.
impl std::ops::Not for Truth {
    type Output = Truth;

    fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }
}

impl From<bool> for Truth {
    fn from(b: bool) -> Truth {
        if b { Truth::True } else { Truth::False }
    }
}

/// A value a condition needed that the entity does not have (neither written nor derived).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Missing {
    pub entity: Idx,
    pub path: Vec<String>,
}

/// The missing values for unset fields, each once (a missing parent or link end is named as
/// such).
pub fn missing_of(env: &Env<'_>, refs: &[&FieldRef], out: &mut Vec<Missing>) {
    for r in refs {
        let missing = match env.target(r.target) {
            Some(entity) => Missing {
                entity,
                path: r.path.clone(),
            },
            // No parent (or link end) at all: what is missing is the parent.
            None => Missing {
                entity: env.current,
                path: vec![r.target_word()],
            },
        };
        push_missing(out, missing);
    }
}

/// Add a missing value once.
pub fn push_missing(out: &mut Vec<Missing>, m: Missing) {
    if !out.contains(&m) {
        out.push(m);
    }
}
