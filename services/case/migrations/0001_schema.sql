-- The case service's schema (created by the migrator). Its tables arrive with the work
-- that gives the service its data; this migration records who owns the schema.
COMMENT ON SCHEMA "case" IS 'Owned by the case service. Holds each family''s case: members, lead professional, allocations, assessment, family plan, notes and evidence; answers whether a user may see a family.';
