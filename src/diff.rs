//! Topology diffs: which findings a change to a topology introduces, resolves or leaves.
//!
//! `kbcheck check --base OLD NEW` checks both files and compares their findings by
//! fingerprint (rule id and entity ids, never line numbers), so moving or reformatting
//! entities does not show up as a change. Each finding of NEW gets a status (`introduced`
//! or `unchanged`); the findings only OLD has are kept, with OLD's locations, as `resolved`.

use crate::finding::Status;
use crate::gate::Checked;
use std::collections::HashSet;

/// The comparison of a base topology with the new one.
#[derive(Debug)]
pub struct Diff {
    /// The base topology; its findings are the resolved ones only.
    pub base: Checked,
    /// Fingerprints, in the order of the findings (rule id, then entity ids).
    pub introduced: Vec<String>,
    pub unchanged: Vec<String>,
    pub resolved: Vec<String>,
}

/// Compare `base` with the new topologies, setting the status of every finding.
pub fn compare(mut base: Checked, new: &mut [Checked]) -> Diff {
    let before: HashSet<String> = base
        .findings
        .iter()
        .map(|f| f.fingerprint.clone())
        .collect();
    let after: HashSet<String> = new
        .iter()
        .flat_map(|c| &c.findings)
        .map(|f| f.fingerprint.clone())
        .collect();
    let mut introduced = Vec::new();
    let mut unchanged = Vec::new();
    for f in new.iter_mut().flat_map(|c| c.findings.iter_mut()) {
        let (status, list) = if before.contains(&f.fingerprint) {
            (Status::Unchanged, &mut unchanged)
        } else {
            (Status::Introduced, &mut introduced)
        };
        f.status = Some(status);
        push_once(list, &f.fingerprint);
    }
    base.findings.retain(|f| !after.contains(&f.fingerprint));
    let mut resolved = Vec::new();
    for f in &mut base.findings {
        f.status = Some(Status::Resolved);
        push_once(&mut resolved, &f.fingerprint);
    }
    Diff {
        base,
        introduced,
        unchanged,
        resolved,
    }
}

fn push_once(list: &mut Vec<String>, fp: &str) {
    if !list.iter().any(|x| x == fp) {
        list.push(fp.to_owned());
    }
}
