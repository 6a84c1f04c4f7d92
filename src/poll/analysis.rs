//! Diff and claims of a poll's new versions, computed *before* its write transaction.
//!
//! The transaction is the database's one write lock: while it is open no other feed, no
//! `feeds add`, no heartbeat can write. Analysing an edit is the only expensive part of
//! storing it, so `precompute` reads the latest version of every article this poll may add a
//! version to (a short read), lets go of the database, and analyses each pair. The transaction
//! then only writes: `record_snapshot` takes the precomputed analysis when the latest version
//! it reads there is still the one analysed (same row, same snapshot), and analyses inline
//! otherwise, so a concurrent writer can cost time but never a wrong or missing record.

use std::collections::HashMap;

use rusqlite::Connection;

use super::{EntryMatcher, PageJob, PageResult, feed_snapshot};
use crate::feed::FeedEntry;
use crate::normalize::Snapshot;
use crate::store::articles::{self, Version};
use crate::store::feeds::FeedRow;
use crate::store::{Store, StoreError};
use crate::version::{Analysis, Decision, analyze, decide};

/// Analyses computed ahead of the write, by article.
#[derive(Default)]
pub(super) struct Precomputed {
    by_article: HashMap<i64, Ahead>,
    /// How many were used in the transaction, and how many had to be redone there.
    pub hits: usize,
    pub misses: usize,
}

struct Ahead {
    /// Row id of the version analysed against (versions are never rewritten).
    prev_id: i64,
    snapshot: Snapshot,
    cosmetic: bool,
    analysis: Analysis,
}

impl Precomputed {
    /// The analysis of `snap` against `prev`, if it was computed ahead for exactly these;
    /// otherwise computed now (inside the caller's transaction: correct, only slower).
    pub fn analysis_for(
        &mut self,
        article_id: i64,
        prev: &Version,
        snap: &Snapshot,
        cosmetic: bool,
    ) -> Analysis {
        match self.by_article.remove(&article_id) {
            Some(a)
                if a.prev_id == prev.id && a.cosmetic == cosmetic && same(&a.snapshot, snap) =>
            {
                self.hits += 1;
                a.analysis
            }
            _ => {
                self.misses += 1;
                tracing::debug!(
                    article_id,
                    "latest version changed since the read: analysing inside the transaction"
                );
                analyze(prev.into(), snap.into(), cosmetic)
            }
        }
    }
}

/// Same observed text and metadata (the derived `==` also compares the hash cache).
fn same(a: &Snapshot, b: &Snapshot) -> bool {
    (
        &a.title,
        &a.byline,
        &a.url,
        &a.published,
        &a.modified,
        &a.body,
        a.source,
    ) == (
        &b.title,
        &b.byline,
        &b.url,
        &b.published,
        &b.modified,
        &b.body,
        b.source,
    )
}

/// Reads what a poll's new versions will be compared with, then analyses every edit with the
/// database released. Mirrors `commit_poll`'s choice of article per entry; a wrong guess only
/// means the transaction analyses that one itself.
pub(super) fn precompute(
    store: &Store,
    feed: &FeedRow,
    entries: Option<&[FeedEntry]>,
    pages: &[(PageJob, PageResult)],
) -> Result<Precomputed, StoreError> {
    let pairs = store.read(|conn| candidates(conn, feed, entries, pages))?;
    let mut out = Precomputed::default();
    for (article_id, prev, snapshot) in pairs {
        let cosmetic = match decide(Some(&prev), &snapshot, || None) {
            Decision::New { cosmetic, .. } => cosmetic,
            // Becomes a version (not cosmetic) once the same cut is confirmed.
            Decision::FailedExtraction { .. } => false,
            Decision::First | Decision::Unchanged => continue,
        };
        let analysis = analyze((&prev).into(), (&snapshot).into(), cosmetic);
        out.by_article.insert(
            article_id,
            Ahead {
                prev_id: prev.id,
                snapshot,
                cosmetic,
                analysis,
            },
        );
    }
    Ok(out)
}

