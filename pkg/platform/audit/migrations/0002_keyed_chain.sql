-- Events chained with a keyed hash (HMAC-SHA-256 under AUDIT_KEY): a rewrite of the whole
-- chain from the first event, which plain hashes cannot reveal, needs the key. Events recorded
-- before the key was set keep their plain SHA-256 hashes (keyed = false).
ALTER TABLE audit_events ADD COLUMN keyed boolean NOT NULL DEFAULT false;
