package claims

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/servicetest"
	"github.com/familypath/familypath/pkg/platform/testenv"
	"github.com/familypath/familypath/pkg/platform/upstream"
	caseservice "github.com/familypath/familypath/services/case"
	"github.com/familypath/familypath/services/claims/internal/ledger"
	"github.com/familypath/familypath/services/identification"
	"github.com/google/uuid"
)

// owners are the services claims reads evidence from, real, each over its own database.
type owners struct{ ident, cases *servicetest.API }

// activities are claims' activities over a's database, freezing evidence packs from real
// identification and case services served on loopback (with their issuers' service tokens).
func activities(t *testing.T, a *servicetest.API) (ledger.Activities, owners) {
	t.Helper()
	o := owners{
		ident: servicetest.New(t, identification.Definition(), servicetest.Options{}),
		cases: servicetest.New(t, caseservice.Definition(), servicetest.Options{}),
	}
	serve := func(name string, s *servicetest.API) *upstream.Service {
		srv := httptest.NewServer(s.Handler)
		t.Cleanup(srv.Close)
		return &upstream.Service{Name: name, URL: srv.URL, Token: s.Issuer.ServiceToken("claims")}
	}
	keys := a.Deps.Settings.FieldKeys
	return ledger.Activities{
		DB:    a.Deps.DB,
		Plans: plansWithCap(t),
		Packs: &ledger.Freezer{
			Identification: serve("identification", o.ident),
			Case:           serve("case", o.cases),
			Keys:           keys,
		},
	}, o
}

// A claim's evidence pack freezes the family's evidence snapshot (members and rows), the
// case's evidence, the judgement and the plan version with its hash, sealed.
func TestEvidencePackFreezesTheEvidenceTheClaimRestsOn(t *testing.T) {
	a := servicetest.New(t, Definition(), servicetest.Options{})
	acts, o := activities(t, a)
	analyst := auth.Principal{Subject: "analyst", Roles: []string{auth.RoleDataAnalyst}}
	w := o.ident.Do(
		analyst,
		"POST",
		"/v1/candidate-families",
		`{"plan_id":"lancashire-phase2","reference_date":"2016-10-01",`+
			`"members":[{"id":"p-1","birth_date":"1985-02-01"},{"id":"p-2","birth_date":"2008-06-15"}],`+
			`"facts":[{"id":"social_care:1","person":"p-2","feed":"social_care","type":"CP_PLAN","start":"2016-03-01","end":"2016-05-01"},`+
			`{"id":"dwp_benefits:1","person":"p-1","feed":"dwp_benefits","type":"JSA","start":"2016-01-04"}]}`,
		"Idempotency-Key",
		"test-"+testenv.Unique(),
	)
	var fam struct {
		ID                 string `json:"id"`
		EvidenceSnapshotID string `json:"evidence_snapshot_id"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &fam); err != nil || w.Code != 201 {
		t.Fatalf("identify: %d %s", w.Code, w.Body)
	}
	req := claimFor(fam.ID, 1, "lancashire-phase2@1")
	req.EvidenceSnapshotId = fam.EvidenceSnapshotID
	c, err := acts.CreateClaim(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	var row struct {
		PlanHash string
		Sealed   []byte
	}
	a.Deps.DB.Raw("SELECT plan_hash, sealed FROM claims.evidence_packs WHERE claim_id = ?", c.GetClaimId()).Scan(&row)
	pack, err := acts.Packs.Open(uuid.MustParse(c.GetClaimId()), row.Sealed)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := acts.Plans.ByKey("lancashire-phase2@1")
	if pack.Snapshot == nil || len(pack.Snapshot.Facts) != 2 || len(pack.Snapshot.Members) != 2 ||
		pack.PlanHash != p.Hash ||
		row.PlanHash != p.Hash ||
		pack.Route != "SSP" ||
		len(pack.Problems) == 0 {
		t.Errorf("pack %+v", pack)
	}
	auditor := auth.Principal{Subject: "aud.1", Roles: []string{auth.RoleAuditor}}
	w = a.Do(auditor, "GET", "/v1/claims/"+c.GetClaimId()+"/spot-check", "")
	var export struct {
		Pack struct {
			EvidenceSnapshot struct {
				Facts []struct{ ID string } `json:"facts"`
			} `json:"evidence_snapshot"`
			Problems []map[string]any `json:"problems"`
		} `json:"evidence_pack"`
		Trail []struct{ Step string } `json:"decision_trail"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &export); err != nil || w.Code != 200 ||
		len(export.Pack.EvidenceSnapshot.Facts) != 2 ||
		len(export.Trail) != 1 ||
		export.Trail[0].Step != "CLAIMED" {
		t.Errorf("spot check: %d %s", w.Code, w.Body)
	}
	// The problems in the API's style, whatever the pack froze: snake_case, statuses by name.
	if len(export.Pack.Problems) == 0 || export.Pack.Problems[0]["status"] != "SUSTAINED" ||
		export.Pack.Problems[0]["code"] != "EDUCATION" ||
		strings.Contains(w.Body.String(), "PROBLEM_STATUS_") ||
		strings.Contains(w.Body.String(), "sustainedAt") {
		t.Errorf("the pack's problems in the export: %v", export.Pack.Problems)
	}
	if w := a.Do(analyst, "GET", "/v1/claims/"+c.GetClaimId()+"/spot-check", ""); w.Code != 403 {
		t.Errorf("an analyst exports a claim: %d", w.Code)
	}
	req.EvidenceSnapshotId, req.Attempt = uuid.NewString(), 2
	if _, err := acts.CreateClaim(context.Background(), req); err == nil {
		t.Error("a claim on evidence that does not exist was made")
	}
	a.RotateFieldKeys(Definition().Sealed, 1) // a field key rotation reseals the pack: the new key alone opens it
}
