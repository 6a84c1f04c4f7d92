-- A feed row is either a feed document ('feed') or one article page watched on its own
-- ('page', `redline watch URL`): no document to parse, one article whose page is re-checked on
-- the ladder. Keeping it a feed row lets versions, changes, alerts, `feeds list` and
-- `feeds remove` treat it like any other source.
ALTER TABLE feeds ADD COLUMN kind TEXT NOT NULL DEFAULT 'feed' CHECK (kind IN ('feed', 'page'));
