//go:build e2e

package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// The data team checks a running programme's import file against the running case service:
// a clean family's steps, and a family with a claim but no route reported by line and field.
func TestAnImportFileIsCheckedBeforeAnythingChanges(t *testing.T) {
	header := "contract_version,council_family_ref,plan_id,plan_version,team,attached_on,attachment_fee_received,baseline_problems,progress,claim_window,claim_route,claim_status,person_ref,role,relationship\n"
	file := header +
		"1,E2E/1,lancashire-phase2,1,preston-1,2016-05-10,N,CRIME;HEALTH,CRIME:2016-08-01,,,,A-1,ADULT,PARENT_CARER\n" +
		"1,E2E/1,lancashire-phase2,1,preston-1,2016-05-10,N,CRIME;HEALTH,CRIME:2016-08-01,,,,A-2,CHILD,CHILD\n" +
		"1,E2E/2,lancashire-phase2,1,preston-1,2016-05-10,Y,CRIME;HEALTH,,2017-07,,PAID,B-1,CHILD,CHILD\n"
	code, body := request(t, "POST", env(t, "CASE_URL")+"/v1/imports/dry-run", file, "Content-Type", "text/csv")
	var got struct {
		Importable bool
		Families   int
		Issues     []struct {
			Line  int
			Field string
		}
		Would []struct {
			CouncilFamilyRef string `json:"council_family_ref"`
			Phase            string
			BookFee          bool `json:"book_attachment_fee"`
		}
	}
	if code != http.StatusOK || json.Unmarshal(body, &got) != nil {
		t.Fatalf("dry run: %d %s", code, body)
	}
	if got.Importable || got.Families != 2 || len(got.Would) != 1 || got.Would[0].CouncilFamilyRef != "E2E/1" ||
		!got.Would[0].BookFee ||
		got.Would[0].Phase != "TRACKING" ||
		len(got.Issues) != 1 ||
		got.Issues[0].Line != 4 ||
		got.Issues[0].Field != "claim_route" {
		t.Fatalf("dry run: %s", body)
	}
	if strings.Contains(string(body), "A-1") {
		t.Error("a member's reference in the answer")
	}
}
