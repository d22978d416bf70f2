-- Corrections of the register (the family workflow's `correct` update, before any claim):
-- what was recorded before and after, why, and for which request (a retry corrects once).
CREATE TABLE attachment.corrections (
    request_id               text PRIMARY KEY,
    family_id                uuid NOT NULL REFERENCES attachment.attachments (family_id),
    baseline_problems_before text[] NOT NULL,
    attached_at_before       timestamptz NOT NULL,
    baseline_problems_after  text[] NOT NULL,
    attached_at_after        timestamptz NOT NULL,
    reason_code              text NOT NULL,
    corrected_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX corrections_family ON attachment.corrections (family_id, corrected_at);
