//! Compiling group rules: `by` keys (fields, `{each: list}` elements, computed values),
//! the scope (`within`: the topology, the parent, the site, or a connected component with
//! its walk and `child-where`) and the group sizes that fire. The engine's `group` module
//! evaluates what this compiles.

use super::{GroupSpec, Within};
use crate::diagnostic::{Diags, suggestion_help};
use crate::lang::cond::{CondCx, FieldRef, Scope, Target};
use crate::lang::expr::{self, Expr};
use crate::lang::relation::{Walk, range};
use crate::reader::MapReader;
use crate::value::{Node, Value};
use crate::vocabulary::Class;

/// Compile a rule's `group`: its keys (`by`, fields, `{each: ...}` or expressions), its
/// scope (`within`) and the sizes that fire.
pub fn compile(
    cx: &CondCx<'_>,
    node: &Node,
    scope: &Scope,
    diags: &mut Diags,
) -> Option<GroupSpec> {
    let mut r = MapReader::new(cx.file, node, "rule", "`group`", diags)?;
    let mut by = Vec::new();
    let mut each = Vec::new();
    let mut element_keys = Vec::new();
    // Without `by`, the selected entities of each scope are one group ("more than one
    // Dir-Sync server in a network"), with no key to invent.
    if let Some(b) = r.take("by") {
        let items: Vec<&Node> = match &b.value {
            Value::List(items) => items.iter().collect(),
            _ => vec![b],
        };
        for item in items {
            // `{each: path}`: a list field whose every element is a key of its own; a map
            // with a function is a computed key.
            let (expr, is_each) = match &item.value {
                Value::Str(text) => {
                    let path = cx.check_path(text, item.pos, scope, diags)?;
                    (Expr::Field(field_of(path)), false)
                }
                Value::Map(_) if item.value.get("each").is_some() => {
                    let (path, key) = each_key(cx, item, scope, diags)?;
                    element_keys.push(key);
                    by.push(Expr::Field(field_of(path)));
                    each.push(true);
                    continue;
                }
                Value::Map(_) => (expr::compile(cx, item, scope, diags)?, false),
                other => {
                    cx.error(
                            diags,
                            item.pos,
                            "wrong_type",
                            format!(
                                "a `by` entry is a field path, `{{each: path}}` or an expression, found a {}",
                                other.type_name()
                            ),
                            "write `by: [serial]`, `by: [{each: dynamic-drives}]` or `by: [{upper: {field: network}}]`".into(),
                        );
                    return None;
                }
            };
            by.push(expr);
            each.push(is_each);
            element_keys.push(None);
        }
    }
    let within = match r.take("within") {
        None => Some(Within::Topology),
        Some(w) => within(cx, w, scope, diags),
    };
    let (min, max) = match r.take("size") {
        Some(s) => range(cx, s, "size", diags)?,
        None => {
            diags.push(r.missing("size", "`group`").help("say which group sizes fire: `size: {min: 2}` (duplicates) or `size: {max: 1}` (a partner is missing)"));
            return None;
        }
    };
    r.finish(&["by", "within", "size"], "`group`", diags);
    Some(GroupSpec {
        by,
        each,
        element_keys,
        within: within?,
        min,
        max,
    })
}

/// `{each: path}` or `{each: path, value: EXPR}`: the list field, and the key computed from
/// each element (`{element: true}` in `EXPR`), if given.
fn each_key(
    cx: &CondCx<'_>,
    item: &Node,
    scope: &Scope,
    diags: &mut Diags,
) -> Option<(Vec<String>, Option<Expr>)> {
    if let Some(n) = item.value.get("each")
        && matches!(n.value, Value::Map(_))
    {
        cx.error(
            diags,
            expr::whole(cx.file, n),
            "wrong_type",
            "`each` names the list field; an expression over its elements goes in `value`".into(),
            "write `{each: address-spaces, value: {upper: {element: true}}}`".into(),
        );
        return None;
    }
    let mut er = MapReader::new(cx.file, item, "rule", "a `by` entry", diags)?;
    let (text, pos) = er.required_string("each", "a `by` entry", diags)?;
    let value = er.take("value");
    er.finish(&["each", "value"], "a `by` entry", diags);
    let path = cx.check_path(text, pos, scope, diags)?;
    let key = match value {
        None => None,
        Some(v) => {
            let element_cx = cx.with_element(true);
            Some(expr::compile(&element_cx, v, scope, diags)?)
        }
    };
    Some((path, key))
}

/// A field of the entity itself.
fn field_of(path: Vec<String>) -> FieldRef {
    FieldRef {
        target: Target::Itself,
        path,
    }
}

fn within(cx: &CondCx<'_>, node: &Node, _scope: &Scope, diags: &mut Diags) -> Option<Within> {
    match &node.value {
        Value::Str(s) => match s.as_str() {
            "topology" => Some(Within::Topology),
            "parent" => Some(Within::Parent),
            "site" => Some(Within::Site),
            other => {
                cx.error(
                    diags,
                    node.pos,
                    "bad_scope",
                    format!("unknown group scope `{other}`"),
                    if other == "component" {
                        "a component needs its walk: `within: {component: {via: [links, parent, children], links: [msmail-connector]}}`".to_owned()
                    } else {
                        suggestion_help(other, &["topology", "parent", "site"], "scopes")
                    },
                );
                None
            }
        },
        Value::Map(_) => {
            let mut r = MapReader::new(cx.file, node, "rule", "`within`", diags)?;
            let Some(c) = r.take("component") else {
                r.finish(&["component"], "`within`", diags);
                if !diags.has_errors() {
                    cx.error(diags, node.pos, "bad_scope", "`within` as a map takes `component`".into(), "write `within: {component: {via: [links, parent, children], links: [msmail-connector]}}`".into());
                }
                return None;
            };
            r.finish(&["component"], "`within`", diags);
            let mut cr = MapReader::new(cx.file, c, "rule", "`component`", diags)?;
            let mut walk = Walk::compile(cx, &mut cr, Class::Node, diags)?;
            // `child-where`: which children a containment step joins to their parent (the
            // postoffices a connector serves, not every postoffice on a file server).
            if let Some(w) = cr.take("child-where") {
                let nodes = Scope {
                    class: Class::Node,
                    kinds: Vec::new(),
                };
                walk.child_where = Some(std::sync::Arc::new(cx.cond(w, &nodes, diags)?));
            }
            cr.finish(
                &["via", "links", "direction", "child-where"],
                "`component`",
                diags,
            );
            Some(Within::Component(walk))
        }
        other => {
            cx.error(
                diags,
                node.pos,
                "bad_scope",
                format!(
                    "`within` takes a scope name or `{{component: ...}}`, found a {}",
                    other.type_name()
                ),
                "write `within: topology`, `parent`, `site` or `{component: {...}}`".into(),
            );
            None
        }
    }
}
