-- A feed row is either a feed document ('feed') or one article page watched on its own
-- ('page', `redline watch URL`): no document to parse, one article whose page is re-checked on
-- the ladder. Keeping it a feed row lets versions, changes, alerts, `feeds list` and
-- `feeds remove` treat it like any other source.
ALTER TABLE feeds ADD COLUMN kind TEXT NOT NULL DEFAULT 'feed' CHECK (kind IN ('feed', 'page'));

-- An alert row held back by its alert's `max_per_hour`: not sent on its own but folded, with
-- the other held rows of that alert, into one digest delivery at the end of the hour.
ALTER TABLE outbox ADD COLUMN folded INTEGER NOT NULL DEFAULT 0;
-- The limit counts an alert's unfolded rows of the last hour.
CREATE INDEX outbox_by_alert_time ON outbox (alert, created_at);
