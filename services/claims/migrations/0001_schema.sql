-- The claims service's schema (created by the migrator). Its tables arrive with the work
-- that gives the service its data; this migration records who owns the schema.
COMMENT ON SCHEMA "claims" IS 'Owned by the claims service. Claims results, runs claim windows, the audit sample and auditors'' decisions, keeps the payments ledger and serves the programme dashboard.';
