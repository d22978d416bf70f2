-- The family's members as its case knows them, each linked to identification's person (the
-- opaque member id its evidence snapshots use). What identifies them (the name the family
-- uses, date of birth) is sealed under FIELD_KEYS, bound to the family and person; role and
-- relationship stay in clear.
CREATE TABLE "case".members (
    family_id    uuid NOT NULL REFERENCES "case".families (id),
    person_id    text NOT NULL,                 -- identification's opaque member id
    role         text NOT NULL CHECK (role IN ('ADULT', 'CHILD')),
    relationship text NOT NULL CHECK (relationship IN ('PARENT_CARER', 'CHILD', 'OTHER_ADULT', 'OTHER_CHILD')),
    pregnant     boolean NOT NULL DEFAULT false,
    identity     bytea NOT NULL,                -- sealed {"known_as", "birth_date"}
    updated_by   text NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (family_id, person_id)
);
ALTER TABLE "case".record_history DROP CONSTRAINT record_history_kind_check;
ALTER TABLE "case".record_history ADD CONSTRAINT record_history_kind_check
    CHECK (kind IN ('ASSESSMENT', 'FAMILY_PLAN', 'NOTE', 'EVIDENCE', 'STATUS', 'ALLOCATION', 'MEMBERS', 'REFERRAL'));

-- Referrals: families referred by a professional rather than found by matching. The case
-- service opens the family's case and starts its workflow from the referral.
CREATE TABLE "case".referrals (
    id            uuid PRIMARY KEY,
    family_id     uuid NOT NULL UNIQUE REFERENCES "case".families (id),
    plan_id       text NOT NULL,
    problem_codes text[] NOT NULL,
    reason_code   text NOT NULL,
    referred_by   text NOT NULL,
    request_hash  text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
