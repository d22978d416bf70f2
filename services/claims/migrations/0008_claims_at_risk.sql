-- Claims at risk (docs/outcomes.md, ruling 5): before a window submits, each claim in it is
-- judged again under its pinned plan version with the engine claims runs, on the evidence in
-- its pack. One that no longer stands is HELD (never submitted; the family returns to
-- tracking and may claim again, so a held claim, like a failed one, is not live).
ALTER TABLE claims.claims DROP CONSTRAINT claims_status_check;
ALTER TABLE claims.claims ADD CONSTRAINT claims_status_check
    CHECK (status IN ('READY', 'IN_WINDOW', 'SUBMITTED', 'FAILED_AUDIT', 'HELD', 'PAID'));
DROP INDEX claims.claims_one_live_per_family;
CREATE UNIQUE INDEX claims_one_live_per_family ON claims.claims (family_id) WHERE status NOT IN ('FAILED_AUDIT', 'HELD');

-- Each judgement again of a claim, beside the judgement it was made on: for the window it
-- was judged for (its occasion), the engine and plan versions, whether it stands, the new
-- result (route and date) when there is one, and the reason in words of codes and dates.
CREATE TABLE claims.rejudgements (
    claim_id       uuid NOT NULL REFERENCES claims.claims (id),
    occasion       text NOT NULL,
    judged_at      timestamptz NOT NULL DEFAULT now(),
    engine_version text NOT NULL,
    plan_version   text NOT NULL,
    stands         boolean NOT NULL,
    route          text,
    achieved_at    timestamptz,
    -- Each baseline problem's status as judged again ("CODE:STATUS ...").
    problems       text NOT NULL,
    reason         text NOT NULL,
    PRIMARY KEY (claim_id, occasion)
);
