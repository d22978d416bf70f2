-- A family's whole-family assessment (needs per member per problem) and its family plan
-- (outcomes tied to the Outcomes Plan's problems, actions with their owning agency), each
-- replaced whole by the caseworker, with every version kept in record_history. Attachment
-- needs both (docs/programme.md, "Attachment").
CREATE TABLE "case".assessments (
    family_id    uuid PRIMARY KEY REFERENCES "case".families (id),
    completed_on date NOT NULL,
    needs        jsonb NOT NULL,          -- [{member, problem, level, summary}]
    version      bigint NOT NULL DEFAULT 1,
    updated_by   text NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE "case".family_plans (
    family_id  uuid PRIMARY KEY REFERENCES "case".families (id),
    agreed_on  date NOT NULL,
    outcomes   jsonb NOT NULL,            -- [{problem, description}]
    actions    jsonb NOT NULL,            -- [{description, agency, due, status}]
    version    bigint NOT NULL DEFAULT 1,
    updated_by text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- The history of every change to a case record: what it became, who changed it, when.
CREATE TABLE "case".record_history (
    seq        bigserial PRIMARY KEY,
    family_id  uuid NOT NULL REFERENCES "case".families (id),
    kind       text NOT NULL CHECK (kind IN ('ASSESSMENT', 'FAMILY_PLAN')),
    version    bigint NOT NULL,
    content    jsonb NOT NULL,
    changed_by text NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX record_history_family ON "case".record_history (family_id, seq);
