-- Tracking's read model: each attached family's latest judgement, kept by the JudgeFamily
-- activity (the family workflow's own state stays the source of truth for what happens
-- next; this table answers reports without querying thousands of workflows). Codes,
-- dates and ids only.
CREATE TABLE tracking.family_status (
    family_id            uuid PRIMARY KEY,
    plan_version         text NOT NULL,                 -- pinned at attachment ("id@version")
    attached_at          timestamptz NOT NULL,
    baseline             text[] NOT NULL,
    evidence_snapshot_id uuid NOT NULL,                 -- the evidence judged
    judged_for           timestamptz NOT NULL,          -- the moment judged (the workflow's clock)
    judged_at            timestamptz NOT NULL DEFAULT now(),
    result_route         text CHECK (result_route IN ('SSP', 'CE')),
    achieved_at          timestamptz,
    earliest_claim_at    timestamptz,
    review_at            timestamptz,
    outstanding          int NOT NULL,                  -- baseline problems not yet showing progress
    blocking             text[] NOT NULL DEFAULT '{}',
    flags                text[] NOT NULL DEFAULT '{}',
    problems             jsonb NOT NULL                 -- [{code, status, clock_start, sustained_at}]
);
CREATE INDEX family_status_outstanding ON tracking.family_status (outstanding, family_id);
CREATE INDEX family_status_earliest_claim ON tracking.family_status (earliest_claim_at) WHERE result_route IS NULL;
