//! Helpers shared by the claim tests.

use super::claim_changes;
use crate::diff::revision;

pub(super) fn changes(old: &str, new: &str) -> Vec<(String, Option<String>, Option<String>)> {
    claim_changes(&revision(old, new))
        .into_iter()
        .map(|c| (c.kind.as_str().to_string(), c.before, c.after))
        .collect()
}

pub(super) fn one(
    kind: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> Vec<(String, Option<String>, Option<String>)> {
    vec![(
        kind.to_string(),
        before.map(String::from),
        after.map(String::from),
    )]
}
