-- The version of each family's members (replaced whole by PUT): its ETag, so that a change made
-- since a caseworker read the members is never silently overwritten (If-Match). 0: none yet.
ALTER TABLE "case".families ADD COLUMN members_version bigint NOT NULL DEFAULT 0;
