-- Attachment compliance checks: internal audit draws a sample of the attachments made in a
-- period (the seed recorded, so the draw can be repeated) and records, for each case, whether
-- each of the four requirements held at attachment (evidence of enough problems, a
-- whole-family assessment, a family plan, a lead professional).
CREATE TABLE attachment.compliance_checks (
    id          uuid PRIMARY KEY,
    plan_id     text NOT NULL,
    period_from date NOT NULL,
    period_to   date NOT NULL,              -- exclusive
    population  int NOT NULL,               -- attachments in the period
    seed        bigint NOT NULL,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE attachment.compliance_cases (
    check_id          uuid NOT NULL REFERENCES attachment.compliance_checks (id),
    family_id         uuid NOT NULL REFERENCES attachment.attachments (family_id),
    problem_evidence  boolean,              -- null until reviewed
    assessment        boolean,
    family_plan       boolean,
    lead_professional boolean,
    finding_code      text,                 -- e.g. ASSESSMENT_AFTER_ATTACHMENT
    reviewed_by       text,
    reviewed_at       timestamptz,
    PRIMARY KEY (check_id, family_id)
);
