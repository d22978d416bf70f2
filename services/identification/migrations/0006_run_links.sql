-- The links each run made between records (the records by their place), with the score and
-- the comparisons that made each: why two records are one person can always be shown.
CREATE TABLE identification.run_links (
    run_id   uuid NOT NULL,
    upload_a uuid NOT NULL,
    row_a    int NOT NULL,
    upload_b uuid NOT NULL,
    row_b    int NOT NULL,
    weight   double precision,   -- NULL for a reviewer's decision (it wins over any score)
    levels   smallint[] NOT NULL, -- each field's agreement: 0 exact, 1 close, 2 partial, 3 differ, 4 missing
    linked_by text NOT NULL CHECK (linked_by IN ('score', 'identifier', 'decision'))
);
CREATE INDEX run_links_run ON identification.run_links USING brin (run_id);
