-- A claim window is a plan's: two plans (phase 2 and phase 3, say) may both have a window
-- "2017-01". Audit samples, reminders and submissions are keyed by (plan, window), so one plan's
-- window never takes another's sample or submission. Existing rows take their plan from the
-- workflow that recorded them (claim-window/<plan>/<window>...), or from their claims.
ALTER TABLE claims.audit_samples ADD COLUMN plan_id text;
UPDATE claims.audit_samples s SET plan_id = COALESCE(
    CASE WHEN s.workflow_id LIKE 'claim-window/%' THEN split_part(s.workflow_id, '/', 2) END,
    (SELECT split_part(c.plan_version, '@', 1) FROM claims.claims c
      WHERE c.id::text IN (SELECT x->>'claim_id' FROM jsonb_array_elements(s.sampled) x) LIMIT 1),
    (SELECT split_part(c.plan_version, '@', 1) FROM claims.claims c WHERE c.window_id = s.window_id LIMIT 1),
    '');
ALTER TABLE claims.audit_samples ALTER COLUMN plan_id SET NOT NULL;
ALTER TABLE claims.audit_samples DROP CONSTRAINT audit_samples_pkey;
ALTER TABLE claims.audit_samples ADD PRIMARY KEY (plan_id, window_id);

ALTER TABLE claims.submissions ADD COLUMN plan_id text;
UPDATE claims.submissions sub SET plan_id = COALESCE(
    (SELECT split_part(c.plan_version, '@', 1) FROM claims.claims c WHERE c.id::text = sub.claim_ids[1]),
    (SELECT s.plan_id FROM claims.audit_samples s WHERE s.window_id = sub.window_id LIMIT 1),
    '');
ALTER TABLE claims.submissions ALTER COLUMN plan_id SET NOT NULL;
ALTER TABLE claims.submissions DROP CONSTRAINT submissions_pkey;
ALTER TABLE claims.submissions ADD PRIMARY KEY (plan_id, window_id);

ALTER TABLE claims.audit_reminders ADD COLUMN plan_id text;
UPDATE claims.audit_reminders r SET plan_id = COALESCE(
    (SELECT s.plan_id FROM claims.audit_samples s WHERE s.window_id = r.window_id LIMIT 1), '');
ALTER TABLE claims.audit_reminders ALTER COLUMN plan_id SET NOT NULL;
DROP INDEX claims.audit_reminders_window;
CREATE INDEX audit_reminders_window ON claims.audit_reminders (plan_id, window_id, sent_at);
