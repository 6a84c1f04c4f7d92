-- A change whose diff was simplified to stay within its limits (a huge or hostile article)
-- says why; NULL for a full diff.
ALTER TABLE changes ADD COLUMN simplified TEXT;
