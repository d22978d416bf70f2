-- Imports of a programme already running (docs/import-contract.md). An import is one file,
-- committed whole: its families' cases and members, and one row per family here, keyed by
-- the council's own reference. The ImportProgramme workflow then applies each family's row
-- (attachment register, ledger, the family's workflow) and marks it applied at its content
-- hash, so the same file again changes nothing and a corrected file applies only the families
-- whose rows changed. The council's references are personal data's neighbours: they stay here.
CREATE TABLE "case".imports (
    id            uuid PRIMARY KEY,
    file_sha256   text NOT NULL UNIQUE,          -- the same file again is the same import
    rows          int NOT NULL,
    families      int NOT NULL,
    new_families  int NOT NULL,
    changed       int NOT NULL,                  -- families whose rows differ from an earlier import's
    unchanged     int NOT NULL,
    status        text NOT NULL DEFAULT 'APPLYING' CHECK (status IN ('APPLYING', 'DONE')),
    imported_by   text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz
);

CREATE TABLE "case".imported_families (
    council_ref       text NOT NULL,
    plan_id           text NOT NULL,
    family_id         uuid NOT NULL UNIQUE REFERENCES "case".families (id),
    import_id         uuid NOT NULL REFERENCES "case".imports (id),  -- the import that last changed it
    row_hash          text NOT NULL,                                  -- the family's rows, normalised
    applied_hash      text,                                           -- the content the workflow applied
    plan_version      text NOT NULL,
    attached_on       date NOT NULL,
    fee_received      boolean NOT NULL,
    baseline_problems text[] NOT NULL,
    assessment_on     date,
    plan_agreed_on    date,
    progress          jsonb NOT NULL DEFAULT '{}',  -- {"PROBLEM": "YYYY-MM-DD"}: what the previous system recorded
    claim_window      text,
    claim_route       text CHECK (claim_route IN ('SSP', 'CE')),
    claim_status      text CHECK (claim_status IN ('SUBMITTED', 'PAID')),
    PRIMARY KEY (plan_id, council_ref)
);
CREATE INDEX imported_families_pending ON "case".imported_families (import_id, family_id) WHERE applied_hash IS DISTINCT FROM row_hash;

ALTER TABLE "case".record_history DROP CONSTRAINT record_history_kind_check;
ALTER TABLE "case".record_history ADD CONSTRAINT record_history_kind_check
    CHECK (kind IN ('ASSESSMENT', 'FAMILY_PLAN', 'NOTE', 'EVIDENCE', 'STATUS', 'ALLOCATION', 'MEMBERS', 'REFERRAL', 'IMPORT'));
