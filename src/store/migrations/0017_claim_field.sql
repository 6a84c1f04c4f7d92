-- Claim changes carry the field they were found in (CLAIMS.md v2): "title" for the headline,
-- "body" for the text. Rows written before this were all body claims.
ALTER TABLE claim_changes ADD COLUMN field TEXT NOT NULL DEFAULT 'body';
