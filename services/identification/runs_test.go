package identification

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/familypath/familypath/pkg/extracts"
	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/keyring"
	"github.com/familypath/familypath/pkg/platform/sealed"
	"github.com/familypath/familypath/pkg/platform/service"
	"github.com/familypath/familypath/pkg/platform/testenv"
	"github.com/familypath/familypath/pkg/synthetic/county"
	"github.com/familypath/familypath/plans"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/familypath/familypath/services/identification/internal/candidates"
	"github.com/familypath/familypath/services/identification/internal/evidence"
	"github.com/familypath/familypath/services/identification/internal/ingest"
	"github.com/familypath/familypath/services/identification/internal/linking"
	"github.com/familypath/familypath/services/identification/internal/runs"
	"github.com/google/uuid"
)

// loadCounty writes a synthetic county of n households and loads its files, one upload per
// feed, dated as of the reference date.
func loadCounty(t *testing.T, d *service.Deps, n int) []string {
	t.Helper()
	dir := t.TempDir()
	if _, err := county.WriteFiles(dir, extracts.CSV, county.Config{Seed: 11, Households: n}); err != nil {
		t.Fatal(err)
	}
	store := ingest.Store{DB: d.DB, Keys: d.Settings.FieldKeys}
	var ids []string
	for _, f := range extracts.Feeds() {
		in, err := os.Open(filepath.Join(dir, f.Name+".csv")) // #nosec G304 -- the test's folder
		if err != nil {
			t.Fatal(err)
		}
		up, _, err := store.Load(
			context.Background(),
			in,
			ingest.Meta{Feed: f.Name, Format: extracts.CSV, FileName: f.Name + ".csv",
				AsOf: "2016-10-01", LoadedBy: "test"},
		)
		in.Close()
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, up.ID.String())
	}
	return ids
}

// runOnce records a run through the API, then does what its workflow does, in order, with
// the worker's own activities: link, tell the eligible families a page at a time, finish.
func runOnce(
	t *testing.T,
	h *testAPI,
	d *service.Deps,
	uploads []string,
) (runs.RunBody, int64, *familypathv1.StartFamiliesResponse) {
	t.Helper()
	return runUnder(t, h, d, d.Settings.FieldKeys, uploads)
}

// runUnder is runOnce with the worker holding keys as its FIELD_KEYS ring.
func runUnder(
	t *testing.T,
	h *testAPI,
	d *service.Deps,
	keys *keyring.Keyring,
	uploads []string,
) (runs.RunBody, int64, *familypathv1.StartFamiliesResponse) {
	t.Helper()
	body := `{"plan_id":"lancashire-phase2","reference_date":"2016-10-01","upload_ids":["` + strings.Join(
		uploads,
		`","`,
	) + `"]}`
	w := call(h, "POST", "/v1/identification-runs", body, "test-"+testenv.Unique())
	if w.Code != http.StatusAccepted {
		t.Fatalf("create run: %d %s", w.Code, w.Body)
	}
	run := decode[runs.RunBody](t, w)
	ps, err := outcomes.Load(plans.FS)
	if err != nil {
		t.Fatal(err)
	}
	acts := &linking.Activities{
		Linker: linking.Linker{DB: d.DB, Keys: keys, Extracts: ingest.Store{DB: d.DB, Keys: keys},
			Evidence: evidence.Store{DB: d.DB, Keys: keys}, Plans: ps},
		Fanout: runs.Fanout{
			DB:         d.DB,
			Candidates: candidates.Store{DB: d.DB},
			Lifecycles: candidates.Lifecycles{Temporal: d.Temporal},
		}, Store: runs.Store{DB: d.DB}}
	ctx := context.Background()
	linked, err := acts.Linker.Link(ctx, uuid.MustParse(run.ID))
	if err != nil {
		t.Fatal(err)
	}
	total := &familypathv1.StartFamiliesResponse{}
	after := ""
	for {
		page, err := acts.StartFamilies(
			ctx,
			&familypathv1.StartFamiliesRequest{RunId: run.ID, AfterFamilyId: after, Limit: 7},
		)
		if err != nil {
			t.Fatal(err)
		}
		total.Started, total.Signalled, total.Unchanged, total.Closed = total.Started+page.Started, total.Signalled+page.Signalled,
			total.Unchanged+page.Unchanged, total.Closed+page.Closed
		after = page.LastFamilyId
		if page.Done {
			break
		}
	}
	if _, err := acts.FinishRun(ctx, &familypathv1.FinishRunRequest{RunId: run.ID, Started: int64(total.Started),
		Signalled: int64(total.Signalled), Unchanged: int64(total.Unchanged)}); err != nil {
		t.Fatal(err)
	}
	got := decode[runs.RunBody](t, call(h, "GET", "/v1/identification-runs/"+run.ID, "", ""))
	if got.Status != runs.StatusCompleted || got.Counts.GetEligible() != linked.GetEligible() {
		t.Fatalf("run after finishing: %+v", got)
	}
	return got, linked.GetChanged(), total
}

