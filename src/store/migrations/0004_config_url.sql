-- The URL a config feed is listed under. A permanent redirect moves `url`; the config sync
-- matches on this, so the moved feed is still the config's feed and keeps its history.
ALTER TABLE feeds ADD COLUMN config_url TEXT;
UPDATE feeds SET config_url = url WHERE source = 'config';
CREATE UNIQUE INDEX feeds_by_config_url ON feeds (config_url) WHERE config_url IS NOT NULL;
