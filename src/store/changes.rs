//! Change records and their claim changes, written in the same transaction as the version
//! they describe, so `log` is a query and never a recomputation.

use rusqlite::{Connection, Row, params};

use super::Result;

/// Silent: an edit whose new version shows no notice or update line that the old one did not.
// The stored flag (CLAIMS.md v2: claim changes and no notice added); changes recorded before
// it existed fall back to "the new version shows no new notice or update line".
pub const SILENT_SQL: &str = "COALESCE(c.silent, c.kind = 'edit' AND NOT EXISTS (SELECT 1 FROM versions vt \
     LEFT JOIN versions vf ON vf.article_id = vt.article_id AND vf.seq = c.from_seq \
     WHERE vt.article_id = c.article_id AND vt.seq = c.to_seq \
       AND ((vt.notice IS NOT NULL AND vt.notice IS NOT vf.notice) \
         OR (vt.update_line IS NOT NULL AND vt.update_line IS NOT vf.update_line))))";

/// One claim change as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClaimRow {
    pub kind: String,
    /// `title` or `body`; rows stored before claim fields existed are body claims.
    #[serde(default = "body_field")]
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub before_sentence: Option<String>,
    pub after_sentence: Option<String>,
}

fn body_field() -> String {
    "body".to_string()
}

/// A change to be written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewChange {
    pub article_id: i64,
    pub from_seq: Option<i64>,
    pub to_seq: Option<i64>,
    /// "edit" or "unpublished".
    pub kind: &'static str,
    pub fields: Vec<&'static str>,
    pub sentences_added: i64,
    pub sentences_removed: i64,
    pub sentences_edited: i64,
    pub sentences_moved: i64,
    pub cosmetic: bool,
    pub stealth: bool,
    /// The stamps compared to decide `stealth` (edits only).
    pub evidence: Option<crate::stamps::StealthEvidence>,
    pub revert_of: Option<i64>,
    pub significance: f64,
    pub claims: Vec<ClaimRow>,
    /// Notices that appeared or disappeared (edits only).
    pub notices: Vec<crate::notices::Notice>,
    /// At least one claim change and no notice added (CLAIMS.md `silent`).
    pub silent: bool,
    /// Set when the diff was simplified to stay within its limits: why.
    pub simplified: Option<String>,
}

fn notices_json(c: &NewChange) -> Option<String> {
    // An unpublished record compares no texts: unknown, not "none".
    (c.kind == "edit").then(|| serde_json::to_string(&c.notices).unwrap_or_else(|_| "[]".into()))
}

fn silent_value(c: &NewChange) -> Option<bool> {
    (c.kind == "edit").then_some(c.silent)
}

fn evidence_json(e: Option<&crate::stamps::StealthEvidence>) -> Option<String> {
    e.and_then(|e| serde_json::to_string(e).ok())
}

pub fn insert(conn: &Connection, c: &NewChange, now: i64) -> Result<i64> {
    conn.execute(
        "INSERT INTO changes (article_id, from_seq, to_seq, created_at, kind, fields, sentences_added, \
         sentences_removed, sentences_edited, sentences_moved, cosmetic, stealth, revert_of, significance, \
         simplified, stealth_evidence, notices, silent) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
        params![
            c.article_id,
            c.from_seq,
            c.to_seq,
            now,
            c.kind,
            c.fields.join(","),
            c.sentences_added,
            c.sentences_removed,
            c.sentences_edited,
            c.sentences_moved,
            c.cosmetic,
            c.stealth,
            c.revert_of,
            c.significance,
            c.simplified,
            evidence_json(c.evidence.as_ref()),
            notices_json(c),
            silent_value(c)
        ],
    )?;
    let id = conn.last_insert_rowid();
    insert_claims(conn, id, &c.claims)?;
    Ok(id)
}

fn insert_claims(conn: &Connection, change_id: i64, claims: &[ClaimRow]) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO claim_changes (change_id, ord, kind, before, after, before_sentence, after_sentence, field) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for (i, cl) in claims.iter().enumerate() {
        stmt.execute(params![
            change_id,
            i as i64,
            cl.kind,
            cl.before,
            cl.after,
            cl.before_sentence,
            cl.after_sentence,
            cl.field
        ])?;
    }
    Ok(())
}

/// Replaces the computed parts of an existing change (used by `reprocess`).
pub fn update_computed(conn: &Connection, change_id: i64, c: &NewChange) -> Result<()> {
    conn.execute(
        "UPDATE changes SET fields = ?2, sentences_added = ?3, sentences_removed = ?4, \
         sentences_edited = ?5, sentences_moved = ?6, cosmetic = ?7, stealth = ?8, significance = ?9, \
         simplified = ?10, stealth_evidence = ?11, notices = ?12, silent = ?13 WHERE id = ?1",
        params![
            change_id,
            c.fields.join(","),
            c.sentences_added,
            c.sentences_removed,
            c.sentences_edited,
            c.sentences_moved,
            c.cosmetic,
            c.stealth,
            c.significance,
            c.simplified,
            evidence_json(c.evidence.as_ref()),
            notices_json(c),
            silent_value(c)
        ],
    )?;
    conn.execute(
        "DELETE FROM claim_changes WHERE change_id = ?1",
        [change_id],
    )?;
    insert_claims(conn, change_id, &c.claims)
}

