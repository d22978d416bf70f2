-- Continuous employment: the earliest moment an adult's work would make (or made) the
-- family's result, for the continuous-employment candidates report.
ALTER TABLE tracking.family_status ADD COLUMN ce_projected_at timestamptz;
