//! `kbcheck schema`: print a JSON Schema for editors and tools.

use super::load::load_rules;
use super::{Exit, Io, RuleArgs};
use crate::limits::Limits;
use clap::{Args, ValueEnum};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// Topology files, with the vocabulary's kinds and attributes.
    Topology,
    /// Rule files.
    Rule,
    /// Vocabulary files.
    Vocabulary,
    /// Waivers files (`--waivers`).
    Waivers,
    /// The project config file, kbcheck.yaml.
    Config,
}

#[derive(Args, Debug)]
pub struct SchemaArgs {
    pub kind: SchemaKind,
    #[command(flatten)]
    pub rules: RuleArgs,
}

pub fn schema(a: &SchemaArgs, io: &mut Io<'_>) -> Exit {
    let text = match a.kind {
        SchemaKind::Topology => {
            let Some(set) = load_rules(&a.rules, &Limits::default(), io) else {
                return Exit::Invalid;
            };
            let mut t =
                serde_json::to_string_pretty(&set.vocab.topology_schema()).unwrap_or_default();
            t.push('\n');
            t
        }
        SchemaKind::Rule => include_str!("../../schemas/rule.schema.json").to_owned(),
        SchemaKind::Vocabulary => include_str!("../../schemas/vocabulary.schema.json").to_owned(),
        SchemaKind::Waivers => include_str!("../../schemas/waivers.schema.json").to_owned(),
        SchemaKind::Config => include_str!("../../schemas/config.schema.json").to_owned(),
    };
    let _ = io.out.write_all(text.as_bytes());
    Exit::Clean
}
