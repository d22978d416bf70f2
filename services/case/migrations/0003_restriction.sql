-- Restriction of processing (UK GDPR Article 18): while a family's row says restricted, its
-- data is kept and may be read by those allowed, but not changed; every service learns it
-- with its access answer. Who set or lifted it, and when, is in the audit trail.
ALTER TABLE "case".families
    ADD COLUMN restricted_at      timestamptz,
    ADD COLUMN restriction_ground text CHECK (restriction_ground IN
        ('ACCURACY_CONTESTED', 'UNLAWFUL_PROCESSING', 'NEEDED_FOR_LEGAL_CLAIMS', 'OBJECTION_PENDING')),
    ADD CHECK ((restricted_at IS NULL) = (restriction_ground IS NULL));
