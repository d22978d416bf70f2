-- Claims (one per family and attempt: a failed audit lets a family claim again later) and
-- the payments ledger (attachment fees and results, in pence, each entry once). Ids, dates,
-- codes and amounts only.
CREATE TABLE claims.claims (
    id                   uuid PRIMARY KEY,
    family_id            uuid NOT NULL,
    attempt              int NOT NULL CHECK (attempt >= 1),
    route                text NOT NULL CHECK (route IN ('SSP', 'CE')),
    plan_version         text NOT NULL,
    evidence_snapshot_id text NOT NULL,
    achieved_at          timestamptz NOT NULL,
    -- The judgement of each baseline problem the claim rests on (frozen with the claim).
    problems             jsonb NOT NULL,
    status               text NOT NULL DEFAULT 'READY' CHECK (status IN ('READY', 'IN_WINDOW', 'SUBMITTED', 'FAILED_AUDIT', 'PAID')),
    window_id            text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (family_id, attempt)
);
-- At most one claim of a family is live (not failed): the family cap counts families.
CREATE UNIQUE INDEX claims_one_live_per_family ON claims.claims (family_id) WHERE status <> 'FAILED_AUDIT';

CREATE TABLE claims.ledger (
    id           uuid PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('ATTACHMENT_FEE', 'RESULT')),
    family_id    uuid NOT NULL,
    source_id    text NOT NULL,          -- the attachment's or the claim's id
    amount_pence bigint NOT NULL CHECK (amount_pence > 0),
    plan_version text NOT NULL,
    occurred_at  timestamptz NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, source_id)
);
