package outcomes

import (
	"slices"
	"strings"
	"testing"
)

// Examples of the evidence-gap rulings (docs/outcomes.md), each on every weekday where a date
// could matter.

// shift moves a date by n days in London's calendar.
func shift(m Moment, n int) Moment { return Moment{m.In(London).AddDate(0, 0, n)} }

func shiftp(m *Moment, n int) *Moment {
	if m == nil {
		return nil
	}
	s := shift(*m, n)
	return &s
}

// Ruling 1: the absence of events counts only inside the feed's coverage.
func TestEventsBeyondCoverageAwaitData(t *testing.T) {
	p := plan(t, "lancashire-phase2")
	for wd := range 7 {
		incident := shift(d("2015-11-30"), wd) // a Monday, then each day of the week
		f := family(
			[]string{"DOMESTIC_ABUSE", "HEALTH"},
			Fact{ID: "p1", Person: "a1", Feed: "police", Type: "DVA_INCIDENT", Date: &incident},
			Fact{
				ID:     "h1",
				Person: "a1",
				Feed:   "health",
				Type:   "ADULT_MENTAL_HEALTH",
				Start:  dp("2015-06-01"),
				End:    dp("2015-12-01"),
			},
		)
		until := Moment{f.Attachment.Date.In(London).AddDate(0, 6, 0)} // progress counts from attachment
		f.Coverage["police"] = shift(until, -1)
		j := Judge(p, f, shift(until, 30))
		st := status(j, "DOMESTIC_ABUSE")
		if st.Status != SignificantProgress || st.Waiting != WaitingData || len(st.Awaiting) != 1 ||
			st.Awaiting[0].Feed != "police" ||
			!strings.Contains(st.Explanation, "awaiting data from police after "+shift(until, -1).String()) {
			t.Errorf("incident %s, police data to the day before %s: %+v", incident, until, st)
		}
		if j.Result.Route != "" || len(j.Result.Blocking) != 0 || len(j.Result.Pending) != 1 ||
			j.Result.Pending[0].Waiting != WaitingData {
			t.Errorf("a problem awaiting data blocked or claimed: %+v", j.Result)
		}
		f.Coverage["police"] = until // an extract as of the sustained day holds every day before it
		if st := status(Judge(p, f, shift(until, 30)), "DOMESTIC_ABUSE"); st.Status != Sustained ||
			!st.SustainedAt.Equal(until.Time) {
			t.Errorf("police data to %s: %+v", until, st)
		}
	}
}

// Ruling 1: a feed the family's evidence came from, with no extract held at all, proves nothing.
func TestNoCoverageAtAllIsNoEvidence(t *testing.T) {
	p := plan(t, "lancashire-phase2")
	f := family(
		[]string{"CHILDREN_NEED_HELP", "CRIME"},
		Fact{
			ID:     "sc-1",
			Person: "c1",
			Feed:   "social_care",
			Type:   "CP_PLAN",
			Start:  dp("2015-09-01"),
			End:    dp("2016-05-01"),
		},
		Fact{ID: "p1", Person: "c1", Feed: "police", Type: "ASB_INTERVENTION", Date: dp("2015-12-01")},
	)
	f.Coverage = nil
	j := Judge(p, f, d("2018-01-01"))
	if j.Result.Route != "" {
		t.Fatalf("a result with no data held: %+v", j.Result)
	}
	for _, code := range []string{"CHILDREN_NEED_HELP", "CRIME"} {
		if st := status(j, code); len(st.Awaiting) != 1 || !st.Awaiting[0].After.IsZero() ||
			!strings.Contains(st.Explanation, "(none is held)") {
			t.Errorf("%s: %+v", code, st)
		}
	}
}

