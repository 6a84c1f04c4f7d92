-- Every new entry of every poll asks whether a page feed (`redline watch`) already tracks its
-- URL (`articles::tracked_elsewhere`), through `SELECT id FROM feeds WHERE kind = 'page'`.
-- Without this index that subquery scanned every feed row: ~90 ms at 100,000 feeds, twice per
-- new entry, so a cold poll of a 20-item feed took 0.3–0.6 s and the first daemon cycle at
-- 100,000 feeds would have taken ~14 hours.
CREATE INDEX feeds_pages ON feeds (id) WHERE kind = 'page';
