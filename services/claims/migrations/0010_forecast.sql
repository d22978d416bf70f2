-- The dashboard's copy of tracking's latest results forecast for each plan (tracking owns the
-- forecast and keeps every snapshot; the ProgrammeForecast workflow hands claims each new
-- one). Counts and pence only.
CREATE TABLE claims.forecasts (
    plan_id     text PRIMARY KEY,
    snapshot_id uuid NOT NULL,
    as_of       timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    forecast    jsonb NOT NULL
);
