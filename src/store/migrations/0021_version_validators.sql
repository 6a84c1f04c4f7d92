-- The HTTP validators of the fetch each version came from (the page's for page text, the
-- feed's for feed text), so the provenance panel can show them per version rather than only
-- the article's latest page fetch. Versions stored before this stay NULL: not recorded.
ALTER TABLE versions ADD COLUMN etag TEXT;
ALTER TABLE versions ADD COLUMN last_modified TEXT;
