-- Full-text search over each article's latest title and body (`articles --search`, and the web
-- UI through `store::search`). Contentless: the text already lives in `versions` (compressed),
-- so the index keeps only its postings; `contentless_delete` lets a new version replace the
-- article's row (rowid = articles.id). Diacritics are folded so "Bogota" finds "Bogotá".
CREATE VIRTUAL TABLE article_search USING fts5 (
    title,
    body,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
-- Articles stored before this migration are indexed by a batched backfill outside the
-- migration (`search::backfill`), from this article id up; the key is deleted once done.
INSERT INTO meta (key, value) SELECT 'search_backfill_next', '0' WHERE EXISTS (SELECT 1 FROM articles);
-- Deleting an article (feed removed) drops its postings too; a contentless table has no
-- text to delete them from on its own.
CREATE TRIGGER article_search_forget AFTER DELETE ON articles BEGIN
    DELETE FROM article_search WHERE rowid = old.id;
END;
