//! Go to definition: from a `parent` / `from` / `to` id to the node, from a rule id or a
//! finding to the rule's file.
//!
//! A bundled rule is built into the binary; its definition is the same file in the
//! workspace's `rules` folder when that holds the same text (a checkout of kbcheck), else a
//! read-only copy written under the temporary folder (see
//! [`super::diagnostics::rule_location`]): a plain file opens in every editor, where a
//! virtual document needs a scheme each client must be taught.

use super::diagnostics::rule_location;
use super::{At, State};
use lsp_types::{GotoDefinitionParams, GotoDefinitionResponse, Location};

pub fn definition(state: &State, p: &GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
    let at = At::new(state, &p.text_document_position_params)?;
    let text = &at.doc.text;
    let word = super::yaml::word_at(text, at.offset);
    let ctx = super::yaml::context(text, at.offset);
    let reference = matches!(ctx.key.as_deref(), Some("parent" | "from" | "to"));
    if let Some((_, _, w)) = word
        && reference
        && let Some(range) = at.analysis.as_ref().and_then(|a| a.nodes.get(w))
    {
        return Some(GotoDefinitionResponse::Scalar(Location::new(
            at.doc.uri.clone(),
            *range,
        )));
    }
    if let Some((_, _, w)) = word
        && let Some(rule) = at.ws.set.get(w)
    {
        return rule_location(&at.ws, rule).map(GotoDefinitionResponse::Scalar);
    }
    // On an entity a finding names: the rules of the findings there.
    let pos = p.text_document_position_params.position;
    let analysis = at.analysis.as_ref()?;
    let mut locations: Vec<Location> = Vec::new();
    for (range, id) in &analysis.findings {
        if range.start <= pos
            && pos <= range.end
            && let Some(loc) = at.ws.set.get(id).and_then(|r| rule_location(&at.ws, r))
            && !locations.contains(&loc)
        {
            locations.push(loc);
        }
    }
    match locations.len() {
        0 => None,
        1 => locations.pop().map(GotoDefinitionResponse::Scalar),
        _ => Some(GotoDefinitionResponse::Array(locations)),
    }
}
