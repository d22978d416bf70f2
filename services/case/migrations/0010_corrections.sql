-- A wrong note or piece of evidence is never edited or deleted: it is corrected (a new note
-- or piece of evidence that replaces it and names it, with the reason) or withdrawn (with the
-- reason, by whom and when). Both stay in the record for its history and for audit; what the
-- family's record shows by default, and what tracking judges with, is the current ones only.
-- A note or piece of evidence is replaced at most once (correct the correction after that).
ALTER TABLE "case".notes
    ADD COLUMN replaces          uuid UNIQUE REFERENCES "case".notes (id),
    ADD COLUMN correction_reason text,
    ADD COLUMN replaced_by       uuid REFERENCES "case".notes (id),
    ADD COLUMN withdrawn_at      timestamptz,
    ADD COLUMN withdrawn_by      text,
    ADD COLUMN withdrawal_reason text,
    ADD CHECK ((replaces IS NULL) = (correction_reason IS NULL)),
    ADD CHECK ((withdrawn_at IS NULL) = (withdrawal_reason IS NULL));

ALTER TABLE "case".evidence
    ADD COLUMN replaces          uuid UNIQUE REFERENCES "case".evidence (id),
    ADD COLUMN correction_reason text,
    ADD COLUMN replaced_by       uuid REFERENCES "case".evidence (id),
    ADD COLUMN withdrawn_at      timestamptz,
    ADD COLUMN withdrawn_by      text,
    ADD COLUMN withdrawal_reason text,
    ADD CHECK ((replaces IS NULL) = (correction_reason IS NULL)),
    ADD CHECK ((withdrawn_at IS NULL) = (withdrawal_reason IS NULL));

ALTER TABLE "case".record_history DROP CONSTRAINT record_history_kind_check;
ALTER TABLE "case".record_history ADD CONSTRAINT record_history_kind_check
    CHECK (kind IN ('ASSESSMENT', 'FAMILY_PLAN', 'NOTE', 'EVIDENCE', 'STATUS', 'ALLOCATION', 'MEMBERS', 'REFERRAL', 'IMPORT',
                    'NOTE_CORRECTION', 'NOTE_WITHDRAWAL', 'EVIDENCE_CORRECTION', 'EVIDENCE_WITHDRAWAL'));
