//! Full-text search over every version of every article, in two SQLite FTS5 indexes:
//! `article_search` (migration 0009, rowid = article id) holds each article's latest title and
//! body, and `version_search` (migration 0022, rowid = version id) holds what each version
//! said that its successor no longer says: its sentences the next version dropped or changed,
//! and its headline if the next one changed it. Every sentence any version had is thus in the
//! latest text or in the row of the last version that still had it, and the index grows with
//! the text that left, not with the number of versions (a version that only adds text adds no
//! history row). The one search entry point for the CLI (`articles --search`) and the web UI
//! is `articles::list` with `ArticleFilter::search`, which pages the hits on the latest text
//! (`latest_ctes`) and then, only when they leave room on the page, those on the history
//! (`history_ctes`).
//!
//! Both are kept up to date by `articles::insert_version` inside the poll's write transaction
//! (one FTS row replaced, one added: tokenising text already in memory). Databases from
//! before either index are filled by `backfill`, in short batches, each its own transaction,
//! so a daemon's polls are never held up behind it.

use std::collections::HashSet;

use rusqlite::{Connection, OptionalExtension, params, types::Value};

use super::{Result, Store, StoreError, articles};

/// The meta key holding the next article id the backfill has to index; absent once done.
const BACKFILL_KEY: &str = "search_backfill_next";
/// The same for the history index (`version_search`, migration 0022).
const HISTORY_KEY: &str = "search_history_next";

/// Articles per history backfill transaction: each decodes every version of the article.
pub const HISTORY_BATCH: i64 = 20;

/// Articles indexed per backfill transaction: each one decompresses a body, so a batch holds
/// the write lock for milliseconds, not seconds.
pub const BACKFILL_BATCH: i64 = 100;

