-- The engine version a claim's evidence pack was frozen under, beside its plan version and
-- hash: '1' for packs frozen before versions were recorded.
ALTER TABLE claims.evidence_packs ADD COLUMN engine_version text NOT NULL DEFAULT '1';
