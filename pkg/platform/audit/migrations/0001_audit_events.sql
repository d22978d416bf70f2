-- The service's audit trail (pkg/platform/audit): append-only and hash-chained. Applied
-- with the service's schema as search_path, so every service gets its own trail.
CREATE TABLE audit_events (
    seq           bigint PRIMARY KEY CHECK (seq >= 1),
    at            timestamptz NOT NULL,
    actor         text NOT NULL,
    roles         text[] NOT NULL,
    action        text NOT NULL,
    resource_type text NOT NULL,
    resource_id   text NOT NULL,
    outcome       text NOT NULL CHECK (outcome IN ('allowed', 'refused')),
    reason        text NOT NULL,
    request_id    text NOT NULL,
    prev_hash     bytea NOT NULL,
    hash          bytea NOT NULL UNIQUE
);
CREATE INDEX audit_events_resource ON audit_events (resource_type, resource_id, seq);
CREATE INDEX audit_events_actor ON audit_events (actor, seq);
CREATE INDEX audit_events_at ON audit_events USING brin (at);

-- Append-only: no row is changed or removed, whoever asks (a database superuser can still
-- drop the trigger; Verify finds what was then changed).
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
