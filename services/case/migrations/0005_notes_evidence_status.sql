-- The rest of a family's case record that caseworkers keep day to day: notes (each with a
-- field class: a refuge's whereabouts is "restricted", seen only by the lead professional and
-- allocated caseworkers), progress and employment evidence (facts as the Outcomes Plan reads
-- them, each with a stored document's reference; tracking reads them with its service token
-- when it judges), and the case's status (open, stepped down, closed with a reason).
CREATE TABLE "case".notes (
    id         uuid PRIMARY KEY,
    family_id  uuid NOT NULL REFERENCES "case".families (id),
    class      text NOT NULL CHECK (class IN ('ORDINARY', 'SPECIAL', 'RESTRICTED')),
    body       text NOT NULL,
    author     text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notes_family ON "case".notes (family_id, created_at, id);

CREATE TABLE "case".evidence (
    id           uuid PRIMARY KEY,
    family_id    uuid NOT NULL REFERENCES "case".families (id),
    member       text NOT NULL,                 -- identification's opaque member id
    feed         text NOT NULL,                 -- caseworker or employment (data-contracts.md)
    type         text NOT NULL,
    date         timestamptz,                   -- an event
    start_at     timestamptz,                   -- a spell
    end_at       timestamptz,
    document_ref text NOT NULL,                 -- where the document is stored (the council's document store)
    recorded_by  text NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (date IS NOT NULL OR start_at IS NOT NULL)
);
CREATE INDEX evidence_family ON "case".evidence (family_id, recorded_at, id);

ALTER TABLE "case".families
    ADD COLUMN status        text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'STEPPED_DOWN', 'CLOSED')),
    ADD COLUMN status_reason text,
    ADD COLUMN status_since  date;

ALTER TABLE "case".record_history DROP CONSTRAINT record_history_kind_check;
ALTER TABLE "case".record_history ADD CONSTRAINT record_history_kind_check
    CHECK (kind IN ('ASSESSMENT', 'FAMILY_PLAN', 'NOTE', 'EVIDENCE', 'STATUS', 'ALLOCATION'));
