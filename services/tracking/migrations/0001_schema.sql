-- The tracking service's schema (created by the migrator). Its tables arrive with the work
-- that gives the service its data; this migration records who owns the schema.
COMMENT ON SCHEMA "tracking" IS 'Owned by the tracking service. Judges each attached family''s problems with the Outcomes Plan engine, keeps per-problem status and sustained deadlines, and reports projections.';
