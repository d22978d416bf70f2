-- The attachment register: one row per attached family, written by the FamilyLifecycle
-- workflow's attachment.RecordAttachment activity. Ids, dates and codes only.
CREATE TABLE attachment.attachments (
    family_id         uuid PRIMARY KEY,     -- a family attaches once
    id                uuid NOT NULL UNIQUE,
    attached_at       timestamptz NOT NULL,
    baseline_problems text[] NOT NULL CHECK (cardinality(baseline_problems) >= 2),
    plan_version      text NOT NULL,        -- "lancashire-phase2@1", pinned for every later judgement
    request_id        text NOT NULL,        -- the attach request that made it
    recorded_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachments_attached_at ON attachment.attachments (attached_at);
