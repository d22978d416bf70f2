package judging

import (
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/plans"
)

// The forecast reads the read model's problems as the engine left them: a problem in
// progress whose data comes late (a school term's census rows after the term, an extract
// after its as-of date) is known to have held only as far as that data reaches, and the
// start of its latest evidence dates a lapse seen after it.
func TestTheForecastReadsHowFarEachProblemsDataReaches(t *testing.T) {
	ps, err := outcomes.Load(plans.FS)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := ps.Latest("lancashire-phase2")
	judged := time.Date(2016, 12, 1, 0, 0, 0, 0, time.UTC)
	got, err := States(`[
		{"code":"EDUCATION","status":"PROBLEM_STATUS_SIGNIFICANT_PROGRESS","clock_start":"2016-07-20T00:00:00Z",
		 "sustained_at":"2017-07-20T00:00:00Z","waiting":"SUSTAINING","awaiting":["school_census 2016-AUT","school_census 2017-SPR"]},
		{"code":"CRIME","status":"PROBLEM_STATUS_SIGNIFICANT_PROGRESS","clock_start":"2016-08-01T00:00:00Z",
		 "latest_from":"2016-08-01T00:00:00Z","waiting":"SUSTAINING","awaiting":["police after 2016-11-01"]},
		{"code":"HEALTH","status":"PROBLEM_STATUS_OUTSTANDING"}]`, p, judged)
	if err != nil {
		t.Fatal(err)
	}
	autumn := p.Terms[0].Start
	for _, term := range p.Terms {
		if term.Code == "2016-AUT" {
			autumn = term.Start
		}
	}
	if got[0].Status != outcomes.SignificantProgress || !got[0].EvidencedTo.Equal(autumn.Time) {
		t.Errorf("school progress: %+v, want evidenced to %s", got[0], autumn)
	}
	if !got[1].EvidencedTo.Equal(time.Date(2016, 11, 1, 0, 0, 0, 0, outcomes.London)) ||
		!got[1].LatestFrom.Equal(time.Date(2016, 8, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("crime: %+v", got[1])
	}
	if got[2].Status != outcomes.Outstanding || !got[2].EvidencedTo.IsZero() {
		t.Errorf("health: %+v", got[2])
	}
	if _, err := States(`not json`, p, judged); err == nil {
		t.Error("a read model row that is not JSON read")
	}
}