// Ruling 1: attendance needs census rows for every term counted, each under the threshold.
func TestAttendanceWithoutCensusRowsIsNotProgress(t *testing.T) {
	p := plan(t, "lancashire-phase2")
	f := family([]string{"EDUCATION", "CRIME"},
		census("s1", "c1", "2015-AUT", 150, 30, 0),
		Fact{ID: "p1", Person: "c1", Feed: "police", Type: "ASB_INTERVENTION", Date: dp("2015-10-01")})
	f.Attachment.Date = d("2015-11-02")
	j := Judge(p, f, d("2017-06-01"))
	st := status(j, "EDUCATION")
	if st.Status != SignificantProgress || len(st.Awaiting) != 3 || j.Result.Route != "" {
		t.Fatalf("no census rows after the bad term: %+v, result %+v", st, j.Result)
	}
	for i, term := range []string{"2016-SPR", "2016-SUM", "2016-AUT"} {
		if st.Awaiting[i].Term != term || !strings.Contains(st.Explanation, "awaiting school census rows for "+term) {
			t.Errorf("awaiting %+v, want %s", st.Awaiting, term)
		}
	}
	// Two of the three terms on record: still not sustained.
	f.Facts = append(f.Facts, census("s2", "c1", "2016-SPR", 120, 2, 0), census("s3", "c1", "2016-AUT", 120, 2, 0))
	if st := status(Judge(p, f, d("2017-06-01")), "EDUCATION"); st.Status != SignificantProgress ||
		len(st.Awaiting) != 1 ||
		st.Awaiting[0].Term != "2016-SUM" {
		t.Errorf("summer missing: %+v", st)
	}
	// A row with no sessions shows nothing.
	f.Facts = append(f.Facts, census("s4", "c1", "2016-SUM", 0, 0, 0))
	if st := status(Judge(p, f, d("2017-06-01")), "EDUCATION"); st.Status != SignificantProgress {
		t.Errorf("a row without sessions counted: %+v", st)
	}
	f.Facts[len(f.Facts)-1] = census("s4", "c1", "2016-SUM", 110, 1, 0)
	if j := Judge(p, f, d("2017-06-01")); status(j, "EDUCATION").Status != Sustained || j.Result.Route != RouteSSP ||
		j.Result.AchievedAt.String() != "2016-12-21" {
		t.Errorf("every term on record: %+v, result %+v", status(j, "EDUCATION"), j.Result)
	}
}

// Ruling 2: a legacy benefit spell that simply ends, with no UC data share and no evidence of
// work, leaves worklessness outstanding, flagged; the family cannot reach SSP on it.
func TestWorklessnessInTheUCGapStaysOutstanding(t *testing.T) {
	p := plan(t, "lancashire-phase2")
	for wd := range 7 {
		ended := shift(d("2016-02-01"), wd)
		f := family([]string{"WORKLESSNESS", "DOMESTIC_ABUSE"},
			benefit("b1", "JSA", "2015-01-05", ended.String()),
			Fact{ID: "p1", Person: "a1", Feed: "police", Type: "DVA_INCIDENT", Date: dp("2015-12-01")})
		at := d("2017-06-01")
		j := Judge(p, f, at)
		st := status(j, "WORKLESSNESS")
		if st.Status != Outstanding || !slices.Contains(st.Flags, FlagPossibleUCMove) || j.Result.Route != "" ||
			!slices.Equal(
				j.Result.Blocking,
				[]string{"WORKLESSNESS"},
			) || !strings.Contains(st.Explanation, "possible move to UC") {
			t.Fatalf("JSA ended %s with nothing after: %+v, result %+v", ended, st, j.Result)
		}
		// A caseworker's evidence of job search nine days later: progress from that day.
		search := shift(ended, 9)
		f.Facts = append(
			f.Facts,
			Fact{ID: "case:1", Person: "a1", Feed: "caseworker", Type: "JOB_SEARCH", Date: &search},
		)
		st = status(Judge(p, f, at), "WORKLESSNESS")
		if st.Status != Sustained || !st.ClockStart.Equal(search.Time) ||
			!st.SustainedAt.Equal(search.In(London).AddDate(0, 6, 0)) {
			t.Errorf("with job search from %s: %+v", search, st)
		}
		// A UC data share reaching past the end, and no UC claim on it: progress from the end.
		f.Facts = f.Facts[:2]
		f.Coverage[UCDataShare] = d("2017-06-01")
		if st := status(Judge(p, f, at), "WORKLESSNESS"); st.Status != Sustained || !st.ClockStart.Equal(ended.Time) {
			t.Errorf("with the UC share: %+v", st)
		}
		// On the share, UC while searching for work is the problem going on.
		f.Facts = append(
			f.Facts,
			Fact{
				ID:       "b2",
				Person:   "a1",
				Feed:     "dwp_benefits",
				Type:     "UC",
				UCRegime: "SEARCHING",
				Start:    shiftp(&ended, 14),
			},
		)
		if st := status(Judge(p, f, at), "WORKLESSNESS"); st.Status != Outstanding {
			t.Errorf("UC searching after JSA: %+v", st)
		}
		// UC in the working regime is work, not an out-of-work benefit.
		f.Facts[2].UCRegime = "WORKING"
		if st := status(Judge(p, f, at), "WORKLESSNESS"); st.Status != Sustained {
			t.Errorf("UC working after JSA: %+v", st)
		}
		// The share ending before the period does: awaiting UC data.
		f.Facts = f.Facts[:2]
		f.Coverage[UCDataShare] = shift(ended, 60)
		if st := status(Judge(p, f, at), "WORKLESSNESS"); st.Status != SignificantProgress ||
			st.Awaiting[0].Feed != UCDataShare ||
			!strings.Contains(st.Explanation, "awaiting Universal Credit data after") {
			t.Errorf("a share ending before the sustained date: %+v", st)
		}
		delete(f.Coverage, UCDataShare)
	}
}

