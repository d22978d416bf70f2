-- Auditors' decisions on sampled claims (the first decision on a claim stands), and the
-- payment of each window's submitted results. Ids, codes, dates and user subjects only.
CREATE TABLE claims.audit_decisions (
    claim_id    uuid PRIMARY KEY REFERENCES claims.claims (id),
    window_id   text NOT NULL,
    passed      boolean NOT NULL,
    reason_code text CHECK (passed OR reason_code IS NOT NULL),
    decided_by  text NOT NULL,
    decided_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE claims.window_payments (
    plan_id     text NOT NULL,
    window_id   text NOT NULL,
    paid_at     timestamptz NOT NULL,
    claims_paid int NOT NULL,
    amount_pence bigint NOT NULL,
    recorded_by text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (plan_id, window_id)
);
