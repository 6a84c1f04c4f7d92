-- A page whose text shrank implausibly is refused as a failed extraction. If the same shrunk
-- text keeps coming back, it is a real cut: count identical refusals so it can be accepted.
ALTER TABLE articles ADD COLUMN refused_hash TEXT;
ALTER TABLE articles ADD COLUMN refused_count INTEGER NOT NULL DEFAULT 0;
