-- The web UI's kind facet ("changes with a quote_changed") starts from the claim rows of that
-- kind. Without this index it walked every change newest first with a correlated EXISTS:
-- p99 236 ms on 80,000 changes for a rare kind (benches/web_pages.rs), against 1 ms with it.
CREATE INDEX claim_changes_by_kind ON claim_changes (kind, change_id);
