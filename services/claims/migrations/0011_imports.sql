-- Claims and ledger entries a council brought in with its programme (the case service's
-- import): a claim already submitted or paid, a result paid, an attachment fee received
-- before familypath. They count as any other (once-only, the family cap, the dashboard);
-- import_id says where they came from, for auditors. A claim imported has no evidence pack
-- (its evidence is in the council's previous system).
ALTER TABLE claims.claims ADD COLUMN import_id uuid;
ALTER TABLE claims.ledger ADD COLUMN import_id uuid;
-- An attachment fee the file says was received before familypath (true), or never received
-- and booked by the import (false); NULL for entries not imported.
ALTER TABLE claims.ledger ADD COLUMN received_before_import boolean;
