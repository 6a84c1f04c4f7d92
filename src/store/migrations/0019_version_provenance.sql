-- Provenance of each version: the HTTP status of the fetch it came from (the page's for page
-- text, the feed's for feed text) and what made its text ("redline-extract/<version>" for
-- extracted pages, "feed" for feed text). Versions stored before this stay NULL: not recorded.
ALTER TABLE versions ADD COLUMN http_status INTEGER;
ALTER TABLE versions ADD COLUMN extractor TEXT;
