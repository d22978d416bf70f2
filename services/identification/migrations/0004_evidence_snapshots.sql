-- Evidence snapshots: the members and evidence rows a family's judgements rest on, frozen
-- with an id. The family's workflow carries only the id; tracking reads the snapshot here
-- (GET /v1/evidence-snapshots/{id}) when it judges, and claims freeze it in evidence packs.
-- A snapshot never changes; new evidence is a new snapshot, made only when it differs
-- from the family's latest (content_hash), so a refresh over unchanged data changes nothing.
CREATE TABLE identification.evidence_snapshots (
    id             uuid PRIMARY KEY,
    family_id      uuid NOT NULL,
    plan_id        text NOT NULL,
    plan_version   text NOT NULL,         -- the plan version eligibility was judged under ("id@version")
    reference_date date NOT NULL,
    problem_codes  text[] NOT NULL,       -- problems evidenced at the reference date
    content_hash   text NOT NULL,         -- SHA-256 of the canonical members and facts
    sealed         bytea NOT NULL,        -- members and facts (special category data), sealed under FIELD_KEYS, bound to id
    member_count   int NOT NULL,
    fact_count     int NOT NULL,
    recorded_by    text NOT NULL,         -- a user's subject or a run's id
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX evidence_snapshots_family ON identification.evidence_snapshots (family_id, created_at DESC, id);
-- Only the sealing may change (a key rotation seals the same content again).
CREATE FUNCTION identification.evidence_snapshot_unchanged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.id, NEW.family_id, NEW.plan_id, NEW.plan_version, NEW.reference_date, NEW.problem_codes, NEW.content_hash,
        NEW.member_count, NEW.fact_count, NEW.recorded_by, NEW.created_at) IS DISTINCT FROM
       (OLD.id, OLD.family_id, OLD.plan_id, OLD.plan_version, OLD.reference_date, OLD.problem_codes, OLD.content_hash,
        OLD.member_count, OLD.fact_count, OLD.recorded_by, OLD.created_at) THEN
        RAISE EXCEPTION 'an evidence snapshot never changes: record a new one';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER evidence_snapshots_never_change BEFORE UPDATE ON identification.evidence_snapshots
    FOR EACH ROW EXECUTE FUNCTION identification.evidence_snapshot_unchanged();
