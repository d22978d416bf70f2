-- The ClaimWindow workflow that drew each sample. A Temporal Schedule starts a window's
-- workflow with its scheduled time appended to the id ("claim-window/<plan>/<window>-<time>"),
-- so the claims API reads the id here to send auditors' decisions and the payment to it.
ALTER TABLE claims.audit_samples ADD COLUMN workflow_id text;