// Ruling 3: weeks of work are days counted back from the day judged, aligned to no weekday.
func TestContinuousEmploymentCountsDays(t *testing.T) {
	p := plan(t, "lancashire-phase2")
	for wd := range 7 {
		// ESA ends on each day of the week; work starts the Monday after it and goes on.
		ended := shift(d("2016-02-01"), wd)
		monday := shift(ended, (7-wd)%7+7)
		f := family([]string{"WORKLESSNESS", "HEALTH"}, benefit("b1", "ESA", "2015-01-05", ended.String()),
			Fact{ID: "w1", Person: "a1", Feed: "employment", Type: "EMPLOYMENT", Start: &monday})
		met := shift(monday, 91)
		if e := Judge(p, f, shift(met, -1)).Employment[0]; !e.AchievedAt.IsZero() || !e.ProjectedAt.Equal(met.Time) ||
			e.DaysInWork != 90 {
			t.Errorf("ESA ended %s, work from %s, the day before 13 weeks: %+v", ended, monday, e)
		}
		j := Judge(p, f, met)
		if e := j.Employment[0]; !e.AchievedAt.Equal(met.Time) || e.DaysInWork != 91 || j.Result.Route != RouteCE ||
			!strings.Contains(e.Explanation, "(evidence b1, w1)") {
			t.Errorf("ESA ended %s, work from %s, 13 weeks on %s: %+v %+v", ended, monday, met, e, j.Result)
		}
		// JSA: 16 weeks of work, a gap, then 10 more, Monday to Monday: 182 days of 210 is met
		// on the day the 182nd day ends, whatever the weekday the benefit ended.
		first := monday
		f = family([]string{"WORKLESSNESS", "HEALTH"}, benefit("b1", "JSA", "2015-01-05", ended.String()),
			job("w1", first, shift(first, 16*7)), job("w2", shift(first, 19*7), shift(first, 29*7)))
		want := shift(first, 29*7)
		if j := Judge(p, f, want); j.Result.Route != RouteCE || !j.Result.AchievedAt.Equal(want.Time) ||
			j.Employment[0].DaysInWork != 182 {
			t.Errorf("JSA ended %s, 16 + 10 weeks of work: %+v %+v", ended, j.Result, j.Employment)
		}
		if j := Judge(p, f, shift(want, -1)); j.Result.Route != "" {
			t.Errorf("JSA: met a day early: %+v", j.Result)
		}
	}
}

// Ruling 1 for work: an open spell of work counts only as far as its feed's data reaches.
func TestOpenWorkCountsOnlyToCoverage(t *testing.T) {
	p := plan(t, "lancashire-phase2")
	start := d("2016-03-07")
	f := family([]string{"WORKLESSNESS", "HEALTH"}, benefit("b1", "ESA", "2015-01-05", "2016-02-01"),
		Fact{ID: "w1", Person: "a1", Feed: "employment", Type: "EMPLOYMENT", Start: &start})
	f.Coverage["employment"] = shift(start, 60)
	j := Judge(p, f, d("2017-01-01"))
	if e := j.Employment[0]; !e.AchievedAt.IsZero() || e.DaysInWork != 0 || j.Result.Route != "" {
		t.Errorf("work known for 60 days only: %+v %+v", e, j.Result)
	}
	delete(f.Coverage, "employment")
	if j := Judge(p, f, d("2017-01-01")); j.Result.Route != "" {
		t.Errorf("an open spell with no employment data counted: %+v", j.Result)
	}
}

