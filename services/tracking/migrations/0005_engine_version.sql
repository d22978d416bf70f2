-- The engine version of each judgement, beside the plan version it was judged under
-- (outcomes.EngineVersion): '1' for judgements kept before versions were recorded.
ALTER TABLE tracking.family_status ADD COLUMN engine_version text NOT NULL DEFAULT '1';
-- And the data coverage it was judged with (per feed, how far the data reached), so that a
-- judgement waiting for data says which data.
ALTER TABLE tracking.family_status ADD COLUMN coverage jsonb NOT NULL DEFAULT '{}';