/// (article, its latest version, the snapshot that may follow it) for every snapshot the poll
/// will try to record against an existing version.
fn candidates(
    conn: &Connection,
    feed: &FeedRow,
    entries: Option<&[FeedEntry]>,
    pages: &[(PageJob, PageResult)],
) -> Result<Vec<(i64, Version, Snapshot)>, StoreError> {
    let mut snaps: Vec<(i64, Snapshot)> = Vec::new();
    let mut entry_articles: HashMap<&str, i64> = HashMap::new();
    let mut matcher = EntryMatcher::new(entries.unwrap_or(&[]));
    for e in entries.unwrap_or(&[]) {
        let Some(a) = matcher.find(conn, feed.id, e)? else {
            continue;
        };
        if !matcher.take(a.id) {
            continue;
        }
        entry_articles.insert(e.id.as_str(), a.id);
        let unchanged = a.entry_hash.as_deref() == Some(e.entry_hash().as_str());
        if !feed.full_text && !unchanged {
            snaps.push((a.id, feed_snapshot(e)));
        }
    }
    for (job, result) in pages {
        let PageResult::Extracted { snapshot, .. } = result else {
            continue;
        };
        let article = match (&job.article, &job.entry_id) {
            (Some(a), _) => Some(a.id),
            (None, Some(id)) => entry_articles.get(id.as_str()).copied(),
            (None, None) => None,
        };
        if let Some(id) = article {
            snaps.push((id, (**snapshot).clone()));
        }
    }
    let mut out = Vec::new();
    for (id, snap) in snaps {
        if let Some(prev) = articles::latest_version(conn, id)? {
            out.push((id, prev, snap));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::feeds;

    fn entry(body: &str) -> FeedEntry {
        FeedEntry {
            id: "harbour-1".into(),
            url: "https://chronicle.example/harbour".into(),
            title: "Harbour reopens after storm".into(),
            authors: vec!["Maria Okafor".into()],
            published: None,
            updated: None,
            created: None,
            content: Some(body.into()),
            summary: None,
            links: Vec::new(),
            details: Default::default(),
        }
    }

    const V1: &str = "The harbour reopened on Tuesday after a four-day closure. Officials said 40 boats were damaged.";
    const V2: &str = "The harbour reopened on Tuesday after a four-day closure. Officials said 55 boats were damaged.";
    const V3: &str = "The harbour reopened on Wednesday after a five-day closure. Officials said 55 boats were damaged.";

    /// A store with one feed-only feed whose one article has version 1 (`V1`).
    fn store_with_article() -> (tempfile::TempDir, Store, FeedRow, i64) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("redline.db")).expect("store");
        let e = entry(V1);
        let (feed, id) = store
            .write(|tx| {
                let feed = feeds::add(
                    tx,
                    "https://chronicle.example/feed.xml",
                    None,
                    None,
                    false,
                    0,
                )?;
                let id = articles::insert(tx, feed.id, &e.id, &e.url, &e.entry_hash(), 0)?;
                articles::insert_version(tx, id, 1, &feed_snapshot(&e), false, None, None, 0)?;
                Ok((feed, id))
            })
            .expect("seed");
        (dir, store, feed, id)
    }

    #[test]
    fn edit_is_analysed_before_the_transaction_and_used_there() {
        let (_dir, store, feed, id) = store_with_article();
        let e2 = entry(V2);
        let mut ahead =
            precompute(&store, &feed, Some(std::slice::from_ref(&e2)), &[]).expect("precompute");
        assert_eq!(
            ahead.by_article.len(),
            1,
            "the edited article is analysed ahead"
        );
        let prev = store
            .read(|c| articles::latest_version(c, id))
            .expect("read")
            .expect("v1");
        let snap = feed_snapshot(&e2);
        let a = ahead.analysis_for(id, &prev, &snap, false);
        assert_eq!((ahead.hits, ahead.misses), (1, 0));
        assert_eq!(a.change.claims.len(), 1, "{:?}", a.change.claims);
        assert_eq!(a.change.claims[0].kind, "number_changed");
    }

    #[test]
    fn a_version_written_in_between_is_analysed_again() {
        let (_dir, store, feed, id) = store_with_article();
        let e3 = entry(V3);
        let mut ahead =
            precompute(&store, &feed, Some(std::slice::from_ref(&e3)), &[]).expect("precompute");
        // Another writer stores version 2 between the read and the write.
        let v2 = feed_snapshot(&entry(V2));
        store
            .write(|tx| articles::insert_version(tx, id, 2, &v2, false, None, Some((1, V1)), 0))
            .expect("concurrent write");
        let prev = store
            .read(|c| articles::latest_version(c, id))
            .expect("read")
            .expect("v2");
        assert_eq!(prev.seq, 2);
        let snap = feed_snapshot(&e3);
        let a = ahead.analysis_for(id, &prev, &snap, false);
        assert_eq!((ahead.hits, ahead.misses), (0, 1));
        // Described against version 2 (only the day and the duration changed), not version 1.
        let direct = analyze((&prev).into(), (&snap).into(), false);
        assert_eq!(a.change, direct.change);
        assert!(
            a.change
                .claims
                .iter()
                .all(|c| c.kind != "number_changed" || c.before.as_deref() != Some("40")),
            "{:?}",
            a.change.claims
        );
    }
}
