package identification

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/extracts"
	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/audit"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/service"
	"github.com/familypath/familypath/services/identification/internal/evidence"
	"github.com/familypath/familypath/services/identification/internal/ingest"
	"github.com/google/uuid"
)

const socialCareCSV = "forename,surname,dob,sex,postcode,lcs_id,episode_type,start_date,end_date\n" +
	"Amy,Smith,2008-06-15,F,PR1 2AB,LCS-1,CP_PLAN,2015-01-01,2016-05-01\n" +
	"Bo,Jones,2008-02-30,F,PR1 2AB,LCS-2,CIN,2015-03-01,\n" + // unknown dob: loaded, reported
	"Cy,Brown,2009-01-01,M,PR1 2AB,LCS-3,HOLIDAY,2015-01-01,\n" + // rejected: episode type
	"Di,Evans,2009-01-01,M,\"PR1\t2AB\",LCS-4,S47,2016-01-01,2015-01-01\n" // rejected: end before start

// upload sends a file as the analyst actor (no token when actor is empty).
func upload(h *testAPI, query, contentType string, body io.Reader, actor string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", "/v1/uploads?"+query, body)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "")
	if actor != "" {
		req.Header.Set("Authorization", "Bearer "+h.Token(analyst(actor)))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func decode[T any](t *testing.T, w *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("%d %s: %v", w.Code, w.Body, err)
	}
	return v
}

func rowsLoaded(t *testing.T, d *service.Deps) (rows, uploads, issues int64) {
	t.Helper()
	db := d.DB.WithContext(context.Background())
	db.Table("identification.extract_rows").Count(&rows)
	db.Table("identification.uploads").Count(&uploads)
	db.Table("identification.upload_issues").Count(&issues)
	return
}

func TestUploadLoadsAcceptedRowsWithTheirReportOnceOnly(t *testing.T) {
	h, d := api(t)
	w := upload(
		h,
		"feed=social_care&as_of=2016-10-01&file_name=csc-2016-10.csv",
		"text/csv",
		strings.NewReader(socialCareCSV),
		"analyst.one",
	)
	if w.Code != http.StatusCreated {
		t.Fatalf("upload: %d %s", w.Code, w.Body)
	}
	up := decode[ingest.UploadBody](t, w)
	if up.RowsRead != 4 || up.RowsAccepted != 2 || up.RowsRejected != 2 || up.UnknownValues != 1 ||
		up.LoadedBy != "analyst.one" ||
		up.FileName != "csc-2016-10.csv" ||
		up.AsOf != "2016-10-01" ||
		up.Bytes != int64(len(socialCareCSV)) ||
		up.AlreadyLoaded {
		t.Errorf("upload %+v", up)
	}
	if rows, uploads, issues := rowsLoaded(t, d); rows != 2 || uploads != 1 || issues != 3 {
		t.Errorf("stored %d rows, %d uploads, %d issues; want 2, 1, 3", rows, uploads, issues)
	}
	// Who a row is about is sealed, bound to its row; the rest is in clear.
	var stored struct {
		UploadID  string
		EventType string
		Identity  []byte
	}
	d.DB.Raw("SELECT upload_id::text, event_type, identity FROM identification.extract_rows WHERE row_number = 2").
		Scan(&stored)
	id, err := ingest.OpenIdentity(d.Settings.FieldKeys, stored.UploadID, 2, stored.Identity)
	if err != nil || stored.EventType != "CIN" || id.SourceID != "LCS-2" || id.Forename != "Bo" || id.DOB != "" ||
		id.Postcode != "PR1 2AB" {
		t.Errorf("row 2 stored as %+v, identity %+v (%v)", stored.EventType, id, err)
	}
	if _, err := ingest.OpenIdentity(d.Settings.FieldKeys, stored.UploadID, 1, stored.Identity); err == nil {
		t.Error("row 2's identity opens as row 1's")
	}
	var whole []string
	d.DB.Raw("SELECT r::text FROM identification.extract_rows r").Scan(&whole)
	for _, plain := range []string{"Amy", "Smith", "Jones", "LCS-1", "LCS-2", "PR1 2AB", "2008-06-15"} {
		if strings.Contains(strings.Join(whole, "\n"), plain) {
			t.Errorf("extract_rows holds %q in clear", plain)
		}
	}

	// The report, as JSON pages and as CSV.
	page := decode[httpapi.Page[ingest.IssueBody]](
		t,
		call(h, "GET", "/v1/uploads/"+up.ID+"/issues?kind=REJECTED_ROW", "", ""),
	)
	if len(page.Items) != 2 || page.Items[0].Line != 4 || page.Items[0].Field != "episode_type" ||
		page.Items[1].Line != 5 {
		t.Errorf("rejected rows %+v", page.Items)
	}
	req := httptest.NewRequest("GET", "/v1/uploads/"+up.ID+"/issues", nil)
	req.Header.Set("Accept", "text/csv")
	csvw := httptest.NewRecorder()
	h.ServeHTTP(csvw, req)
	if want := "line,row,field,kind,reason\n3,2,dob,UNKNOWN_VALUE,"; csvw.Code != 200 ||
		!strings.HasPrefix(csvw.Body.String(), want) ||
		strings.Count(csvw.Body.String(), "\n") != 4 {
		t.Errorf("CSV report %d:\n%s", csvw.Code, csvw.Body)
	}
	if strings.Contains(csvw.Body.String()+w.Body.String(), "HOLIDAY") ||
		strings.Contains(csvw.Body.String(), "2008-02-30") {
		t.Error("the report quotes values from the file")
	}

	// The same file again is a no-op answered with the first load.
	again := upload(h, "feed=social_care", "text/csv", strings.NewReader(socialCareCSV), "analyst.two")
	if first := decode[ingest.UploadBody](t, again); again.Code != http.StatusOK || first.ID != up.ID ||
		!first.AlreadyLoaded ||
		first.LoadedBy != "analyst.one" {
		t.Errorf("re-upload: %d %s", again.Code, again.Body)
	}
	if rows, uploads, _ := rowsLoaded(t, d); rows != 2 || uploads != 1 {
		t.Errorf("a re-upload wrote: %d rows, %d uploads", rows, uploads)
	}
	list := decode[httpapi.Page[ingest.UploadBody]](t, call(h, "GET", "/v1/uploads?feed=social_care", "", ""))
	if len(list.Items) != 1 || list.Items[0].ID != up.ID {
		t.Errorf("list %+v", list)
	}
}

func TestUploadsThatCannotBeReadLoadNothing(t *testing.T) {
	h, d := api(t)
	cases := []struct {
		name, query, ctype, actor string
		body                      io.Reader
		status                    int
	}{
		{
			"required column missing",
			"feed=social_care",
			"text/csv",
			"a",
			strings.NewReader("forename,lcs_id\nAmy,LCS-1\n"),
			422,
		},
		{"empty file", "feed=police", "text/csv", "a", strings.NewReader(""), 422},
		{"unknown feed", "feed=library_loans", "text/csv", "a", strings.NewReader(socialCareCSV), 400},
		{"no token", "feed=social_care", "text/csv", "", strings.NewReader(socialCareCSV), 401},
		{"not CSV or JSON Lines", "feed=social_care", "application/pdf", "a", strings.NewReader(socialCareCSV), 415},
		{
			"cut short",
			"feed=social_care",
			"text/csv",
			"a",
			io.MultiReader(strings.NewReader(socialCareCSV), failingReader{}),
			400,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := upload(h, c.query, c.ctype, c.body, c.actor)
			if w.Code != c.status || w.Header().Get("Content-Type") != httpapi.ProblemContentType {
				t.Errorf("%s: %d %s", c.name, w.Code, w.Body)
			}
		})
	}
	if rows, uploads, issues := rowsLoaded(t, d); rows+uploads+issues != 0 {
		t.Errorf("failed uploads left %d rows, %d uploads, %d issues", rows, uploads, issues)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestUploadJSONLinesAndConcurrentCopiesOfOneFile(t *testing.T) {
	h, d := api(t)
	jsonl := `{"forename":"Amy","nhs_number":"943 476 5919","need":"SUBSTANCE_MISUSE","start_date":"2015-01-01"}` + "\n" +
		`{"need":"TEENAGE_PREGNANCY","start_date":"2016-01-01","end_date":null}` + "\n"
	var wg sync.WaitGroup
	ids := make([]string, 4)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := upload(h, "feed=health", "application/x-ndjson", strings.NewReader(jsonl), "a")
			if w.Code != 201 && w.Code != 200 {
				t.Errorf("upload %d: %d %s", i, w.Code, w.Body)
			}
			ids[i] = decode[ingest.UploadBody](t, w).ID
		}()
	}
	wg.Wait()
	for _, id := range ids[1:] {
		if id != ids[0] {
			t.Errorf("concurrent uploads of one file answered different uploads: %v", ids)
		}
	}
	if rows, uploads, _ := rowsLoaded(t, d); rows != 2 || uploads != 1 {
		t.Errorf("concurrent uploads of one file stored %d rows in %d uploads; want 2 in 1", rows, uploads)
	}
}