func eligibleFamilies(t *testing.T, h *testAPI, run string, query string) []runs.FamilyBody {
	t.Helper()
	var all []runs.FamilyBody
	cursor := ""
	for {
		w := call(h, "GET", "/v1/identification-runs/"+run+"/families?limit=200&"+query+cursor, "", "")
		if w.Code != 200 {
			t.Fatalf("families: %d %s", w.Code, w.Body)
		}
		var page struct {
			Items      []runs.FamilyBody `json:"items"`
			NextCursor string            `json:"next_cursor"`
		}
		_ = json.Unmarshal(w.Body.Bytes(), &page)
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			return all
		}
		cursor = "&cursor=" + page.NextCursor
	}
}

// A run over loaded extracts identifies the county's eligible families and starts each one's
// workflow with one evidence signal; a second run over the same data changes nothing; a
// month later, over new extracts holding the same households and some more, the families
// keep their ids and only the new ones are told; and those open to no service are listed.
func TestIdentificationRunsStartFamiliesOnceAndKeepTheirIDs(t *testing.T) {
	h, d := api(t)
	uploads := loadCounty(t, d, 300)
	first, changed, told := runOnce(t, h, d, uploads)
	eligible := first.Counts.GetEligible()
	if eligible < 10 || changed != eligible || int64(told.Started) != eligible || told.Signalled+told.Unchanged != 0 {
		t.Fatalf("first run: %+v changed %d told %+v", first.Counts, changed, told)
	}
	t.Logf("first run: %+v, told %+v", first.Counts, told)
	families := eligibleFamilies(t, h, first.ID, "eligible=true")
	for _, f := range families[:3] {
		if n := signals(t, d.Temporal, "family/"+f.FamilyID); n != 1 || f.Fanout != runs.FanoutStarted ||
			f.EvidenceSnapshotID == "" {
			t.Errorf("family %s: %d signals, %+v", f.FamilyID, n, f)
		}
	}
	joined := map[string]int{} // what put the families' people together (the county writes residents' accounts)
	for _, f := range families {
		for _, why := range f.JoinedBy {
			joined[why]++
		}
	}
	if joined["ADDRESS_SPELLS"] == 0 || joined["ACCOUNT"] == 0 {
		t.Errorf("families joined by %v", joined)
	}
	var links struct{ Scored, Identified, Levels int64 }
	d.DB.Raw(`SELECT count(*) FILTER (WHERE linked_by = 'score' AND weight > 0) AS scored, count(*) FILTER (WHERE linked_by = 'identifier') AS identified,
		count(*) FILTER (WHERE cardinality(levels) = 6) AS levels FROM identification.run_links WHERE run_id = ?`, first.ID).
		Scan(&links)
	if links.Scored == 0 || links.Identified == 0 || links.Levels != links.Scored+links.Identified {
		t.Errorf("the run's links, with their scores and comparisons: %+v", links)
	}
	closed := eligibleFamilies(t, h, first.ID, "eligible=true&open_to_service=false")
	if int64(len(closed)) != first.Counts.GetEligibleNotOpenToService() || len(closed) == 0 ||
		len(closed) == len(families) {
		t.Errorf(
			"%d families open to no service, counted %d, of %d",
			len(closed),
			first.Counts.GetEligibleNotOpenToService(),
			len(families),
		)
	}

	second, changed, told := runOnce(t, h, d, uploads)
	if changed != 0 || told.Started+told.Signalled != 0 || int64(told.Unchanged) != eligible ||
		second.Counts.GetEligible() != eligible {
		t.Errorf("second run over the same data: changed %d, told %+v", changed, told)
	}
	again := eligibleFamilies(t, h, second.ID, "eligible=true")
	if fmt.Sprint(ids(again)) != fmt.Sprint(ids(families)) {
		t.Error("the families' ids changed over the same data")
	}
	if n := signals(t, d.Temporal, "family/"+families[0].FamilyID); n != 1 {
		t.Errorf("%d signals after an unchanged run", n)
	}

	// Next month's extracts: the same 300 households and 40 more, as new files.
	next := loadCounty(t, d, 340)
	third, changed, told := runOnce(t, h, d, next)
	t.Logf("next month: %+v, changed %d, told %+v", third.Counts, changed, told)
	kept := map[string]bool{}
	for _, f := range eligibleFamilies(t, h, third.ID, "eligible=true") {
		kept[f.FamilyID] = true
	}
	for _, f := range families {
		if !kept[f.FamilyID] {
			t.Errorf("family %s lost its id in next month's run", f.FamilyID)
		}
	}
	if newOnes := third.Counts.GetEligible() - eligible; changed != newOnes || int64(told.Started) != newOnes ||
		told.Signalled != 0 {
		t.Errorf("next month: %d more eligible, changed %d, told %+v", newOnes, changed, told)
	}

	// What an analyst reads of them: the runs newest first, the families a run changed (none:
	// families merged or split), the households it recognised, and an upload it read.
	var listed struct{ Items []runs.RunBody }
	if w := call(h, "GET", "/v1/identification-runs?limit=3", "", ""); w.Code != http.StatusOK ||
		json.Unmarshal(w.Body.Bytes(), &listed) != nil || len(listed.Items) != 3 || listed.Items[0].ID != third.ID {
		t.Errorf("runs: %d %.300s", w.Code, w.Body)
	}
	if w := call(h, "GET", "/v1/identification-runs/"+third.ID+"/family-changes", "", ""); w.Code != http.StatusOK {
		t.Errorf("the run's family changes: %d %.300s", w.Code, w.Body)
	}
	if w := call(h, "GET", "/v1/identification-runs/"+third.ID+"/recognitions", "", ""); w.Code != http.StatusOK {
		t.Errorf("the run's recognitions: %d %.300s", w.Code, w.Body)
	}
	if w := call(h, "GET", "/v1/uploads/"+next[0], "", ""); w.Code != http.StatusOK ||
		!strings.Contains(w.Body.String(), next[0]) {
		t.Errorf("an upload: %d %.300s", w.Code, w.Body)
	}
}

