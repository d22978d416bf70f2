-- Agency extracts as loaded (contract: docs/data-contracts.md, pkg/extracts): one row per
-- upload, its accepted rows, and its report of what was not taken. An upload's rows, its report
-- and its uploads row are written in one transaction, so a file is loaded whole or not at all.
-- extract_rows holds personal data (names, dates of birth, addresses); nothing here is logged.

CREATE TABLE identification.uploads (
    id               uuid PRIMARY KEY,
    feed             text NOT NULL,
    format           text NOT NULL CHECK (format IN ('csv', 'jsonl')),
    contract_version int NOT NULL,
    -- SHA-256 of the file's bytes: loading the same file again is a no-op.
    content_sha256   text NOT NULL,
    file_name        text NOT NULL DEFAULT '',
    bytes            bigint NOT NULL,
    as_of            date,
    rows_read        int NOT NULL,
    rows_accepted    int NOT NULL,
    rows_rejected    int NOT NULL,
    unknown_values   int NOT NULL,
    ignored_columns  int NOT NULL,
    loaded_by        text NOT NULL,
    loaded_at        timestamptz NOT NULL,
    UNIQUE (feed, content_sha256)
);

CREATE INDEX uploads_page ON identification.uploads (loaded_at, id);

-- The report: rejected rows, person fields treated as unknown, ignored columns. Reasons name
-- the field and the rule, never the value.
CREATE TABLE identification.upload_issues (
    upload_id  uuid NOT NULL,
    seq        int NOT NULL,
    line       int NOT NULL,
    row_number int,
    field      text NOT NULL DEFAULT '',
    kind       text NOT NULL CHECK (kind IN ('REJECTED_ROW', 'UNKNOWN_VALUE', 'IGNORED_COLUMN')),
    reason     text NOT NULL,
    PRIMARY KEY (upload_id, seq)
);

-- Accepted rows of every feed, typed; columns a feed does not have are NULL. A row is
-- (upload_id, row_number), unique by construction: one transaction numbers and writes an
-- upload's rows. Neither a primary key nor a foreign key to uploads: both are checked row by
-- row and halve COPY's speed (measured: docs/services/identification.md). An upload's rows
-- lie together on disk, so a BRIN index finds them at almost no cost to loading.
CREATE TABLE identification.extract_rows (
    upload_id             uuid NOT NULL,
    row_number            int NOT NULL,
    line                  int NOT NULL,
    feed                  text NOT NULL,
    source_id             text,
    forename              text,
    surname               text,
    dob                   date,
    sex                   text,
    address_line1         text,
    address_line2         text,
    town                  text,
    postcode              text,
    uprn                  text,
    event_type            text,
    event_date            date,
    start_date            date,
    end_date              date,
    school_urn            text,
    term                  text,
    sessions_possible     int,
    sessions_unauthorised int,
    sessions_authorised   int,
    fixed_term_exclusions int,
    permanent_exclusion   boolean,
    alternative_provision boolean,
    role                  text,
    incident_ref          text,
    team                  text,
    uc_regime             text,
    employer              text,
    evidence              text,
    hours_per_week        numeric,
    person_ref_a          text,
    person_ref_b          text
);

CREATE INDEX extract_rows_upload ON identification.extract_rows USING brin (upload_id);
