-- Archived copies of versions (`[archive]`): one row per version asked for. A row exists
-- from the first capture request on; `job_id` is the archive's job while it runs, so a
-- retry after a crash or a timeout asks for the job's status instead of a second capture.
CREATE TABLE version_archives (
    version_id   INTEGER PRIMARY KEY REFERENCES versions (id) ON DELETE CASCADE,
    -- base URL of the service that holds the capture (https://web.archive.org)
    service      TEXT    NOT NULL,
    job_id       TEXT,
    requested_at INTEGER,
    -- https://web.archive.org/web/20261202031500/https://…, once the capture succeeded
    capture_url  TEXT,
    -- the archive's 14-digit timestamp (YYYYMMDDHHMMSS) of the capture
    capture_ts   TEXT,
    captured_at  INTEGER,
    last_error   TEXT
) STRICT;

-- Posts made on social sinks (mastodon, bluesky), per article and alert, so the next post
-- about the same article is a reply to the last one. Times are unix milliseconds.
CREATE TABLE article_posts (
    id         INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    alert      TEXT    NOT NULL,
    change_id  INTEGER,
    -- Mastodon: the status id; Bluesky: the at:// URI of the post record
    post_id    TEXT    NOT NULL,
    -- Bluesky: the record's CID (a reply names both); NULL for Mastodon
    post_cid   TEXT,
    -- Bluesky: the first post of the thread (reply.root)
    root_id    TEXT,
    root_cid   TEXT,
    -- a link a person can open
    url        TEXT,
    posted_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX article_posts_thread ON article_posts (article_id, alert, id);
