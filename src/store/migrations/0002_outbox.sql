-- Alerts waiting to go out. A row is written in the same transaction as the change that
-- triggered it, so nothing triggered is lost to a crash; the dispatcher delivers it later.
-- Times in this table are unix milliseconds (retries can be sub-second in tests).
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    change_id       INTEGER REFERENCES changes (id) ON DELETE CASCADE,
    alert           TEXT    NOT NULL,
    -- the versioned JSON payload, built when the alert triggered
    payload         TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    delivered_at    INTEGER,
    last_error      TEXT,
    -- 1 once max_attempts is used up; `alerts retry` clears it
    failed          INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL AND failed = 0;

-- Key/value state of the daemon (heartbeat for `status`).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
