package ledger

import (
	"context"

	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// ImportLedger enters what an import's page of families brought from the council's previous
// system: the attachment fee, kept where it was received and booked where it never was (one
// entry either way), and a claim already submitted or paid, as the family's first claim, with
// its result in the ledger when paid. Every entry is keyed as the
// workflow's own are, so a retry, a second import or the workflow itself never enters one
// twice; a family with a live claim already keeps it (once-only). It answers each family's
// claim id ("" without one), in the request's order.
func (a Activities) ImportLedger(
	ctx context.Context,
	r *familypathv1.ImportLedgerRequest,
) (*familypathv1.ImportLedgerResponse, error) {
	fams := r.GetFamilies()
	if len(r.GetAttachmentIds()) != len(fams) {
		return nil, invalid("each imported family needs its attachment id")
	}
	importID, err := uuid.Parse(r.GetImportId())
	if err != nil {
		return nil, invalid("the import's id")
	}
	out := &familypathv1.ImportLedgerResponse{ClaimIds: make([]string, len(fams))}
	err = a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Claims are made one at a time (CreateClaim's lock): the family cap counts these too.
		if err := tx.Exec("SELECT pg_advisory_xact_lock(hashtext('familypath.claims.create'))").Error; err != nil {
			return err
		}
		for i, f := range fams {
			family, err := uuid.Parse(f.GetFamilyId())
			if err != nil || f.GetAttachedAt() == nil {
				return invalid("an imported family needs its id and attachment date")
			}
			p, err := a.plan(f.GetPlanVersion())
			if err != nil {
				return err
			}
			// One fee entry per attachment, as the workflow's own: received before the import
			// (kept), or never received (booked now, dated at the attachment).
			res := tx.Exec(
				`INSERT INTO claims.ledger (id, kind, family_id, source_id, amount_pence, plan_version, occurred_at, import_id, received_before_import)
				VALUES (?, 'ATTACHMENT_FEE', ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, source_id) DO NOTHING`,
				FeeEntryID(
					r.GetAttachmentIds()[i],
				),
				family,
				r.GetAttachmentIds()[i],
				p.Money.AttachmentFeePence,
				f.GetPlanVersion(),
				f.GetAttachedAt().AsTime(),
				importID,
				f.GetFeeReceived(),
			)
			if res.Error != nil {
				return res.Error
			}
			if f.GetFeeReceived() {
				out.FeesReceived += int32(res.RowsAffected) // #nosec G115 -- 0 or 1
			} else {
				out.FeesBooked += int32(res.RowsAffected) // #nosec G115 -- 0 or 1
			}
			c := f.GetClaim()
			if c == nil {
				continue
			}
			id, entered, err := importClaim(tx, family, f, importID)
			if err != nil {
				return err
			}
			out.ClaimIds[i] = id
			if entered {
				out.Claims++
			}
			if c.GetStatus() == "PAID" {
				// Paid before the import: the day it was paid is not in the file; the window's
				// close stands for it (the dashboard counts it in that year).
				if err := tx.Exec(`INSERT INTO claims.ledger (id, kind, family_id, source_id, amount_pence, plan_version, occurred_at, import_id)
					VALUES (?, 'RESULT', ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, source_id) DO NOTHING`,
					ResultEntryID(id), family, id, p.Money.ResultPence, f.GetPlanVersion(), c.GetWindowCloses().AsTime(), importID).Error; err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// importClaim enters the family's imported claim as its first attempt, unless it has a live
// claim already (imported before, or made here): that one is answered.
func importClaim(
	tx *gorm.DB,
	family uuid.UUID,
	f *familypathv1.ImportedFamily,
	importID uuid.UUID,
) (string, bool, error) {
	var live []string
	if err := tx.Raw(`SELECT id::text FROM claims.claims WHERE family_id = ? AND status <> 'FAILED_AUDIT'`, family).Scan(&live).Error; err != nil {
		return "", false, err
	}
	if len(live) > 0 {
		return live[0], false, nil
	}
	c := f.GetClaim()
	route := "SSP"
	if c.GetRoute() == familypathv1.ResultRoute_RESULT_ROUTE_CE {
		route = "CE"
	}
	id := ClaimID(family, 1)
	// The result was achieved by the time the window opened; the claim's problems were judged
	// in the previous system, so none are frozen here.
	err := tx.Exec(
		`INSERT INTO claims.claims (id, family_id, attempt, route, plan_version, evidence_snapshot_id, achieved_at, problems, status, window_id, import_id)
		VALUES (?, ?, 1, ?, ?, '', ?, '[]'::jsonb, ?, ?, ?)`,
		id,
		family,
		route,
		f.GetPlanVersion(),
		c.GetWindowOpens().AsTime(),
		c.GetStatus(),
		c.GetWindowId(),
		importID,
	).Error
	return id.String(), err == nil, err
}