// Progress counts from attachment: what held before it is not a result.
func TestProgressCountsFromAttachment(t *testing.T) {
	p := plan(t, "lancashire-phase2")
	f := family([]string{"CRIME", "DOMESTIC_ABUSE"},
		Fact{ID: "p1", Person: "c1", Feed: "police", Type: "ASB_INTERVENTION", Date: dp("2015-03-01")},
		Fact{ID: "p2", Person: "a1", Feed: "police", Type: "DVA_INCIDENT", Date: dp("2015-02-01")})
	j := Judge(p, f, f.Attachment.Date)
	if j.Result.Route != "" {
		t.Errorf("a result on the day of attachment: %+v", j.Result)
	}
	if j := Judge(p, f, d("2016-07-10")); j.Result.Route != RouteSSP || j.Result.AchievedAt.String() != "2016-07-10" {
		t.Errorf("six months after attachment: %+v", j.Result)
	}
}

// Ruling 4: blocked means outstanding; problems in progress are listed with their dates, and
// one waiting for the case to close says so.
func TestBlockedListsOnlyOutstandingProblems(t *testing.T) {
	p := plan(t, "lancashire-phase2")
	f := family(
		[]string{"CHILDREN_NEED_HELP", "DOMESTIC_ABUSE", "HEALTH"},
		Fact{
			ID:     "sc-1",
			Person: "c1",
			Feed:   "social_care",
			Type:   "CP_PLAN",
			Start:  dp("2015-09-01"),
			End:    dp("2016-05-01"),
		},
		Fact{ID: "p1", Person: "a1", Feed: "police", Type: "DVA_INCIDENT", Date: dp("2015-12-01")},
		Fact{ID: "h1", Person: "a1", Feed: "health", Type: "ADULT_MENTAL_HEALTH", Start: dp("2015-06-01")},
	)
	j := Judge(p, f, d("2016-06-01"))
	if !slices.Equal(j.Result.Blocking, []string{"HEALTH"}) || len(j.Result.Pending) != 2 ||
		j.Result.Pending[0] != (Pending{Code: "CHILDREN_NEED_HELP", SustainedAt: d("2017-05-01"), Waiting: WaitingSustaining}) {
		t.Errorf("blocking %v pending %+v", j.Result.Blocking, j.Result.Pending)
	}
	if !slices.Contains(
		j.Result.Explanation,
		"CHILDREN_NEED_HELP: in significant progress, sustained on 2017-05-01 if it holds",
	) {
		t.Errorf("explanation %q", j.Result.Explanation)
	}
	s := plan(t, "supporting-families-2022")
	g := &Family{ID: "f2", Coverage: received("2024-07-01"),
		Members: []Member{{ID: "a1", BirthDate: dp("1990-01-01")}, {ID: "c1", BirthDate: dp("2015-01-01")}},
		Facts: []Fact{
			{ID: "h1", Person: "a1", Feed: "housing", Type: "HOMELESS", Date: dp("2023-01-10")},
			{ID: "p1", Person: "a1", Feed: "police", Type: "DVA_INCIDENT", Date: dp("2023-02-10")},
			{ID: "m1", Person: "a1", Feed: "health", Type: "ADULT_MENTAL_HEALTH", Start: dp("2022-11-01")},
		},
		Attachment: &Attachment{
			Date:             d("2023-03-01"),
			Baseline:         []string{"HOUSING", "DOMESTIC_ABUSE", "HEALTH"},
			Assessment:       true,
			FamilyPlan:       true,
			LeadProfessional: true,
		},
	}
	j = Judge(s, g, d("2023-09-01"))
	if !slices.Equal(j.Result.Blocking, []string{"HEALTH"}) || len(j.Result.Pending) != 2 ||
		j.Result.Pending[0].Waiting != WaitingCaseClosure ||
		!slices.ContainsFunc(
			j.Result.Explanation,
			func(e string) bool { return strings.Contains(e, "waiting for the case to close") },
		) {
		t.Errorf("2022 plan, case open: %+v", j.Result)
	}
}

