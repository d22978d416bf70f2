-- A correction is one family's request: keyed by (family, request), so that one request id used
-- for two families (a client reusing its keys) corrects each, rather than the second being taken
-- for a retry of the first and silently not made.
ALTER TABLE attachment.corrections DROP CONSTRAINT corrections_pkey;
ALTER TABLE attachment.corrections ADD PRIMARY KEY (family_id, request_id);
