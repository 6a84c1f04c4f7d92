-- The scheduler reads due feeds a batch at a time in next_poll_at order (never-polled first,
-- as NULL sorts first), and when the next one falls due. Without this index each read scanned
-- and sorted every feed row: ~20 ms at 100,000 feeds, once per finished poll.
CREATE INDEX feeds_due ON feeds (next_poll_at, id) WHERE active = 1 AND paused = 0;

-- The page re-check pass looks at full-text feeds only; without this index it scanned every
-- feed row to find them.
CREATE INDEX feeds_full_text ON feeds (id) WHERE full_text = 1 AND active = 1 AND paused = 0;
