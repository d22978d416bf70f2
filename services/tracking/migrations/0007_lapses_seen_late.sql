-- A lapse seen long after its evidence began (a bad school term, seen after the term): the
-- forecast reads from these how a problem's lapses hide in data still to come
-- (docs/forecast.md). Rows kept before were not told apart: not late.
ALTER TABLE tracking.problem_transitions ADD COLUMN seen_late boolean NOT NULL DEFAULT false;