/// A stored change, with where it happened.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ChangeRow {
    pub id: i64,
    pub article_id: i64,
    pub feed_id: i64,
    pub feed: String,
    pub url: String,
    pub title: Option<String>,
    pub from_seq: Option<i64>,
    pub to_seq: Option<i64>,
    pub created_at: i64,
    pub kind: String,
    pub fields: Vec<String>,
    pub sentences_added: i64,
    pub sentences_removed: i64,
    pub sentences_edited: i64,
    pub sentences_moved: i64,
    pub cosmetic: bool,
    pub stealth: bool,
    /// What the stealth flag was judged by; `None` for changes recorded before redline kept it.
    pub stealth_evidence: Option<crate::stamps::StealthEvidence>,
    pub revert_of: Option<i64>,
    pub significance: f64,
    pub claims: Vec<ClaimRow>,
    /// Notices that appeared or disappeared; `None` for changes recorded before redline
    /// looked for them (migration 0014) until `reprocess`, and for unpublished pages.
    pub notices: Option<Vec<crate::notices::Notice>>,
    /// Claim changes and no notice added; `None` where `notices` is.
    pub silent: Option<bool>,
    /// Why the diff was simplified, if it was.
    pub simplified: Option<String>,
}

/// Filters for `log` and `export`.
#[derive(Debug, Clone, Default)]
pub struct ChangeFilter {
    pub since: Option<i64>,
    pub feed_id: Option<i64>,
    pub article_id: Option<i64>,
    pub limit: Option<i64>,
    /// Rows skipped first (paging).
    pub offset: i64,
    /// Only silent changes (claim changes, no notice added).
    pub silent_only: bool,
}

fn change_from_row(r: &Row<'_>) -> rusqlite::Result<ChangeRow> {
    let fields: String = r.get(9)?;
    Ok(ChangeRow {
        id: r.get(0)?,
        article_id: r.get(1)?,
        feed: r.get(2)?,
        url: r.get(3)?,
        title: r.get(4)?,
        from_seq: r.get(5)?,
        to_seq: r.get(6)?,
        created_at: r.get(7)?,
        kind: r.get(8)?,
        fields: fields
            .split(',')
            .filter(|f| !f.is_empty())
            .map(String::from)
            .collect(),
        sentences_added: r.get(10)?,
        sentences_removed: r.get(11)?,
        sentences_edited: r.get(12)?,
        sentences_moved: r.get(13)?,
        cosmetic: r.get(14)?,
        stealth: r.get(15)?,
        revert_of: r.get(16)?,
        significance: r.get(17)?,
        simplified: r.get(18)?,
        stealth_evidence: r
            .get::<_, Option<String>>(19)?
            .and_then(|j| serde_json::from_str(&j).ok()),
        feed_id: r.get(20)?,
        notices: r
            .get::<_, Option<String>>(21)?
            .and_then(|j| serde_json::from_str(&j).ok()),
        silent: r.get(22)?,
        claims: Vec::new(),
    })
}

/// Changes, newest first, with their claim changes.
pub fn list(conn: &Connection, f: &ChangeFilter) -> Result<Vec<ChangeRow>> {
    let mut stmt = conn.prepare(
        "SELECT c.id, c.article_id, COALESCE(fd.name, 'f' || fd.id), a.url, \
           (SELECT title FROM versions v WHERE v.article_id = c.article_id \
              AND v.seq = COALESCE(c.to_seq, c.from_seq)), \
           c.from_seq, c.to_seq, c.created_at, c.kind, c.fields, c.sentences_added, \
           c.sentences_removed, c.sentences_edited, c.sentences_moved, c.cosmetic, c.stealth, \
           c.revert_of, c.significance, c.simplified, c.stealth_evidence, fd.id, c.notices, c.silent \
         FROM changes c JOIN articles a ON a.id = c.article_id JOIN feeds fd ON fd.id = a.feed_id \
         WHERE (?1 IS NULL OR c.created_at >= ?1) AND (?2 IS NULL OR a.feed_id = ?2) \
           AND (?3 IS NULL OR c.article_id = ?3) AND (?6 = 0 OR c.silent = 1) \
         ORDER BY c.created_at DESC, c.id DESC LIMIT ?4 OFFSET ?5",
    )?;
    let mut rows: Vec<ChangeRow> = stmt
        .query_map(
            params![
                f.since,
                f.feed_id,
                f.article_id,
                f.limit.unwrap_or(-1),
                f.offset.max(0),
                f.silent_only
            ],
            change_from_row,
        )?
        .collect::<rusqlite::Result<_>>()?;
    let mut claims = conn.prepare_cached(
        "SELECT kind, before, after, before_sentence, after_sentence, field FROM claim_changes \
         WHERE change_id = ?1 ORDER BY ord",
    )?;
    for row in &mut rows {
        row.claims = claims
            .query_map([row.id], |r| {
                Ok(ClaimRow {
                    kind: r.get(0)?,
                    before: r.get(1)?,
                    after: r.get(2)?,
                    before_sentence: r.get(3)?,
                    after_sentence: r.get(4)?,
                    field: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
    }
    Ok(rows)
}

/// Every edit change, oldest first, for `reprocess`: (id, article_id, from_seq, to_seq).
pub fn all_edits(conn: &Connection) -> Result<Vec<(i64, i64, i64, i64)>> {
    let mut stmt = conn.prepare(
        "SELECT id, article_id, from_seq, to_seq FROM changes \
         WHERE kind = 'edit' AND from_seq IS NOT NULL AND to_seq IS NOT NULL ORDER BY id",
    )?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}
