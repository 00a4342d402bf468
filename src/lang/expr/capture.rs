//! `capture`: the text of one group of a regex match —
//! `{capture: {field: address}, extract: '^(?P<type>[^:]+):', group: type}`. `group` is a
//! group's number or name; without it, the first group (or the whole match if the pattern has
//! none). The regex is built once, linear-time and size-limited like `matches`, and a group
//! the pattern does not have is a load error. Over an unset field the value is unknown; text
//! the regex does not match, or a match in which the group takes no part, has no value (the
//! test is false). Numbers are matched as their text.

use super::{Cx, Expr, Function, Out, Ty, call_text};
use crate::diagnostic::{Diags, suggestion_help};
use crate::lang::env::Env;
use crate::value::{Node, Value};

/// Which group of the match.
#[derive(Debug, Clone)]
enum Group {
    Number(usize),
    Name(String),
}

#[derive(Debug)]
struct Capture {
    arg: Expr,
    regex: regex::Regex,
    group: Group,
}

pub fn compile(
    cx: &Cx<'_, '_>,
    node: &Node,
    arg: &Node,
    diags: &mut Diags,
) -> Option<(Box<dyn Function>, Ty)> {
    let arg = cx.typed(arg, "capture", &[Ty::Text, Ty::Number], diags);
    let Some(n) = node.value.get("extract") else {
        cx.error(
            diags,
            super::whole(cx.cond.file, node),
            "bad_expression",
            "`capture` needs `extract`, the regular expression to match".into(),
            "write `{capture: {field: address}, extract: '^([^:]+):'}`".into(),
        );
        return None;
    };
    let regex = cx.extract_regex(n, "write `extract: '^([^:]+):'`", diags)?;
    let groups = regex.captures_len() - 1;
    let names: Vec<&str> = regex.capture_names().flatten().collect();
    let group = match node.value.get("group") {
        None => Group::Number(usize::from(groups > 0)),
        Some(g) => match &g.value {
            Value::Int(i) if usize::try_from(*i).is_ok_and(|i| i <= groups) => {
                Group::Number(usize::try_from(*i).unwrap_or(0))
            }
            Value::Str(name) if names.contains(&name.as_str()) => Group::Name(name.clone()),
            Value::Str(name) => {
                cx.error(
                    diags,
                    g.pos,
                    "unknown_group",
                    format!("the pattern has no group named `{name}`"),
                    if names.is_empty() {
                        "name a group in the pattern, `(?P<name>...)`, or give its number".into()
                    } else {
                        suggestion_help(name, &names, "groups")
                    },
                );
                return None;
            }
            other => {
                cx.error(
                    diags,
                    g.pos,
                    "unknown_group",
                    format!(
                        "the pattern has no group `{}`; it has {groups}",
                        other.display()
                    ),
                    "give a group's number (0 is the whole match) or its name".into(),
                );
                return None;
            }
        },
    };
    Some((
        Box::new(Capture {
            arg: arg?,
            regex,
            group,
        }),
        Ty::Text,
    ))
}

impl Function for Capture {
    fn eval(&self, env: &Env<'_>) -> Out {
        let text = match self.arg.eval(env) {
            Out::Value(Value::Str(s)) => s,
            Out::Value(v @ (Value::Int(_) | Value::Float(_))) => v.display(),
            Out::Value(other) => {
                return Out::Invalid(format!("`capture` reads text, not `{}`", other.display()));
            }
            other => return other,
        };
        let Some(caps) = self.regex.captures(&text) else {
            return Out::Invalid(format!("`{text}` does not match /{}/", self.regex.as_str()));
        };
        let m = match &self.group {
            Group::Number(i) => caps.get(*i),
            Group::Name(n) => caps.name(n),
        };
        match m {
            Some(m) => Out::Value(Value::Str(m.as_str().to_owned())),
            None => Out::Invalid(format!(
                "group {} of /{}/ takes no part in matching `{text}`",
                self.group_text(),
                self.regex.as_str()
            )),
        }
    }

    fn args(&self) -> Vec<&Expr> {
        vec![&self.arg]
    }

    fn describe(&self) -> String {
        let base = call_text("capture", std::slice::from_ref(&self.arg));
        format!(
            "{} group {} of /{}/)",
            base.trim_end_matches(')'),
            self.group_text(),
            self.regex.as_str()
        )
    }
}

impl Capture {
    fn group_text(&self) -> String {
        match &self.group {
            Group::Number(i) => i.to_string(),
            Group::Name(n) => format!("`{n}`"),
        }
    }
}
