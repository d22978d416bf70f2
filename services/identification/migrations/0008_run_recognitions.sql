-- Households of each run that hold people of families the programme already holds without a
-- run having found them (the case service's imports): the family id the run gave the
-- household, the known family, how many people matched on date of birth and both names
-- (matched) or one name (partial), and whether the recognition was certain (the household
-- took the known family's id, unless an earlier run had placed its people: then the two are
-- suspected duplicates). Ids and counts only.
CREATE TABLE identification.run_recognitions (
    run_id          uuid NOT NULL,
    family_id       uuid NOT NULL,
    known_family_id uuid NOT NULL,
    matched         int NOT NULL,
    partial         int NOT NULL,
    certain         boolean NOT NULL
);
CREATE INDEX run_recognitions_run ON identification.run_recognitions (run_id);
