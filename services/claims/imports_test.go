package claims

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/platform/servicetest"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// What an import brings into the ledger is entered once however often it is applied: a fee
// received is kept and one never received is booked (the workflow's own booking of either then
// changes nothing), a paid claim is the family's first claim with its result, and a family
// with a live claim keeps it.
func TestAnImportsLedgerEntriesAreEnteredOnceAndHoldOnceOnly(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	acts, _ := activities(t, a)
	ctx := context.Background()
	attached := timestamppb.New(time.Date(2016, 5, 10, 0, 0, 0, 0, time.UTC))
	opens, closes := timestamppb.New(
		time.Date(2017, 4, 1, 0, 0, 0, 0, time.UTC),
	), timestamppb.New(
		time.Date(2017, 4, 28, 0, 0, 0, 0, time.UTC),
	)
	received := &familypathv1.ImportedFamily{
		FamilyId:    uuid.NewString(),
		PlanVersion: "lancashire-phase2@1",
		AttachedAt:  attached,
		FeeReceived: true,
	}
	paid := &familypathv1.ImportedFamily{
		FamilyId:    uuid.NewString(),
		PlanVersion: "lancashire-phase2@1",
		AttachedAt:  attached,
		Claim: &familypathv1.ImportedClaim{
			WindowId:     "2017-04",
			Route:        familypathv1.ResultRoute_RESULT_ROUTE_SSP,
			Status:       "PAID",
			WindowOpens:  opens,
			WindowCloses: closes,
		},
	}
	req := &familypathv1.ImportLedgerRequest{
		ImportId:      uuid.NewString(),
		Families:      []*familypathv1.ImportedFamily{received, paid},
		AttachmentIds: []string{"att-r", "att-p"},
	}
	first, err := acts.ImportLedger(ctx, req)
	if err != nil || first.GetFeesReceived() != 1 || first.GetFeesBooked() != 1 || first.GetClaims() != 1 ||
		first.GetClaimIds()[0] != "" ||
		first.GetClaimIds()[1] == "" {
		t.Fatalf("first: %v %v", first, err)
	}
	again, err := acts.ImportLedger(ctx, req)
	if err != nil || again.GetFeesReceived() != 0 || again.GetFeesBooked() != 0 || again.GetClaims() != 0 ||
		again.GetClaimIds()[1] != first.GetClaimIds()[1] {
		t.Fatalf("again: %v %v", again, err)
	}
	// The received family's workflow books nothing more.
	if _, err := acts.RecordAttachmentFee(ctx, &familypathv1.RecordAttachmentFeeRequest{FamilyId: received.GetFamilyId(), AttachmentId: "att-r",
		AttachedAt: attached, PlanVersion: "lancashire-phase2@1"}); err != nil {
		t.Fatal(err)
	}
	var entries []struct {
		Kind     string
		Received *bool
		Pence    int64
	}
	a.Deps.DB.Raw(`SELECT kind, received_before_import AS received, amount_pence AS pence FROM claims.ledger WHERE import_id IS NOT NULL
		ORDER BY kind, received_before_import`).
		Scan(&entries)
	if len(entries) != 3 || entries[0].Kind != "ATTACHMENT_FEE" || *entries[0].Received || !*entries[1].Received ||
		entries[2].Kind != "RESULT" ||
		entries[2].Pence <= 0 {
		t.Errorf("ledger %+v (want a fee booked, a fee received, a result)", entries)
	}
	// Once-only: the paid family cannot be claimed for again.
	if _, err := acts.CreateClaim(ctx, &familypathv1.CreateClaimRequest{FamilyId: paid.GetFamilyId(), Attempt: 2, Route: familypathv1.ResultRoute_RESULT_ROUTE_SSP,
		PlanVersion: "lancashire-phase2@1", AchievedAt: timestamppb.Now(), AttachedAt: attached, BaselineProblems: []string{"CRIME", "HEALTH"}}); err == nil ||
		!strings.Contains(err.Error(), "live claim") {
		t.Errorf("a second claim for a family paid before the import: %v", err)
	}
}