func TestIngestCommandLoadsFilesByTheirNamesAndSkipsThoseLoaded(t *testing.T) {
	_, d := api(t)
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	csc := write("social_care-2016-10.csv", socialCareCSV)
	bad := write("police.csv", "forename\nAmy\n")
	unnamed := write("extract.csv", socialCareCSV)
	store := ingest.Store{DB: d.DB, Keys: d.Settings.FieldKeys}
	var out bytes.Buffer
	err := ingest.Command(context.Background(), store, []string{"--loaded-by", "batch", csc, bad, unnamed}, &out)
	if err == nil || !strings.Contains(err.Error(), "2 of 3 files not loaded") {
		t.Errorf("err %v", err)
	}
	for _, want := range []string{"social_care-2016-10.csv: loaded as upload", "4 rows, 2 accepted, 2 rejected", "police.csv: not loaded: event_type: a required column is missing",
		"extract.csv: not loaded: the file's name does not start with a feed's name", "[3/3] ", "3 files: 1 loaded or already loaded, 2 not loaded"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := ingest.Command(context.Background(), store, []string{csc}, &out); err != nil ||
		!strings.Contains(out.String(), "already loaded as upload") {
		t.Errorf("second run: %v\n%s", err, out.String())
	}
	if rows, uploads, _ := rowsLoaded(t, d); rows != 2 || uploads != 1 {
		t.Errorf("stored %d rows in %d uploads", rows, uploads)
	}
}

// A field key rotation: a new key goes first in the ring, reseal moves every sealed value of
// the service (extract rows, evidence snapshots) to it, keys-status refuses to drop the old key
// until then, and the ring without the old key opens everything.
func TestEverySealedColumnResealsUnderANewKey(t *testing.T) {
	h, d := api(t)
	if w := upload(h, "feed=social_care", "text/csv", strings.NewReader(socialCareCSV), "analyst.one"); w.Code != 201 {
		t.Fatalf("upload: %d %s", w.Code, w.Body)
	}
	_, err := (evidence.Store{DB: d.DB, Keys: d.Settings.FieldKeys}).Record(
		context.Background(),
		&evidence.Snapshot{
			FamilyID:      uuid.New(),
			PlanID:        "lancashire-phase2",
			PlanVersion:   "lancashire-phase2@1",
			ReferenceDate: time.Date(2016, 10, 1, 0, 0, 0, 0, time.UTC),
			ProblemCodes:  []string{"CRIME"},
			RecordedBy:    "analyst.one",
		},
		&evidence.Content{Members: []outcomes.Member{{ID: "m1", Role: "child"}}},
	)
	if err != nil {
		t.Fatal(err)
	}
	h.RotateFieldKeys(Definition().Sealed, 3) // two extract rows, one snapshot
}

func TestSubjectAccessExportsOnePersonsRowsAndIsAudited(t *testing.T) {
	h, d := api(t)
	if w := upload(h, "feed=social_care", "text/csv", strings.NewReader(socialCareCSV), "analyst.one"); w.Code != 201 {
		t.Fatalf("upload: %d %s", w.Code, w.Body)
	}
	var out, report bytes.Buffer
	exportSubject := func(args ...string) error {
		out.Reset()
		return service.ExportSubject(context.Background(), Definition(), d, args, &out, &report)
	}
	if err := exportSubject("--requested-by", "dpo.one", "--reference", "SAR-2026-0042", "--surname", "smith", "--dob", "2008-06-15"); err != nil {
		t.Fatal(err)
	}
	var export struct {
		Reference string `json:"reference"`
		Sections  struct {
			ExtractRows []ingest.SubjectAccessRow `json:"extract_rows"`
		} `json:"sections"`
	}
	rows := &export.Sections.ExtractRows
	if err := json.Unmarshal(out.Bytes(), &export); err != nil || export.Reference != "SAR-2026-0042" ||
		len(*rows) != 1 ||
		(*rows)[0].Forename != "Amy" ||
		(*rows)[0].EventType != "CP_PLAN" ||
		(*rows)[0].RowNumber != 1 {
		t.Fatalf("export %s (%v)", out.String(), err)
	}
	if err := exportSubject("--requested-by", "dpo.one", "--reference", "SAR-2026-0043", "--source-id", "lcs-2"); err != nil ||
		!strings.Contains(out.String(), `"source_id": "LCS-2"`) {
		t.Errorf("by source id: %v\n%s", err, out.String())
	}
	events, _ := d.Audit.Query(context.Background(), audit.Filter{ResourceType: "subject-access-request"})
	if len(events) != 2 || events[0].Actor != "dpo.one" || !strings.HasPrefix(events[0].Reason, "1 rows in ") {
		t.Errorf("audited %+v", events)
	}
	for _, e := range events {
		if strings.Contains(e.Reason+e.ResourceID, "Smith") || strings.Contains(e.Reason+e.ResourceID, "2008") {
			t.Errorf("the audit trail names the data subject: %+v", e)
		}
	}
	if err := exportSubject("--requested-by", "x", "--reference", "R1", "--surname", "Smith"); err == nil {
		t.Error("a surname without a date of birth was accepted")
	}
	if err := exportSubject("--requested-by", "x", "--reference", "R1", "--family-id", "not-a-uuid"); err == nil {
		t.Error("an id that is not a uuid was accepted")
	}
	if err := exportSubject("--requested-by", "x", "--reference", "R2", "--surname", "smith", "--dob", "2008-06-15", "--timeout", "1ns"); err == nil {
		t.Error("an export past its own timeout answered")
	}
}

func TestRetentionRemovesOnlyUploadsPastTheirPeriod(t *testing.T) {
	h, d := api(t)
	if w := upload(h, "feed=social_care", "text/csv", strings.NewReader(socialCareCSV), "analyst.one"); w.Code != 201 {
		t.Fatalf("upload: %d", w.Code)
	}
	recent := strings.Replace(socialCareCSV, "LCS-1", "LCS-9", 1)
	if w := upload(h, "feed=social_care", "text/csv", strings.NewReader(recent), "analyst.one"); w.Code != 201 {
		t.Fatalf("upload: %d", w.Code)
	}
	// The first was loaded 25 months ago.
	d.DB.Exec(
		`UPDATE identification.uploads SET loaded_at = now() - interval '25 months' WHERE id = (SELECT id FROM identification.uploads ORDER BY loaded_at LIMIT 1)`,
	)
	store := ingest.Store{DB: d.DB}
	var out bytes.Buffer
	if err := ingest.RetentionCommand(context.Background(), store, d.Audit, 24, []string{"--dry-run"}, &out); err != nil ||
		!strings.Contains(out.String(), "would remove 1 uploads") {
		t.Fatalf("dry run: %v %s", err, out.String())
	}
	if rows, uploads, _ := rowsLoaded(t, d); rows != 4 || uploads != 2 {
		t.Fatalf("the dry run removed something: %d rows, %d uploads", rows, uploads)
	}
	out.Reset()
	if err := ingest.RetentionCommand(context.Background(), store, d.Audit, 24, nil, &out); err != nil ||
		!strings.Contains(out.String(), "removed 1 uploads") {
		t.Fatalf("retention: %v %s", err, out.String())
	}
	if rows, uploads, issues := rowsLoaded(t, d); rows != 2 || uploads != 1 || issues != 3 {
		t.Errorf("after retention: %d rows, %d uploads, %d issues", rows, uploads, issues)
	}
	if events, _ := d.Audit.Query(context.Background(), audit.Filter{ResourceType: "uploads"}); len(events) != 1 ||
		events[0].Action != "retention.delete" {
		t.Errorf("audited %+v", events)
	}
}

// Contract version 2's residents feed loads like any other: its account reference sealed with
// the row's identity and read back, its source and dates in clear; the upload records the
// contract version it was read under.
func TestResidentsLoadWithTheirAccountSealed(t *testing.T) {
	_, d := api(t)
	store := ingest.Store{DB: d.DB, Keys: d.Settings.FieldKeys}
	in := "forename,surname,dob,sex,address_line1,postcode,source,account_ref,from_date,to_date\n" +
		"Zofia,Nowak,1988-02-01,F,9 New Road,PR1 2AB,COUNCIL_TAX,CT-0042,2016-01-01,\n" +
		"Ola,Nowak,2014-03-03,F,9 New Road,PR1 2AB,GP_REGISTRATION,,2016-02-01,\n"
	up, _, err := store.Load(
		context.Background(),
		strings.NewReader(in),
		ingest.Meta{Feed: extracts.Residents, Format: extracts.CSV,
			FileName: "residents.csv", AsOf: "2016-10-01", LoadedBy: "test"},
	)
	if err != nil || up.RowsAccepted != 2 || up.ContractVersion != 2 {
		t.Fatalf("load: %+v %v", up, err)
	}
	var rows []extracts.Row
	if err := store.Rows(context.Background(), []uuid.UUID{up.ID}, func(_ int32, feed string, r *extracts.Row) error {
		if feed == extracts.Residents {
			rows = append(rows, *r)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].AccountRef != "CT-0042" || rows[0].EventType != "COUNCIL_TAX" ||
		rows[0].StartDate != "2016-01-01" ||
		rows[1].EventType != "GP_REGISTRATION" ||
		rows[1].AccountRef != "" ||
		rows[1].Forename != "Ola" {
		t.Errorf("read back %+v", rows)
	}
	var clear int64
	d.DB.Raw(`SELECT count(*) FROM identification.extract_rows WHERE upload_id = ? AND position('CT-0042' in coalesce(team, '') || coalesce(town, '')) > 0`, up.ID).
		Scan(&clear)
	if clear != 0 {
		t.Error("the account reference is stored in clear")
	}
}

// The report names what the file gave, a column's name among it: as CSV, a name a
// spreadsheet would run as a formula is written as text.
func TestTheCSVReportRunsNothingInASpreadsheet(t *testing.T) {
	h, _ := api(t)
	body := "forename,surname,dob,sex,postcode,lcs_id,episode_type,start_date,\"=HYPERLINK(\"\"http://x\"\")\"\n" +
		"Amy,Smith,2008-06-15,F,PR1 2AB,LCS-1,CP_PLAN,2015-01-01,x\n"
	w := upload(h, "feed=social_care", "text/csv", strings.NewReader(body), "analyst.one")
	up := decode[ingest.UploadBody](t, w)
	req := httptest.NewRequest("GET", "/v1/uploads/"+up.ID+"/issues", nil)
	req.Header.Set("Accept", "text/csv")
	csvw := httptest.NewRecorder()
	h.ServeHTTP(csvw, req)
	rows, err := csv.NewReader(csvw.Body).ReadAll()
	if err != nil || len(rows) != 2 || !strings.HasPrefix(rows[1][2], "'=") {
		t.Errorf("the report as CSV: %v %v", rows, err)
	}
}

// Every upload through the API is counted by feed and outcome, so an alert can tell our
// failures from files that were refused for their own faults.
func TestUploadsAreCountedByOutcome(t *testing.T) {
	h, _ := api(t)
	upload(h, "feed=social_care", "text/csv", strings.NewReader(socialCareCSV), "analyst.one")
	upload(h, "feed=social_care", "text/csv", strings.NewReader(socialCareCSV), "analyst.one")
	upload(h, "feed=social_care", "text/csv", strings.NewReader("forename,surname\nAmy,Smith\n"), "analyst.one")
	got := map[string]float64{}
	for _, s := range h.Series("familypath_uploads_total") {
		got[s.Labels["feed"]+"/"+s.Labels["outcome"]] = s.Value
	}
	if got["social_care/loaded"] != 1 || got["social_care/already_loaded"] != 1 || got["social_care/refused"] != 1 ||
		got["social_care/failed"] != 0 {
		t.Errorf("counted %v", got)
	}
}
