-- Families found to be one (a duplicate across import, referral and identification), merged
-- with a reason by the data team: the merged family's workflow is closed (MERGED), the other
-- carries on, and identification's runs give the merged family's people the surviving id.
-- Ids, a reason code, who and when.
CREATE TABLE "case".family_merges (
    family_id      uuid PRIMARY KEY,          -- merged away
    into_family_id uuid NOT NULL,
    reason_code    text NOT NULL,
    merged_by      text NOT NULL,
    merged_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (family_id <> into_family_id)
);
CREATE INDEX family_merges_into ON "case".family_merges (into_family_id);
