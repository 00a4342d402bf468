//! A rule's `let: {NAME: EXPR, ...}`: values computed on the selected entity (a group's first
//! member) that messages print as `{NAME}` and expressions read as `{let: NAME}`. A name may
//! use others; they are compiled in the order their uses need, and a name that uses itself,
//! directly or through others, is a load error (`rule::let_cycle`).

use crate::diagnostic::{Diag, Diags};
use crate::lang::cond::{CondCx, Scope};
use crate::lang::expr::{self, LetTable, let_refs};
use crate::reader::MapReader;
use crate::value::{Key, Node, Pos};
use std::sync::Arc;

/// Compile `let:`: the names that compiled, in an order where each follows those it uses, and
/// every name declared.
pub fn compile(
    cx: &CondCx<'_>,
    node: &Node,
    scope: &Scope,
    diags: &mut Diags,
) -> (LetTable, Vec<String>) {
    let Some(r) = MapReader::new(cx.file, node, "rule", "`let`", diags) else {
        return (Vec::new(), Vec::new());
    };
    let entries: Vec<(&Key, &Node)> = r.rest().map(|(k, v)| (k, v)).collect();
    let names: Vec<String> = entries.iter().map(|(k, _)| k.name.to_string()).collect();
    let mut declared: Vec<(&Key, &Node)> = Vec::new();
    for (k, v) in entries {
        if name_ok(cx, k, scope, diags) {
            declared.push((k, v));
        }
    }
    let mut table = LetTable::new();
    let mut state = vec![State::New; declared.len()];
    for n in 0..declared.len() {
        let mut chain = Vec::new();
        visit(
            cx, &declared, n, &mut state, &mut chain, &mut table, &names, scope, diags,
        );
    }
    (table, names)
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    New,
    /// Being compiled: a use of it now is a cycle.
    Open,
    Done,
}

/// Compile name `n` after the names it uses (depth first).
#[expect(clippy::too_many_arguments, reason = "one recursive walk's state")]
fn visit(
    cx: &CondCx<'_>,
    declared: &[(&Key, &Node)],
    n: usize,
    state: &mut [State],
    chain: &mut Vec<String>,
    table: &mut LetTable,
    names: &[String],
    scope: &Scope,
    diags: &mut Diags,
) -> bool {
    let (Some((key, node)), Some(s)) = (declared.get(n), state.get(n).copied()) else {
        return false;
    };
    match s {
        State::Done => return table.iter().any(|(name, _, _)| *name == key.name),
        State::Open => return false,
        State::New => {}
    }
    if let Some(st) = state.get_mut(n) {
        *st = State::Open;
    }
    chain.push(key.name.to_string());
    let mut uses = Vec::new();
    let_refs(node, &mut uses);
    let mut ok = true;
    for (used, pos) in uses {
        let Some(m) = declared.iter().position(|(k, _)| k.name == used) else {
            continue; // unknown names are reported where they are compiled
        };
        if state.get(m) == Some(&State::Open) {
            cycle(cx, chain, used, pos, diags);
            ok = false;
            continue;
        }
        ok &= visit(cx, declared, m, state, chain, table, names, scope, diags);
    }
    chain.pop();
    if let Some(st) = state.get_mut(n) {
        *st = State::Done;
    }
    if !ok {
        return false;
    }
    let inner = CondCx {
        lets: table,
        let_names: names,
        ..cx.with_element(false)
    };
    let Some((e, ty)) = expr::compile_typed(&inner, node, scope, diags) else {
        return false;
    };
    table.push((key.name.to_string(), Arc::new(e), ty));
    true
}

fn cycle(cx: &CondCx<'_>, chain: &[String], used: &str, pos: Pos, diags: &mut Diags) {
    let from = chain.iter().position(|c| c == used).unwrap_or(0);
    let path: Vec<&str> = chain.iter().skip(from).map(String::as_str).collect();
    diags.push(
        Diag::error(
            "rule::let_cycle",
            format!(
                "`let` name `{used}` uses itself (`{}` → `{used}`)",
                path.join("` → `")
            ),
        )
        .at(cx.file, pos, "used again here")
        .help("a `let` name cannot use itself, directly or through others"),
    );
}

/// Whether a `let` name can be printed and hides no field or placeholder (else an error).
fn name_ok(cx: &CondCx<'_>, k: &Key, scope: &Scope, diags: &mut Diags) -> bool {
    let name = k.name.as_str();
    let fields = cx.vocab.known_paths(scope.class, &scope.kinds);
    let clash = [
        "id", "kind", "parent", "tags", "from", "to", "members", "count", "key",
    ]
    .contains(&name)
        || fields.iter().any(|f| f == name);
    if clash || name.is_empty() || name.contains([':', '{', '}', ' ']) {
        cx.error(
            diags,
            k.pos,
            "bad_let",
            if clash {
                format!(
                    "`{name}` is already a field or a placeholder; a `let` name may not hide it"
                )
            } else {
                format!("`{name}` is not a name a placeholder can print")
            },
            "choose another name, e.g. `name-length`".into(),
        );
        return false;
    }
    true
}
