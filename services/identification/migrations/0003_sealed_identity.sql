-- Who each extract row is about is sealed (AES-256-GCM under FIELD_KEYS, bound to its row)
-- in one column, identity: identifiers, names, date of birth, address, agency references
-- and free text (services/identification/internal/ingest/identity.go). The columns that held
-- them in clear go. Rows loaded before this migration held them in clear and cannot be
-- sealed in SQL: as no council has loaded data yet (pre-release), they are removed with
-- their uploads and reports, and the same files load again (an upload is a no-op only while
-- its earlier load is kept).
DELETE FROM identification.extract_rows;
DELETE FROM identification.upload_issues;
DELETE FROM identification.uploads;

ALTER TABLE identification.extract_rows
    DROP COLUMN source_id, DROP COLUMN forename, DROP COLUMN surname, DROP COLUMN dob,
    DROP COLUMN address_line1, DROP COLUMN address_line2, DROP COLUMN postcode, DROP COLUMN uprn,
    DROP COLUMN incident_ref, DROP COLUMN employer, DROP COLUMN evidence,
    DROP COLUMN person_ref_a, DROP COLUMN person_ref_b,
    ADD COLUMN identity bytea NOT NULL;
