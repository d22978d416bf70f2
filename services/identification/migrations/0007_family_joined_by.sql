-- What put each run family's people together (ADDRESS_SPELLS, ACCOUNT, HOUSEHOLD_LINK).
ALTER TABLE identification.run_families ADD COLUMN joined_by text[] NOT NULL DEFAULT '{}';
