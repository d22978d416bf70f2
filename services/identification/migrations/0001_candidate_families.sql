-- Candidate families recorded by identification (the walking skeleton's first table; the
-- linkage and grouping of people replace how rows get here, not the table's role).
-- Codes and ids only: no personal data lives in this table.
CREATE TABLE identification.candidate_families (
    id                   uuid PRIMARY KEY,
    plan_id              text NOT NULL,
    evidence_snapshot_id uuid NOT NULL UNIQUE,
    problem_codes        text[] NOT NULL CHECK (cardinality(problem_codes) >= 1),
    reference_date       date NOT NULL,
    workflow_id          text NOT NULL UNIQUE,
    -- Hash of the creating request: a retry with the same Idempotency-Key must carry the same request.
    request_hash         text NOT NULL,
    version              bigint NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL DEFAULT now(),
    workflow_started_at  timestamptz
);

CREATE INDEX candidate_families_page ON identification.candidate_families (created_at, id);
