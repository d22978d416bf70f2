-- A run's people as linked, kept while the run is linking so that a retry after a crash or a
-- deploy resumes after linking (the costliest stage) instead of linking again; removed in the
-- transaction that keeps the run's result. Sealed under FIELD_KEYS, bound to the run and the
-- stage: record numbers, pseudonyms and link weights, no name or identifier.
CREATE TABLE identification.run_checkpoints (
    run_id     uuid NOT NULL,
    stage      text NOT NULL,
    inputs     text NOT NULL, -- a hash of what the stage was computed from: another input, no resuming
    sealed     bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, stage)
);