func ids(fs []runs.FamilyBody) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.FamilyID
	}
	return out
}

// A reviewer reads a pair (both records in full, audited) and decides it; the decision is
// kept once, and wins in the next run: the two records are one person there, and the pair
// is not asked again.
func TestReviewersDecisionsAreKeptAndWinInTheNextRun(t *testing.T) {
	h, d := api(t)
	uploads := loadCounty(t, d, 300)
	first, _, _ := runOnce(t, h, d, uploads)
	w := call(h, "GET", "/v1/identification-runs/"+first.ID+"/review-queue", "", "")
	queue := decode[struct {
		Items []runs.PairBody `json:"items"`
	}](t, w)
	if w.Code != 200 || len(queue.Items) == 0 || queue.Items[0].Rank != 1 || len(queue.Items[0].Levels) != 6 {
		t.Fatalf("queue: %d %s", w.Code, w.Body)
	}
	list := w.Body.String()
	path := fmt.Sprintf("/v1/identification-runs/%s/review-queue/1", first.ID)
	detail := call(h, "GET", path, "", "")
	var pair struct {
		Records [2]runs.RecordBody `json:"records"`
	}
	if err := json.Unmarshal(detail.Body.Bytes(), &pair); err != nil || detail.Code != 200 ||
		pair.Records[0].Surname == "" ||
		detail.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("pair: %d %s", detail.Code, detail.Body)
	}
	holds := func(v string) bool { return v != "" && strings.Contains(list, v) } // a record may lack a field
	if holds(pair.Records[0].Surname) || holds(pair.Records[1].Surname) || holds(pair.Records[0].Postcode) ||
		holds(pair.Records[1].Postcode) {
		t.Errorf("the queue's list holds personal data: %s", list)
	}
	var audited int64
	d.DB.Raw(`SELECT count(*) FROM identification.audit_events WHERE resource_type = 'review_pair'`).Scan(&audited)
	if audited != 1 {
		t.Errorf("%d audit rows for reading a pair", audited)
	}
	for _, c := range []struct {
		body string
		code int
	}{{`{"decision":"same","reason":"same person, moved"}`, 201}, {`{"decision":"same","reason":"same person, moved"}`, 200},
		{`{"decision":"maybe"}`, 400}} {
		if w := call(h, "POST", path+"/decision", c.body, ""); w.Code != c.code {
			t.Errorf("%s: %d %s", c.body, w.Code, w.Body)
		}
	}
	second, _, _ := runOnce(t, h, d, uploads)
	var people []string
	d.DB.Raw(`SELECT DISTINCT k.person_id::text FROM identification.review_pairs p JOIN identification.person_keys k
		ON k.pseudonym IN (substring(p.pair_key from 1 for 16), substring(p.pair_key from 17 for 16))
		WHERE p.run_id = ? AND p.rank = 1`, first.ID).Scan(&people)
	if len(people) != 1 {
		t.Errorf("the pair decided the same is %d people after the next run", len(people))
	}
	var again int64
	d.DB.Raw(`SELECT count(*) FROM identification.review_pairs WHERE run_id = ? AND pair_key =
		(SELECT pair_key FROM identification.review_pairs WHERE run_id = ? AND rank = 1)`, second.ID, first.ID).Scan(&again)
	if again != 0 || second.Counts.GetReviewPairs() >= first.Counts.GetReviewPairs() {
		t.Errorf(
			"the decided pair is asked again (%d); queue %d then %d",
			again,
			first.Counts.GetReviewPairs(),
			second.Counts.GetReviewPairs(),
		)
	}
}

