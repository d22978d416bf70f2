-- The attachment service's schema (created by the migrator). Its tables arrive with the work
-- that gives the service its data; this migration records who owns the schema.
COMMENT ON SCHEMA "attachment" IS 'Owned by the attachment service. Attaches families to the programme (through the family''s workflow), keeps the attachment register and runs attachment compliance checks.';
