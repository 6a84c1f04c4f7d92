-- When the feed last answered with a body (a 200, even with the same bytes), so a server that
-- answers 304 for ever is re-fetched without validators and a feed that never delivered any
-- content is flagged. A feed already parsed had a body at its last success.
ALTER TABLE feeds ADD COLUMN last_body_at INTEGER;
UPDATE feeds SET last_body_at = last_ok_at WHERE body_hash IS NOT NULL;
