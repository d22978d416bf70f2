-- Each claim's evidence pack, frozen when the claim is made: the evidence snapshot's members
-- and rows, the case's evidence and closure date, the judgement of each baseline problem,
-- the plan version with its content hash. Sealed under FIELD_KEYS (special category data),
-- bound to the claim's id, so any claim can be re-judged and spot-checked years later.
CREATE TABLE claims.evidence_packs (
    claim_id    uuid PRIMARY KEY REFERENCES claims.claims (id),
    plan_version text NOT NULL,
    plan_hash   text NOT NULL,
    sealed      bytea NOT NULL,
    frozen_at   timestamptz NOT NULL DEFAULT now()
);
