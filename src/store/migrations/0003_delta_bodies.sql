-- Version bodies may be compressed against an earlier version of the same article (zstd with
-- that text as a raw-content dictionary): consecutive versions share almost everything, so a
-- version costs about the size of its edit. `base_seq` names the version used; NULL means the
-- body stands alone. Every few versions stands alone, to bound the chain a read must follow.
ALTER TABLE versions ADD COLUMN base_seq INTEGER;
