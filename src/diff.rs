//! Topology diffs: which findings a change to a topology introduces, resolves or leaves.
//!
//! `kbcheck check --base OLD NEW` checks both files and compares their findings by
//! fingerprint (rule id and entity ids, never line numbers), so moving or reformatting
//! entities does not show up as a change. Each finding of NEW gets a status (`introduced`
//! or `unchanged`); the findings only OLD has are kept, with OLD's locations, as `resolved`.

use crate::finding::Status;
use crate::fingerprint::Fingerprint;
use crate::gate::Checked;
use std::collections::HashSet;

/// The comparison of a base topology with the new one.
#[derive(Debug)]
pub struct Diff {
    /// The base topology; its findings are the resolved ones only.
    pub base: Checked,
    /// Fingerprints, in the order of the findings (rule id, then entity ids).
    pub introduced: Vec<Fingerprint>,
    pub unchanged: Vec<Fingerprint>,
    pub resolved: Vec<Fingerprint>,
}

/// Compare `base` with the new topologies, setting the status of every finding.
pub fn compare(mut base: Checked, new: &mut [Checked]) -> Diff {
    let before: HashSet<Fingerprint> = base.findings.iter().map(|f| f.fingerprint).collect();
    let after: HashSet<Fingerprint> = new
        .iter()
        .flat_map(|c| &c.findings)
        .map(|f| f.fingerprint)
        .collect();
    let mut introduced = Listed::default();
    let mut unchanged = Listed::default();
    for f in new.iter_mut().flat_map(|c| c.findings.iter_mut()) {
        let (status, list) = if before.contains(&f.fingerprint) {
            (Status::Unchanged, &mut unchanged)
        } else {
            (Status::Introduced, &mut introduced)
        };
        f.status = Some(status);
        list.push_once(f.fingerprint);
    }
    base.findings.retain(|f| !after.contains(&f.fingerprint));
    let mut resolved = Listed::default();
    for f in &mut base.findings {
        f.status = Some(Status::Resolved);
        resolved.push_once(f.fingerprint);
    }
    Diff {
        base,
        introduced: introduced.list,
        unchanged: unchanged.list,
        resolved: resolved.list,
    }
}

/// Fingerprints in the order first seen, each once.
#[derive(Default)]
struct Listed {
    list: Vec<Fingerprint>,
    seen: HashSet<Fingerprint>,
}

impl Listed {
    fn push_once(&mut self, fp: Fingerprint) {
        if self.seen.insert(fp) {
            self.list.push(fp);
        }
    }
}
