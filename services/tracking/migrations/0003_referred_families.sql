-- A referred family has no identification snapshot (the case holds its evidence).
ALTER TABLE tracking.family_status ALTER COLUMN evidence_snapshot_id DROP NOT NULL;