// After a FIELD_KEYS rotation, people, families and reviewers' decisions are found by their
// old pseudonyms while the old key is in the ring, kept under the new key, and still found
// once the old key is gone.
func TestPeopleFamiliesAndDecisionsOutliveAKeyRotation(t *testing.T) {
	h, d := api(t)
	uploads := loadCounty(t, d, 300)
	first, _, _ := runOnce(t, h, d, uploads)
	if w := call(h, "POST", "/v1/identification-runs/"+first.ID+"/review-queue/1/decision", `{"decision":"same"}`, ""); w.Code != 201 {
		t.Fatalf("decide: %d %s", w.Code, w.Body)
	}
	applied, _, _ := runOnce(t, h, d, uploads) // the decision takes effect
	families := fmt.Sprint(ids(eligibleFamilies(t, h, applied.ID, "eligible=true")))
	asked := func(run string) int64 {
		var n int64
		d.DB.Raw(`SELECT count(*) FROM identification.review_pairs WHERE run_id = ? AND pair_key IN
			(SELECT p.pair_key FROM identification.review_pairs p WHERE p.run_id = ? AND p.rank = 1)`, run, first.ID).Scan(&n)
		return n
	}
	newLine, _ := keyring.Generate("rotated")
	both, err := keyring.Parse(newLine + "\n" + h.FieldKeys)
	if err != nil {
		t.Fatal(err)
	}
	rotating, changed, _ := runUnder(t, h, d, both, uploads)
	if got := fmt.Sprint(ids(eligibleFamilies(t, h, rotating.ID, "eligible=true"))); changed != 0 || got != families {
		t.Errorf("during the rotation: %d families' evidence changed; ids the same: %v", changed, got == families)
	}
	var rekeyed int64
	d.DB.Raw(`SELECT count(*) FROM identification.review_decisions WHERE key_id = 'rotated'`).Scan(&rekeyed)
	if rekeyed != 1 {
		t.Errorf("%d decisions kept under the new key", rekeyed)
	}
	// The old key goes (its rows resealed first); the next run knows everyone still.
	if _, err := sealed.Reseal(context.Background(), d.DB, both, Definition().Sealed, 1000, io.Discard); err != nil {
		t.Fatal(err)
	}
	onlyNew, _ := keyring.Parse(newLine)
	after, changed, _ := runUnder(t, h, d, onlyNew, uploads)
	if got := fmt.Sprint(ids(eligibleFamilies(t, h, after.ID, "eligible=true"))); changed != 0 || got != families {
		t.Errorf("with the new key alone: %d families' evidence changed; ids the same: %v", changed, got == families)
	}
	if asked(applied.ID)+asked(rotating.ID)+asked(after.ID) != 0 {
		t.Error("the decided pair is asked again")
	}
}
