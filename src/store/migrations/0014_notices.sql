-- What a change's publisher said about it (CLAIMS.md version 2, "Notices, and silent edits"):
-- `notices` is the JSON list of notices that appeared or disappeared
-- ([{"change": "added"|"removed", "text": …}]), `silent` is 1 when the change has claim
-- changes and no notice was added. Both are NULL on rows written before this migration
-- (unknown, not "none": `redline reprocess` recomputes them from the stored versions) and on
-- unpublished records. `log --silent` filters on `silent = 1`.
ALTER TABLE changes ADD COLUMN notices TEXT;
ALTER TABLE changes ADD COLUMN silent INTEGER;
