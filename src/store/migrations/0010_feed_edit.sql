-- `feeds edit`: a paused feed keeps its row, history and schedule but is not polled (neither
-- the feed document nor its pages) until resumed. Tags are the user's own grouping; both are
-- database-only state, so a config sync never touches them.
ALTER TABLE feeds ADD COLUMN paused INTEGER NOT NULL DEFAULT 0;
CREATE TABLE feed_tags (
    feed_id INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    tag     TEXT    NOT NULL,
    PRIMARY KEY (feed_id, tag)
) STRICT, WITHOUT ROWID;
