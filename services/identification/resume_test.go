package identification

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/keyring"
	"github.com/familypath/familypath/pkg/platform/testenv"
	"github.com/familypath/familypath/plans"
	"github.com/familypath/familypath/services/identification/internal/evidence"
	"github.com/familypath/familypath/services/identification/internal/ingest"
	"github.com/familypath/familypath/services/identification/internal/linking"
	"github.com/familypath/familypath/services/identification/internal/runs"
	"github.com/google/uuid"
)

// A linking attempt stopped after its people were linked (a worker killed, or a deploy past
// WORKER_STOP_TIMEOUT) is resumed by the next attempt from the run's checkpoint: the people
// are read, not linked again, and the run's result is what an uninterrupted run keeps. The
// checkpoint goes with the result. An attempt that is not a resumption links afresh.
func TestALinkingRunResumesFromItsCheckpoint(t *testing.T) {
	ps, err := outcomes.Load(plans.FS)
	if err != nil {
		t.Fatal(err)
	}
	// Every run pseudonymises under one key, so that runs in their own databases link alike.
	shared, err := keyring.Generate("shared")
	if err != nil {
		t.Fatal(err)
	}
	linkRun := func(resume bool, stopAt string) (*runs.RunBody, []string, error) {
		t.Helper()
		h, d := api(t)
		uploads := loadCounty(t, d, 120)
		run := decode[runs.RunBody](t, call(
			h,
			"POST",
			"/v1/identification-runs",
			`{"plan_id":"lancashire-phase2","reference_date":"2016-10-01","upload_ids":["`+strings.Join(
				uploads,
				`","`,
			)+`"]}`,
			"test-"+testenv.Unique(),
		))
		keys, err := keyring.Parse(shared + "\n" + h.FieldKeys)
		if err != nil {
			t.Fatal(err)
		}
		l := linking.Linker{DB: d.DB, Keys: keys, Extracts: ingest.Store{DB: d.DB, Keys: keys},
			Evidence: evidence.Store{DB: d.DB, Keys: keys}, Plans: ps}
		var stages []string
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		l.Progress = func(s string) {
			stages = append(stages, s)
			if s == stopAt {
				cancel() // the worker goes away here
			}
		}
		id := uuid.MustParse(run.ID)
		_, err = l.Link(ctx, id)
		switch {
		case stopAt == "" && err != nil:
			return nil, stages, err
		case stopAt != "" && !errors.Is(err, context.Canceled):
			t.Fatalf("the stopped attempt: %v", err)
		}
		if stopAt != "" { // the next attempt, on another worker
			l.Resume = resume
			stages = nil
			if _, err := l.Link(context.Background(), id); err != nil {
				return nil, stages, err
			}
		}
		var left int64
		d.DB.Raw(`SELECT count(*) FROM identification.run_checkpoints WHERE run_id = ?`, id).Scan(&left)
		if left != 0 {
			t.Errorf("%d checkpoints left after the run was kept", left)
		}
		got := decode[runs.RunBody](t, call(h, "GET", "/v1/identification-runs/"+run.ID, "", ""))
		return &got, stages, nil
	}
	whole, _, err := linkRun(false, "")
	if err != nil {
		t.Fatal(err)
	}
	resumed, stages, err := linkRun(true, linking.StagePeopleLinked)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(stages, linking.StagePeopleResumed) || slices.Contains(stages, linking.StagePeopleLinked) {
		t.Errorf("the resumed attempt's stages: %v", stages)
	}
	afresh, stages, err := linkRun(false, linking.StagePeopleLinked)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(stages, linking.StagePeopleLinked) {
		t.Errorf("an attempt that is not a resumption did not link: %v", stages)
	}
	for name, r := range map[string]*runs.RunBody{"resumed": resumed, "linked again": afresh} {
		if r.Status != runs.StatusLinked || r.Counts.GetPeople() != whole.Counts.GetPeople() ||
			r.Counts.GetFamilies() != whole.Counts.GetFamilies() || r.Counts.GetEligible() != whole.Counts.GetEligible() ||
			r.Counts.GetReviewPairs() != whole.Counts.GetReviewPairs() || whole.Counts.GetEligible() == 0 {
			t.Errorf("%s: %+v, an uninterrupted run %+v", name, r.Counts, whole.Counts)
		}
	}
}
