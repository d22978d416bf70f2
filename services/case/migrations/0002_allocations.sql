-- Who works with each family: its team, its lead professional (of the council's family
-- service or a partner agency) and its allocated caseworkers. The case service answers
-- every service's "may this user see family X?" from these rows. Ids and codes only: the
-- people in them are users (token subjects), not family members.
CREATE TABLE "case".families (
    id                       uuid PRIMARY KEY,           -- the family id (its workflow is family/<id>)
    team                     text NOT NULL,
    lead_professional        text,                       -- a user's subject
    lead_professional_agency text,
    version                  bigint NOT NULL DEFAULT 1,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    CHECK ((lead_professional IS NULL) = (lead_professional_agency IS NULL))
);
CREATE INDEX families_team ON "case".families (team, id);
CREATE INDEX families_lead ON "case".families (lead_professional) WHERE lead_professional IS NOT NULL;

CREATE TABLE "case".allocations (
    family_id    uuid NOT NULL REFERENCES "case".families (id),
    subject      text NOT NULL,
    allocated_at timestamptz NOT NULL DEFAULT now(),
    allocated_by text NOT NULL,
    PRIMARY KEY (family_id, subject)
);
CREATE INDEX allocations_subject ON "case".allocations (subject);
