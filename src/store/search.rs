//! Full-text search over articles: each article's latest title and body in an SQLite FTS5
//! index (`article_search`, migration 0009, rowid = article id). The one search entry point
//! for the CLI (`articles --search`) and the web UI is `articles::list` with
//! `ArticleFilter::search`, which uses `match_expression` here.
//!
//! Kept up to date by `articles::insert_version` inside the poll's write transaction (one
//! FTS row replaced: tokenising one article, no reads). Databases from before the index are
//! filled by `backfill`, in short batches, each its own transaction, so a daemon's polls are
//! never held up behind it.

use rusqlite::{Connection, OptionalExtension, params};

use super::{Result, Store, StoreError, articles};

/// The meta key holding the next article id the backfill has to index; absent once done.
const BACKFILL_KEY: &str = "search_backfill_next";

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

/// Turns what a user typed into an FTS5 query that cannot be a syntax error: every word and
/// every `"quoted phrase"` becomes a quoted FTS5 string (inner `"` doubled), all must match;
/// a trailing `*` keeps its meaning as a prefix search. Operators (`-`, `AND`, `NEAR`,
/// `col:`) are searched as text, never interpreted. `None` when nothing searchable is left.
pub fn match_expression(text: &str) -> Option<String> {
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

/// Articles the index does not cover yet (0 once the backfill is done).
pub fn backfill_remaining(conn: &Connection) -> Result<i64> {
    let next: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = ?1",
            [BACKFILL_KEY],
            |r| r.get(0),
        )
        .optional()?;
    let Some(next) = next.and_then(|n| n.parse::<i64>().ok()) else {
        return Ok(0);
    };
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM articles WHERE id >= ?1",
        [next],
        |r| r.get(0),
    )?)
}

/// Indexes the next `batch` articles of the backfill in one short transaction. Returns how
/// many it indexed, `None` when the backfill was already done.
pub fn backfill_batch(store: &Store, batch: i64) -> Result<Option<usize>> {
    store.write(|tx| {
        let next: Option<String> = tx
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                [BACKFILL_KEY],
                |r| r.get(0),
            )
            .optional()?;
        let Some(next) = next else { return Ok(None) };
        let next: i64 = next.parse().unwrap_or(0);
        let ids: Vec<i64> = tx
            .prepare("SELECT id FROM articles WHERE id >= ?1 ORDER BY id LIMIT ?2")?
            .query_map(params![next, batch], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for &id in &ids {
            // Read inside this transaction: a poll that stored a newer version since has
            // indexed it already, and this writes the same latest text again.
            if let Some(v) = articles::latest_version(tx, id)? {
                index_article(tx, id, &v.title, &v.body)?;
            }
        }
        match ids.last() {
            Some(&last) if ids.len() as i64 == batch => {
                tx.execute(
                    "UPDATE meta SET value = ?2 WHERE key = ?1",
                    params![BACKFILL_KEY, (last + 1).to_string()],
                )?;
            }
            _ => {
                tx.execute("DELETE FROM meta WHERE key = ?1", [BACKFILL_KEY])?;
            }
        }
        Ok(Some(ids.len()))
    })
}

/// Runs the backfill to the end, batch by batch, until `stop` says so. Returns how many
/// articles it indexed.
pub fn backfill(store: &Store, stop: impl Fn() -> bool) -> Result<usize> {
    let mut done = 0;
    while !stop() {
        match backfill_batch(store, BACKFILL_BATCH)? {
            Some(n) => {
                done += n;
                if n == 0 {
                    break;
                }
            }
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
