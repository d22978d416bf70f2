-- The results forecast (docs/forecast.md). problem_transitions is the programme's history:
-- each change of a baseline problem's status between two judgements of a family (progress
-- dated from its clock start, a sustained outcome from its date, a lapse from the judgement
-- that saw it). Codes and dates only.
CREATE TABLE tracking.problem_transitions (
    family_id   uuid NOT NULL,
    problem     text NOT NULL,
    to_status   text NOT NULL CHECK (to_status IN ('OUTSTANDING', 'SIGNIFICANT_PROGRESS', 'SUSTAINED')),
    at          timestamptz NOT NULL,
    judged_for  timestamptz NOT NULL,   -- the judgement that saw it
    seq         bigserial PRIMARY KEY
);
CREATE INDEX problem_transitions_family ON tracking.problem_transitions (family_id, seq);

-- Judgements kept before the history was: what their last judgement shows.
INSERT INTO tracking.problem_transitions (family_id, problem, to_status, at, judged_for)
SELECT s.family_id, p->>'code', 'SIGNIFICANT_PROGRESS', coalesce((p->>'clock_start')::timestamptz, s.judged_for), s.judged_for
FROM tracking.family_status s, jsonb_array_elements(s.problems) p
WHERE p->>'status' IN ('PROBLEM_STATUS_SIGNIFICANT_PROGRESS', 'PROBLEM_STATUS_SUSTAINED');
INSERT INTO tracking.problem_transitions (family_id, problem, to_status, at, judged_for)
SELECT s.family_id, p->>'code', 'SUSTAINED', coalesce((p->>'sustained_at')::timestamptz, s.judged_for), s.judged_for
FROM tracking.family_status s, jsonb_array_elements(s.problems) p
WHERE p->>'status' = 'PROBLEM_STATUS_SUSTAINED';

-- Every forecast made, as a dated snapshot with its inputs' versions, so that finance can see
-- how the forecast moved. Counts and pence only.
CREATE TABLE tracking.forecasts (
    id             uuid PRIMARY KEY,
    plan_id        text NOT NULL,
    as_of          timestamptz NOT NULL,
    made_at        timestamptz NOT NULL DEFAULT now(),
    model_version  text NOT NULL,
    engine_version text NOT NULL,
    plan_versions  text[] NOT NULL,      -- the plan versions (with hashes) of the families judged
    families       int NOT NULL,
    draws          int NOT NULL,
    seed           bigint NOT NULL,
    requested_by   text NOT NULL,        -- the workflow (or command) that asked
    forecast       jsonb NOT NULL
);
CREATE INDEX forecasts_plan ON tracking.forecasts (plan_id, as_of DESC);
