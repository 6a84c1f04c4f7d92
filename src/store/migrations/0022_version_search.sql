-- Search over every version (#13), sized like the text that ever existed rather than like
-- every version: `article_search` keeps each article's latest text, and this table keeps what
-- each version said that its successor no longer says (its sentences the next version does
-- not have, and its headline if the next one changed it), under that version's id. Every
-- sentence of any version is therefore in the latest text or in the row of the last version
-- that still had it, so a search finds the newest version holding each word. Contentless, as
-- article_search: the text lives in `versions`.
CREATE VIRTUAL TABLE version_search USING fts5 (
    title,
    body,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
-- Versions stored before this are indexed by the batched backfill outside the migration
-- (`search::backfill`), from this article id up; the key is deleted once done.
INSERT INTO meta (key, value) SELECT 'search_history_next', '0'
    WHERE EXISTS (SELECT 1 FROM versions WHERE seq > 1);
-- A version deleted (with its article, when a feed is removed) takes its postings along.
CREATE TRIGGER version_search_forget AFTER DELETE ON versions BEGIN
    DELETE FROM version_search WHERE rowid = old.id;
END;
