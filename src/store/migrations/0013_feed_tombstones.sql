-- Feeds removed with `feeds remove` while the config listed them. A config sync skips these
-- URLs, so a removed feed stays removed until `feeds add URL` or `feeds sync
-- --restore-removed` brings it back.
CREATE TABLE feed_tombstones (
    url        TEXT PRIMARY KEY,
    removed_at INTEGER NOT NULL
) STRICT;

-- The outbox is pruned by delivery time (`delivery.keep`).
CREATE INDEX outbox_delivered ON outbox (delivered_at) WHERE delivered_at IS NOT NULL;
