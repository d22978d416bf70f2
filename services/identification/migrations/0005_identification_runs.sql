-- Identification runs: one pass of the pipeline (link people, group households, judge
-- families; internal/matching) over a set of uploads at a reference date, by the
-- IdentificationRun workflow, and what each run found. Ids, codes, counts and keyed
-- pseudonyms only: who a record is about stays sealed in extract_rows.
CREATE TABLE identification.runs (
    id                           uuid PRIMARY KEY,
    plan_id                      text NOT NULL,
    plan_version                 text NOT NULL,
    reference_date               date NOT NULL,
    upload_ids                   uuid[] NOT NULL CHECK (cardinality(upload_ids) >= 1),
    -- RUNNING until its result is kept (LINKED), COMPLETED once every eligible family's
    -- workflow was told.
    status                       text NOT NULL CHECK (status IN ('RUNNING', 'LINKED', 'COMPLETED')),
    workflow_id                  text NOT NULL UNIQUE,
    request_hash                 text NOT NULL,
    requested_by                 text NOT NULL,
    key_id                       text,            -- the FIELD_KEYS key its pseudonyms were made under
    records                      bigint,
    people                       bigint,
    households                   bigint,
    families                     bigint,
    eligible                     bigint,
    eligible_not_open_to_service bigint,
    review_pairs                 bigint,
    changed                      bigint,
    started                      bigint NOT NULL DEFAULT 0,
    signalled                    bigint NOT NULL DEFAULT 0,
    unchanged                    bigint NOT NULL DEFAULT 0,
    closed                       bigint NOT NULL DEFAULT 0,
    created_at                   timestamptz NOT NULL DEFAULT now(),
    linked_at                    timestamptz,
    finished_at                  timestamptz
);
CREATE INDEX runs_page ON identification.runs (created_at, id);

-- Who each distinct record (by its fingerprint's pseudonym: HMAC-SHA-256 under FIELD_KEYS,
-- so that nothing here says whom it is about) was found to be, so that a person keeps their
-- id from run to run.
CREATE TABLE identification.person_keys (
    pseudonym bytea PRIMARY KEY,
    key_id    text NOT NULL,
    person_id uuid NOT NULL,
    last_run  uuid NOT NULL
);

-- Who was in which household in each run (households with and without dependants), so that
-- a family keeps its id when someone joins, leaves or it moves.
CREATE TABLE identification.family_members (
    run_id    uuid NOT NULL,
    family_id uuid NOT NULL,
    person_id uuid NOT NULL,
    PRIMARY KEY (run_id, person_id)
);

-- How each run's families changed since the run before, explained with counts and ids.
CREATE TABLE identification.family_changes (
    run_id          uuid NOT NULL,
    family_id       uuid NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('NEW', 'MEMBERS_JOINED', 'MEMBERS_LEFT', 'MERGED', 'SPLIT')),
    other_family_id uuid,
    people          int NOT NULL,
    explanation     text NOT NULL
);
CREATE INDEX family_changes_run ON identification.family_changes (run_id, family_id);

-- Each run's families (households with a dependent child or a pregnancy) as judged, and what
-- the fan-out did for each eligible one.
CREATE TABLE identification.run_families (
    run_id               uuid NOT NULL,
    family_id            uuid NOT NULL,
    members              int NOT NULL,
    eligible             boolean NOT NULL,
    open_to_service      boolean NOT NULL,
    problem_codes        text[] NOT NULL,
    evidence_snapshot_id uuid,   -- eligible families: the snapshot of this run's evidence
    changed              boolean NOT NULL DEFAULT false,
    fanout               text NOT NULL DEFAULT 'PENDING'
        CHECK (fanout IN ('PENDING', 'STARTED', 'SIGNALLED', 'UNCHANGED', 'CLOSED', 'NOT_ELIGIBLE')),
    PRIMARY KEY (run_id, family_id)
);

-- Each run's review queue: pairs of records whose people stay apart unless a reviewer
-- decides they are one, most valuable first (rank 1). Records are named by their place.
CREATE TABLE identification.review_pairs (
    run_id      uuid NOT NULL,
    rank        int NOT NULL,
    pair_key    bytea NOT NULL,  -- the two records' fingerprint pseudonyms, in order
    upload_a    uuid NOT NULL,
    row_a       int NOT NULL,
    upload_b    uuid NOT NULL,
    row_b       int NOT NULL,
    person_a    uuid NOT NULL,
    person_b    uuid NOT NULL,
    family_a    uuid,
    family_b    uuid,
    weight      double precision NOT NULL,
    probability double precision NOT NULL,
    levels      smallint[] NOT NULL, -- each field's agreement: 0 exact, 1 close, 2 partial, 3 differ, 4 missing
    value       int NOT NULL,
    PRIMARY KEY (run_id, rank)
);

-- Reviewers' decisions, kept whole (append-only): the latest for a pair wins over any score
-- in every later run.
CREATE TABLE identification.review_decisions (
    pair_key    bytea NOT NULL,
    key_id      text NOT NULL,
    same_person boolean NOT NULL,
    reason      text NOT NULL DEFAULT '',
    decided_by  text NOT NULL,
    decided_at  timestamptz NOT NULL,
    run_id      uuid NOT NULL,
    rank        int NOT NULL,
    PRIMARY KEY (pair_key, decided_at)
);
CREATE FUNCTION identification.review_decisions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a review decision is never changed: record a new one';
END $$;
CREATE TRIGGER review_decisions_never_change BEFORE UPDATE OR DELETE ON identification.review_decisions
    FOR EACH ROW EXECUTE FUNCTION identification.review_decisions_append_only();
