-- What the last parse of the feed saw: the character encoding it was read with, and why the
-- document was read leniently when it was not well-formed (bozo), so `status` can say that a
-- feed is being read despite being broken instead of hiding it.
ALTER TABLE feeds ADD COLUMN encoding TEXT;
ALTER TABLE feeds ADD COLUMN parse_warning TEXT;
