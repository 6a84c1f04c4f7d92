-- What each version said about its own last change, besides `modified` (the page's
-- machine-readable stamp, or the feed's `updated` for feed text): the feed entry's `updated`,
-- the page's HTTP Last-Modified, a visible update line ("Updated 14:05 GMT") and correction
-- notices. A stealth edit is one where the text changed and none of these did, so they are
-- kept per version and the comparison per change (`stealth_evidence`, JSON: which kinds were
-- seen on either side, before, after, changed). NULL on rows written before this migration:
-- unknown, not "none seen".
ALTER TABLE versions ADD COLUMN feed_updated TEXT;
ALTER TABLE versions ADD COLUMN http_last_modified TEXT;
ALTER TABLE versions ADD COLUMN update_line TEXT;
ALTER TABLE versions ADD COLUMN notice TEXT;
ALTER TABLE changes ADD COLUMN stealth_evidence TEXT;