// Every sentence from the plan's own numbers; recurrences and evidence named.
func TestExplanationsSayWhatTheEngineDid(t *testing.T) {
	p := plan(t, "lancashire-phase2")
	f := family(
		[]string{"CHILDREN_NEED_HELP", "DOMESTIC_ABUSE"},
		Fact{
			ID:     "sc-1",
			Person: "c1",
			Feed:   "social_care",
			Type:   "CP_PLAN",
			Start:  dp("2015-09-01"),
			End:    dp("2016-05-01"),
		},
		Fact{
			ID:     "sc-2",
			Person: "c1",
			Feed:   "social_care",
			Type:   "CIN",
			Start:  dp("2016-09-01"),
			End:    dp("2016-10-01"),
		},
		Fact{ID: "p1", Person: "a1", Feed: "police", Type: "DVA_INCIDENT", Date: dp("2015-12-01")},
	)
	j := Judge(p, f, d("2018-01-01"))
	if j.Engine != EngineVersion || j.Plan.Hash == "" {
		t.Errorf("judgement names engine %q plan %+v", j.Engine, j.Plan)
	}
	if !j.Eligibility.At.Equal(f.Attachment.Date.Time) ||
		!strings.HasPrefix(
			j.Eligibility.Explanation[len(j.Eligibility.Explanation)-1],
			"at attachment on 2016-01-10, eligible",
		) {
		t.Errorf("an attached family's eligibility is judged at attachment: %v", j.Eligibility.Explanation)
	}
	if st := status(j, "CHILDREN_NEED_HELP"); !strings.HasPrefix(
		st.Explanation,
		"recurred on 2016-09-01 (evidence sc-2), which restarted the clock",
	) ||
		st.RecurredAt.String() != "2016-09-01" {
		t.Errorf("recurrence: %+v", st)
	}
	s := plan(t, "supporting-families-2022")
	var b strings.Builder
	g := &Family{
		ID:      "f3",
		Members: []Member{{ID: "a1", BirthDate: dp("1990-01-01")}, {ID: "c1", BirthDate: dp("2015-01-01")}},
		Facts:   []Fact{{ID: "h1", Person: "a1", Feed: "housing", Type: "HOMELESS", Date: dp("2023-01-10")}},
		Attachment: &Attachment{
			Date:             d("2023-03-01"),
			Baseline:         []string{"HOUSING"},
			Assessment:       true,
			FamilyPlan:       true,
			LeadProfessional: true,
		},
	}
	j = Judge(s, g, d("2023-03-01"))
	if err := j.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"not eligible: 1 problem evidenced at 2023-03-01, the plan needs 3", "evidence against 3 or more problems",
		"the baseline holds 1 problem and the plan needs 3", "continuous employment is not a route under plan supporting-families-2022@1"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
	g.Facts = append(
		g.Facts,
		Fact{ID: "p1", Person: "a1", Feed: "police", Type: "DVA_INCIDENT", Date: dp("2023-02-10")},
		Fact{ID: "m1", Person: "a1", Feed: "health", Type: "ADULT_MENTAL_HEALTH", Start: dp("2022-11-01")},
	)
	b.Reset()
	if err := Judge(s, g, d("2023-03-01")).WriteText(&b); err != nil ||
		!strings.Contains(b.String(), "ready: 3 or more problems evidenced") {
		t.Errorf("readiness text:\n%s", b.String())
	}
}

