-- What each claim window's workflow recorded: its audit sample (with the seed that drew
-- it), reminders sent to auditors, and its submission. Ids and codes only.
CREATE TABLE claims.audit_samples (
    window_id   text PRIMARY KEY,
    seed        numeric(20) NOT NULL,        -- a uint64
    batch_size  int NOT NULL,
    required    int NOT NULL,
    sampled     jsonb NOT NULL,              -- [{"claim_id": ..., "reason": ...}]
    recorded_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE claims.audit_reminders (
    window_id   text NOT NULL,
    sent_at     timestamptz NOT NULL DEFAULT now(),
    outstanding text[] NOT NULL,
    escalated   boolean NOT NULL
);
CREATE INDEX audit_reminders_window ON claims.audit_reminders (window_id, sent_at);

CREATE TABLE claims.submissions (
    window_id    text PRIMARY KEY,
    id           uuid NOT NULL UNIQUE,
    claim_ids    text[] NOT NULL,
    submitted_at timestamptz NOT NULL DEFAULT now()
);
