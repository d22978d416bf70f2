//go:build e2e

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/extracts"
	"github.com/familypath/familypath/pkg/synthetic/county"
)

// An analyst uploads a synthetic county's extracts to the running identification API: every
// row the county wrote is accepted (its agency errors are in person fields, reported as
// unknown), the report is there as CSV, and the same file again changes nothing.
func TestCountyExtractsUploadThroughTheAPI(t *testing.T) {
	base := env(t, "IDENTIFICATION_URL")
	for _, format := range []extracts.Format{extracts.CSV, extracts.JSONLines} {
		dir := t.TempDir()
		s, err := county.WriteFiles(dir, format, county.Config{Seed: uint64(time.Now().UnixNano()), Households: 150})
		if err != nil {
			t.Fatal(err)
		}
		media := map[extracts.Format]string{extracts.CSV: "text/csv", extracts.JSONLines: "application/x-ndjson"}[format]
		for _, feed := range []string{extracts.SchoolCensus, extracts.DWPBenefits, extracts.HouseholdLinks} {
			file, err := os.ReadFile(filepath.Join(dir, feed+"."+string(format)))
			if err != nil {
				t.Fatal(err)
			}
			url := base + "/v1/uploads?feed=" + feed + "&as_of=2016-10-01&file_name=" + feed + "." + string(format)
			code, body := request(t, "POST", url, string(file), "Content-Type", media)
			var up struct {
				ID            string `json:"id"`
				RowsRead      int    `json:"rows_read"`
				RowsAccepted  int    `json:"rows_accepted"`
				RowsRejected  int    `json:"rows_rejected"`
				AlreadyLoaded bool   `json:"already_loaded"`
			}
			_ = json.Unmarshal(body, &up)
			if code != 201 || up.RowsRead != s.Rows[feed] || up.RowsAccepted != s.Rows[feed] || up.RowsRejected != 0 {
				t.Fatalf("%s %s: %d %s (the county wrote %d rows)", format, feed, code, body, s.Rows[feed])
			}
			code, body = request(t, "POST", url, string(file), "Content-Type", media)
			var again struct {
				ID            string `json:"id"`
				AlreadyLoaded bool   `json:"already_loaded"`
			}
			_ = json.Unmarshal(body, &again)
			if code != 200 || again.ID != up.ID || !again.AlreadyLoaded {
				t.Errorf("%s %s again: %d %s", format, feed, code, body)
			}
			code, body = request(t, "GET", base+"/v1/uploads/"+up.ID+"/issues", "", "Accept", "text/csv")
			if code != 200 || !strings.HasPrefix(string(body), "line,row,field,kind,reason\n") {
				t.Errorf("%s %s report: %d %.200s", format, feed, code, body)
			}
		}
	}
	code, body := request(t, "GET", base+"/v1/uploads?feed=school_census&limit=1", "")
	if code != 200 || !strings.Contains(string(body), `"loaded_by":"e2e.analyst"`) {
		t.Errorf("list: %d %s", code, body)
	}
}