// The police role is read; a plan may count only some parts in an event.
func TestPoliceRolesCount(t *testing.T) {
	p := plan(t, "lancashire-phase2")
	f := family([]string{"CRIME", "DOMESTIC_ABUSE"},
		Fact{ID: "p1", Person: "c1", Feed: "police", Type: "PROVEN_OFFENCE", Role: "SUBJECT", Date: dp("2015-11-01")},
		Fact{ID: "p2", Person: "a1", Feed: "police", Type: "DVA_INCIDENT", Role: "VICTIM", Date: dp("2015-12-01")})
	if j := Judge(p, f, d("2016-01-10")); !j.Eligibility.Eligible {
		t.Errorf("roles stopped evidence under a plan that names none: %v", j.Eligibility.Explanation)
	}
	q := *p
	q.Problems = slices.Clone(p.Problems)
	q.Problems[0].Indicators = slices.Clone(p.Problems[0].Indicators)
	q.Problems[0].Indicators[0].Roles = []string{"SUBJECT", "PERPETRATOR"}
	f.Facts[0].Role = "VICTIM"
	if j := Judge(&q, f, d("2016-01-10")); j.Eligibility.Eligible {
		t.Errorf("a victim of an offence met CRIME-1 under a plan counting subjects: %v", j.Eligibility.Explanation)
	}
}

func TestPlanRolesAreChecked(t *testing.T) {
	src := strings.Replace(string(shipped(t, "lancashire-phase2.yaml")), `subject: child, lookback: { months: 12 } }`,
		`subject: child, roles: [WITNESS], lookback: { months: 12 } }`, 1)
	_, err := Parse("bad.yaml", []byte(src))
	if err == nil || !strings.Contains(err.Error(), "roles apply to feed police") {
		t.Errorf("a role the contract lacks: %v", err)
	}
}

// A weekday-free check of ruling 3 at scale: dates of one family shifted day by day.
func TestShiftingAFamilyShiftsItsDates(t *testing.T) {
	checkShifts(t, 300, 1)
}

// What a problem in progress awaits says how far its data shows the progress held
// (Plan.EvidencedTo): to the start of the first term begun without its census rows, and to
// the end of the shortest feed's data; a feed not held shows nothing. The words a read model
// keeps (Awaiting.String) read back as the same Awaiting.
func TestProgressIsEvidencedOnlyAsFarAsItsData(t *testing.T) {
	p := plan(t, "lancashire-phase2")
	f := family([]string{"EDUCATION", "CRIME"},
		census("s1", "c1", "2015-AUT", 150, 30, 0),
		census("s2", "c1", "2016-SPR", 120, 2, 0),
		Fact{ID: "p1", Person: "c1", Feed: "police", Type: "ASB_INTERVENTION", Date: dp("2015-10-01")},
		Fact{ID: "p2", Person: "c1", Feed: "police", Type: "ASB_INTERVENTION", Date: dp("2016-03-01")})
	f.Attachment.Date = d("2015-11-02")
	f.Coverage["police"] = d("2016-06-01")
	at := d("2016-06-15")
	j := Judge(p, f, at)
	school := status(j, "EDUCATION") // the summer term begun, its rows to come after it
	if got := p.EvidencedTo(school.ClockStart, at, school.Awaiting); school.Status != SignificantProgress ||
		!got.Equal(p.Terms[p.termAt("2016-SUM")].Start.Time) {
		t.Errorf("school progress evidenced to %s: %+v", got, school)
	}
	crime := status(j, "CRIME") // recurred in March; police data to June 1st
	if got := p.EvidencedTo(crime.ClockStart, at, crime.Awaiting); crime.Status != SignificantProgress ||
		!crime.LatestFrom.Equal(d("2016-03-01").Time) ||
		!got.Equal(d("2016-06-01").Time) {
		t.Errorf("crime progress evidenced to %s: %+v", got, crime)
	}
	if got := p.EvidencedTo(crime.ClockStart, at, []Awaiting{{Feed: "police"}}); !got.Equal(crime.ClockStart.Time) {
		t.Errorf("no police data held: evidenced to %s", got)
	}
	if got := p.EvidencedTo(crime.ClockStart, at, nil); !got.Equal(at.Time) {
		t.Errorf("nothing awaited: evidenced to %s", got)
	}
	for _, w := range append(slices.Clone(school.Awaiting), crime.Awaiting[0], Awaiting{Feed: "health"},
		Awaiting{Feed: UCDataShare, After: d("2016-05-01")}) {
		if back, ok := ParseAwaiting(w.String()); !ok || back.Feed != w.Feed || back.Term != w.Term ||
			!back.After.Equal(w.After.Time) {
			t.Errorf("%q read back as %+v", w.String(), back)
		}
	}
	if _, ok := ParseAwaiting("police after yesterday"); ok {
		t.Error("a date that is not one read back")
	}
}