/// Makes the index hold `title` and `body` for the article (its latest version).
pub fn index_article(conn: &Connection, article_id: i64, title: &str, body: &str) -> Result<()> {
    // A contentless-delete table replaces by rowid without being given the old text.
    conn.prepare_cached(
        "INSERT OR REPLACE INTO article_search (rowid, title, body) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![article_id, title, body])?;
    Ok(())
}

/// Indexes, under version `old_id`, what it said that the version after it no longer says:
/// its sentences absent from the new body, and its title if the new one differs. Nothing when
/// the new version only added text, which is what keeps the history index small.
pub fn index_departed(
    conn: &Connection,
    old_id: i64,
    (old_title, old_body): (&str, &str),
    (new_title, new_body): (&str, &str),
) -> Result<()> {
    let kept: HashSet<String> = crate::diff::split_sentences(new_body).into_iter().collect();
    let gone: Vec<String> = crate::diff::split_sentences(old_body)
        .into_iter()
        .filter(|s| !kept.contains(s))
        .collect();
    let title = if old_title != new_title {
        old_title
    } else {
        ""
    };
    if gone.is_empty() && title.is_empty() {
        return Ok(());
    }
    // A paragraph break between sentences, so a phrase cannot run from one into the next.
    conn.prepare_cached(
        "INSERT OR REPLACE INTO version_search (rowid, title, body) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![old_id, title, gone.join("\n\n")])?;
    Ok(())
}

/// `seq` of a term that the latest text holds: larger than any real seq, so the smallest
/// over a query's terms is a version from the history.
const NEWEST: i64 = i64::MAX;

/// The common table expressions that define `hits(article_id, seq, rank)` for the articles
/// whose latest text matches the whole query (`full`, the parameter holding
/// `match_expression`), `seq` NULL. In `articles::list`'s order every one of them comes
/// before every history hit, so a page is filled from these first and `history_ctes` runs
/// only for what they leave.
pub(super) fn latest_ctes(full: &str) -> String {
    format!(
        "latest(article_id, rank) AS MATERIALIZED (SELECT rowid, rank FROM article_search \
         WHERE article_search MATCH {full}), \
         hits(article_id, seq, rank) AS (SELECT article_id, NULL, rank FROM latest)"
    )
}

/// The common table expressions that define `hits(article_id, seq, rank)` for the articles
/// whose latest text does not match `full` but whose history does, `seq` the version the hit
/// opens. Each term must be in the latest text or the history; the version is the smallest
/// over the terms of the newest version holding that term (exact for one word or one phrase;
/// for several words it is the newest version holding the word that left the text first).
/// `terms` are `match_terms`, bound from `?{first}` on.
pub(super) fn history_ctes(
    terms: &[String],
    full: &str,
    first: usize,
    args: &mut Vec<Value>,
) -> String {
    let many = terms.len() > 1;
    // Only the ids: this set is what the history hits are not, never ranked here.
    let mut ctes = vec![format!(
        "latest(article_id) AS MATERIALIZED (SELECT rowid FROM article_search \
         WHERE article_search MATCH {full})"
    )];
    let (mut union, mut joins, mut conds, mut seqs, mut ranks) = (
        Vec::new(),
        String::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    for (i, t) in terms.iter().enumerate() {
        let p = format!("?{}", first + i);
        args.push(Value::from(t.clone()));
        ctes.push(format!(
            "h{i}(article_id, seq, rank) AS MATERIALIZED (SELECT v.article_id, MAX(v.seq), \
             MIN(h.rank) FROM version_search h JOIN versions v ON v.id = h.rowid \
             WHERE version_search MATCH {p} GROUP BY v.article_id)"
        ));
        union.push(format!("SELECT article_id FROM h{i}"));
        joins.push_str(&format!(
            " LEFT JOIN h{i} ON h{i}.article_id = c.article_id"
        ));
        if many {
            ctes.push(format!(
                "l{i}(article_id) AS MATERIALIZED (SELECT rowid FROM article_search \
                 WHERE article_search MATCH {p})"
            ));
            conds.push(format!("(h{i}.seq IS NOT NULL OR c.article_id IN l{i})"));
            seqs.push(format!(
                "CASE WHEN c.article_id IN l{i} THEN {NEWEST} ELSE h{i}.seq END"
            ));
            ranks.push(format!("COALESCE(h{i}.rank, 0)"));
        } else {
            seqs.push(format!("h{i}.seq"));
            ranks.push(format!("h{i}.rank"));
        }
    }
    // A one-argument MIN is the aggregate; several arguments are the scalar minimum.
    let (seq, rank) = if many {
        (
            format!("NULLIF(MIN({}), {NEWEST})", seqs.join(", ")),
            format!("MIN({})", ranks.join(", ")),
        )
    } else {
        (seqs.join(""), ranks.join(""))
    };
    let conds = if conds.is_empty() {
        String::new()
    } else {
        format!(" AND {}", conds.join(" AND "))
    };
    ctes.push(format!(
        "history(article_id, seq, rank) AS (SELECT c.article_id, {seq}, {rank} \
         FROM ({}) c{joins} WHERE c.article_id NOT IN (SELECT article_id FROM latest){conds})",
        union.join(" UNION ")
    ));
    ctes.push(
        "hits(article_id, seq, rank) AS (SELECT article_id, seq, rank FROM history \
         WHERE seq IS NOT NULL)"
            .to_string(),
    );
    ctes.join(", ")
}

/// The quoted FTS5 terms of what a user typed (see `match_expression`), one per word or
/// phrase.
pub fn match_terms(text: &str) -> Vec<String> {
    let mut terms = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut term = String::new();
        if c == '"' {
            chars.next();
            for n in chars.by_ref() {
                if n == '"' {
                    break;
                }
                term.push(n);
            }
        } else {
            while let Some(&n) = chars.peek() {
                if n.is_whitespace() || n == '"' {
                    break;
                }
                term.push(n);
                chars.next();
            }
        }
        let prefix = term.ends_with('*');
        let term = term.trim_end_matches('*').trim();
        // Punctuation alone tokenises to nothing, and an empty phrase matches nothing.
        if !term.chars().any(char::is_alphanumeric) {
            continue;
        }
        terms.push(format!(
            "\"{}\"{}",
            term.replace('"', "\"\""),
            if prefix { "*" } else { "" }
        ));
    }
    terms
}

/// Turns what a user typed into an FTS5 query that cannot be a syntax error: every word and
/// every `"quoted phrase"` becomes a quoted FTS5 string (inner `"` doubled), all must match;
/// a trailing `*` keeps its meaning as a prefix search. Operators (`-`, `AND`, `NEAR`,
/// `col:`) are searched as text, never interpreted. `None` when nothing searchable is left.
pub fn match_expression(text: &str) -> Option<String> {
    let terms = match_terms(text);
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// The FTS5 expression for `text`, or an error that says why there is nothing to search.
pub fn require_match(text: &str) -> Result<String> {
    match_expression(text).ok_or_else(|| {
        StoreError::Invalid(format!(
            "nothing to search for in `{}`: give at least one word",
            text.trim()
        ))
    })
}

fn backfill_next(conn: &Connection, key: &str) -> Result<Option<i64>> {
    let next: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?;
    Ok(next.map(|n| n.parse().unwrap_or(0)))
}

/// Articles the indexes do not fully cover yet (0 once both backfills are done): those whose
/// latest text is not indexed plus those whose history is not.
pub fn backfill_remaining(conn: &Connection) -> Result<i64> {
    let mut left = 0;
    for key in [BACKFILL_KEY, HISTORY_KEY] {
        if let Some(next) = backfill_next(conn, key)? {
            left += conn.query_row(
                "SELECT COUNT(*) FROM articles WHERE id >= ?1",
                [next],
                |r| r.get::<_, i64>(0),
            )?;
        }
    }
    Ok(left)
}

/// Indexes the next `batch` articles of the backfill in one short transaction: their latest
/// text first, then (once that is done) their history, `HISTORY_BATCH` at most per call since
/// each decodes every version. Returns how many articles it indexed, `None` when both
/// backfills were already done.
pub fn backfill_batch(store: &Store, batch: i64) -> Result<Option<usize>> {
    store.write(|tx| {
        let (key, batch) = match backfill_next(tx, BACKFILL_KEY)? {
            Some(_) => (BACKFILL_KEY, batch),
            None if backfill_next(tx, HISTORY_KEY)?.is_some() => {
                (HISTORY_KEY, batch.min(HISTORY_BATCH))
            }
            None => return Ok(None),
        };
        let next = backfill_next(tx, key)?.unwrap_or(0);
        let ids: Vec<i64> = tx
            .prepare("SELECT id FROM articles WHERE id >= ?1 ORDER BY id LIMIT ?2")?
            .query_map(params![next, batch], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for &id in &ids {
            // Read inside this transaction: a poll that stored a newer version since has
            // indexed it already, and this writes the same rows again.
            if key == BACKFILL_KEY {
                if let Some(v) = articles::latest_version(tx, id)? {
                    index_article(tx, id, &v.title, &v.body)?;
                }
            } else {
                let versions = articles::versions(tx, id)?;
                for pair in versions.windows(2) {
                    let (old, new) = (&pair[0], &pair[1]);
                    index_departed(tx, old.id, (&old.title, &old.body), (&new.title, &new.body))?;
                }
            }
        }
        match ids.last() {
            Some(&last) if ids.len() as i64 == batch => {
                tx.execute(
                    "UPDATE meta SET value = ?2 WHERE key = ?1",
                    params![key, (last + 1).to_string()],
                )?;
            }
            _ => {
                tx.execute("DELETE FROM meta WHERE key = ?1", [key])?;
            }
        }
        Ok(Some(ids.len()))
    })
}

/// Runs the backfills to the end, batch by batch, until `stop` says so. Returns how many
/// articles it indexed (an article whose latest text and history were both missing counts
/// twice).
pub fn backfill(store: &Store, stop: impl Fn() -> bool) -> Result<usize> {
    let mut done = 0;
    while !stop() {
        match backfill_batch(store, BACKFILL_BATCH)? {
            Some(n) => done += n,
            None => break,
        }
    }
    if done > 0 {
        tracing::info!(articles = done, "search index backfilled");
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_is_quoted_so_fts_syntax_is_searched_as_text() {
        assert_eq!(
            match_expression("dam spillway").as_deref(),
            Some("\"dam\" \"spillway\"")
        );
        assert_eq!(
            match_expression("\"prime minister\" resign*").as_deref(),
            Some("\"prime minister\" \"resign\"*")
        );
        assert_eq!(
            match_expression("say \"no -").as_deref(),
            Some("\"say\" \"no -\"")
        );
        assert_eq!(
            match_expression("covid-19 NOT title:x").as_deref(),
            Some("\"covid-19\" \"NOT\" \"title:x\"")
        );
        assert_eq!(match_expression(" - \"\" * "), None);
        assert_eq!(
            match_expression("O\"Neil").as_deref(),
            Some("\"O\" \"Neil\"")
        );
    }
}
