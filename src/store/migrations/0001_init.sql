-- Times we set ourselves are unix seconds (INTEGER); dates found on pages or in feeds are kept
-- as the text they were given in (publishers' dates are evidence, not our clock).

CREATE TABLE feeds (
    id            INTEGER PRIMARY KEY,
    url           TEXT    NOT NULL UNIQUE,
    name          TEXT    UNIQUE,
    title         TEXT,
    -- 'config': synced from [[feed]]; 'cli': added with `feeds add`/`feeds import`.
    source        TEXT    NOT NULL CHECK (source IN ('config', 'cli')),
    -- 0 once a config feed has been removed from the config: kept for its history, not polled.
    active        INTEGER NOT NULL DEFAULT 1,
    interval_secs INTEGER,
    full_text     INTEGER NOT NULL DEFAULT 0,
    etag          TEXT,
    last_modified TEXT,
    -- hash of the last body, so identical bytes without validators skip parsing.
    body_hash     TEXT,
    next_poll_at  INTEGER,
    last_poll_at  INTEGER,
    last_ok_at    INTEGER,
    last_error    TEXT,
    last_error_at INTEGER,
    error_streak  INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE articles (
    id               INTEGER PRIMARY KEY,
    feed_id          INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    guid             TEXT    NOT NULL,
    url              TEXT    NOT NULL,
    first_seen       INTEGER NOT NULL,
    last_seen        INTEGER NOT NULL,
    status           TEXT    NOT NULL DEFAULT 'live' CHECK (status IN ('live', 'unpublished')),
    -- hash of the feed entry as last seen: a changed entry triggers a page fetch.
    entry_hash       TEXT,
    -- full-text page state
    page_etag        TEXT,
    page_last_modified TEXT,
    page_hash        TEXT,
    next_check_at    INTEGER,
    missing_streak   INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT,
    UNIQUE (feed_id, guid)
) STRICT;
CREATE INDEX articles_by_url ON articles (feed_id, url);
CREATE INDEX articles_due ON articles (feed_id, next_check_at) WHERE next_check_at IS NOT NULL;

CREATE TABLE versions (
    id         INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    fetched_at INTEGER NOT NULL,
    -- 'feed': from the feed's content/summary; 'page': extracted from the article page.
    source     TEXT    NOT NULL CHECK (source IN ('feed', 'page')),
    url        TEXT    NOT NULL,
    title      TEXT    NOT NULL,
    byline     TEXT,
    published  TEXT,
    modified   TEXT,
    body_zstd  BLOB    NOT NULL,
    body_chars INTEGER NOT NULL,
    hash       TEXT    NOT NULL,
    -- hash after folding typography (quotes, dashes, spaces): equal to the previous one
    -- means the edit was cosmetic.
    typo_hash  TEXT    NOT NULL,
    cosmetic   INTEGER NOT NULL DEFAULT 0,
    -- seq of the earlier, non-latest version this one repeats (A/B headline flaps).
    revert_of  INTEGER,
    UNIQUE (article_id, seq)
) STRICT;

CREATE TABLE changes (
    id                INTEGER PRIMARY KEY,
    article_id        INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    from_seq          INTEGER,
    to_seq            INTEGER,
    created_at        INTEGER NOT NULL,
    -- 'edit' | 'unpublished'
    kind              TEXT    NOT NULL,
    -- comma-separated: title, byline, url, published, modified, body
    fields            TEXT    NOT NULL DEFAULT '',
    sentences_added   INTEGER NOT NULL DEFAULT 0,
    sentences_removed INTEGER NOT NULL DEFAULT 0,
    sentences_edited  INTEGER NOT NULL DEFAULT 0,
    sentences_moved   INTEGER NOT NULL DEFAULT 0,
    cosmetic          INTEGER NOT NULL DEFAULT 0,
    stealth           INTEGER NOT NULL DEFAULT 0,
    revert_of         INTEGER,
    significance      REAL    NOT NULL DEFAULT 0,
    UNIQUE (article_id, to_seq)
) STRICT;
CREATE INDEX changes_by_time ON changes (created_at);

CREATE TABLE claim_changes (
    id              INTEGER PRIMARY KEY,
    change_id       INTEGER NOT NULL REFERENCES changes (id) ON DELETE CASCADE,
    ord             INTEGER NOT NULL,
    kind            TEXT    NOT NULL,
    before          TEXT,
    after           TEXT,
    before_sentence TEXT,
    after_sentence  TEXT
) STRICT;
CREATE INDEX claim_changes_by_change ON claim_changes (change_id);
