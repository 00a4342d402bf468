//! Steps over reference attributes in `via`: a reference attribute's name follows it to the
//! node it names (`via: [route]`, like `parent`), and `{referenced-by: route}` goes back to
//! the nodes whose `route` names the one walked from.

use super::Step;
use crate::diagnostic::{Diags, suggestion_help};
use crate::lang::cond::CondCx;
use crate::value::{Node, Pos, Value};
use crate::vocabulary::Class;

/// One entry of `via`: a step word (or a reference attribute's name), or a reverse reference.
pub enum ViaEntry<'a> {
    Word(&'a str),
    ReferencedBy(&'a str),
}

/// The entries of `via` (one, or a list), each with its position.
pub fn entries<'a>(
    cx: &CondCx<'_>,
    via: &'a Node,
    diags: &mut Diags,
) -> Option<Vec<(ViaEntry<'a>, Pos)>> {
    let items = match &via.value {
        Value::List(items) => items.as_slice(),
        _ => std::slice::from_ref(via),
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match &item.value {
            Value::Str(s) => out.push((ViaEntry::Word(s), item.pos)),
            Value::Map(entries) => match entries.as_slice() {
                [(k, v)] if k.name == "referenced-by" => match &v.value {
                    Value::Str(s) => out.push((ViaEntry::ReferencedBy(s), v.pos)),
                    _ => {
                        cx.error(
                            diags,
                            v.pos,
                            "wrong_type",
                            "`referenced-by` takes the name of a reference attribute".into(),
                            "write `{referenced-by: route}`".into(),
                        );
                        return None;
                    }
                },
                _ => {
                    cx.error(
                        diags,
                        item.pos,
                        "unknown_step",
                        "a step of `via` written as a map takes one key, `referenced-by`".into(),
                        "write `{referenced-by: route}`: the nodes whose `route` names this one"
                            .into(),
                    );
                    return None;
                }
            },
            other => {
                cx.error(
                    diags,
                    item.pos,
                    "wrong_type",
                    format!("`via` must list steps, found a {}", other.type_name()),
                    "write `via: [parent, links]` or `via: [route]`".into(),
                );
                return None;
            }
        }
    }
    Some(out)
}

/// The step that follows reference attribute `name` from an entity of `from` (forward), or
/// back to the nodes whose `name` names it (`reverse`); an error when no kind declares
/// `name` a reference.
pub fn step(
    cx: &CondCx<'_>,
    name: &str,
    pos: Pos,
    from: Class,
    reverse: bool,
    refs: &mut Vec<(u16, String)>,
    diags: &mut Diags,
) -> Option<Step> {
    // Forward, the entity walked from holds the reference; back, a node holds it.
    let holder = if reverse { Class::Node } else { from };
    let id = cx
        .vocab
        .reference_on(holder, &[], name)
        .and_then(|_| cx.vocab.reference_id(name));
    let Some(id) = id else {
        let names = cx.vocab.reference_names();
        let (message, help) = if reverse {
            (
                format!("`referenced-by: {name}` names no reference attribute of a node kind"),
                format!(
                    "{} (a node kind declares a reference with `type: reference`)",
                    suggestion_help(name, &names, "reference attributes")
                ),
            )
        } else {
            let mut words: Vec<&str> = Step::NAMES.to_vec();
            words.extend(names.iter().copied());
            (
                format!("unknown step `{name}` in `via`"),
                format!(
                    "{}; a step is `parent`, `children`, `links`, `from`, `to` or the name of a reference attribute (`type: reference`) of a {} kind",
                    suggestion_help(name, &words, "steps"),
                    from.word()
                ),
            )
        };
        cx.error(diags, pos, "unknown_step", message, help);
        return None;
    };
    if !refs.iter().any(|(i, _)| *i == id) {
        refs.push((id, name.to_owned()));
    }
    Some(if reverse {
        Step::ReferencedBy(id)
    } else {
        Step::Reference(id)
    })
}
