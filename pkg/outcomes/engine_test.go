package outcomes

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/familypath/familypath/plans"
)

func loadPlans(t testing.TB) *Plans {
	t.Helper()
	ps, err := Load(plans.FS)
	if err != nil {
		t.Fatalf("shipped plans do not load:\n%v", err)
	}
	return ps
}

func plan(t testing.TB, id string) *Plan {
	t.Helper()
	p, ok := loadPlans(t).Latest(id)
	if !ok {
		t.Fatalf("no plan %s", id)
	}
	return p
}

func d(s string) Moment {
	m, err := ParseMoment(s)
	if err != nil {
		panic(err)
	}
	return m
}

func dp(s string) *Moment { m := d(s); return &m }

// received is every extract feed received up to 2020-06-01: the examples below that are not
// about evidence gaps judge families whose data reaches past every date they use.
func received(asOf string) Coverage {
	c := Coverage{}
	for _, feed := range []string{"school_census", "not_on_roll", "social_care", "police", "dwp_benefits", "employment", "health", "housing"} {
		c[feed] = d(asOf)
	}
	return c
}

// family builds a family with a mother (a1) and a child (c1) attached on 2016-01-10 with
// the given baseline, and the facts, its data received up to 2020-06-01.
func family(baseline []string, facts ...Fact) *Family {
	return &Family{
		Coverage: received("2020-06-01"),
		ID:       "f1",
		Members: []Member{
			{ID: "a1", BirthDate: dp("1985-02-01")},
			{ID: "c1", BirthDate: dp("2008-06-15")},
		},
		Facts: facts,
		Attachment: &Attachment{Date: d("2016-01-10"), Baseline: baseline,
			Assessment: true, FamilyPlan: true, LeadProfessional: true},
	}
}

func status(j Judgement, code string) ProblemStatus {
	for _, p := range j.Problems {
		if p.Code == code {
			return p
		}
	}
	return ProblemStatus{}
}

func TestShippedPlansLoadSideBySide(t *testing.T) {
	ps := loadPlans(t)
	l, ok1 := ps.Get("lancashire-phase2", 1)
	s, ok2 := ps.Get("supporting-families-2022", 1)
	if !ok1 || !ok2 {
		t.Fatal("both plans must load")
	}
	if len(l.Problems) != 6 || len(s.Problems) != 10 || s.ContinuousEmployment != nil || l.ContinuousEmployment == nil {
		t.Errorf("lancashire %d problems, 2022 %d problems", len(l.Problems), len(s.Problems))
	}
	if len(l.Hash) != 64 || l.Hash == s.Hash {
		t.Errorf("hashes %q %q", l.Hash, s.Hash)
	}
	if l.FamilyCap != 8620 || l.Money.AttachmentFeePence != 100000 || l.Money.ResultPence != 80000 ||
		l.AuditSampleRate != 0.10 {
		t.Errorf("money or cap differ from the seeds: %+v cap %d", l.Money, l.FamilyCap)
	}
	total := 0
	for _, y := range l.Profiles {
		total += y.Attachments
	}
	if total != 8620 {
		t.Errorf("attachment profile sums to %d, want 8,620", total)
	}
	j := Judge(l, family([]string{"CRIME", "HEALTH"}), d("2016-06-01"))
	if j.Plan != l.Ref() {
		t.Errorf("judgement names plan %+v, want %+v", j.Plan, l.Ref())
	}
}

// Seed: a child protection plan that ended on 2016-05-01 is sustained on 2017-05-01, not a day earlier.
func TestChildProtectionSustainedAfterTwelveMonths(t *testing.T) {
	p := plan(t, "lancashire-phase2")
	f := family(
		[]string{"CHILDREN_NEED_HELP"},
		Fact{
			ID:     "sc-1",
			Person: "c1",
			Feed:   "social_care",
			Type:   "CP_PLAN",
			Start:  dp("2015-09-01"),
			End:    dp("2016-05-01"),
		},
	)
	for at, want := range map[string]string{
		"2016-04-30": Outstanding,
		"2016-05-01": SignificantProgress,
		"2017-04-30": SignificantProgress,
		"2017-05-01": Sustained,
	} {
		st := status(Judge(p, f, d(at)), "CHILDREN_NEED_HELP")
		if st.Status != want {
			t.Errorf("at %s: %s (%s), want %s", at, st.Status, st.Explanation, want)
		}
	}
	if st := status(Judge(p, f, d("2016-06-01")), "CHILDREN_NEED_HELP"); st.SustainedAt.IsZero() ||
		st.SustainedAt.String() != "2017-05-01" {
		t.Errorf("sustained at %v", st.SustainedAt)
	}
}

// A recurrence in month 11, in any member, restarts the clock.
func TestRecurrenceRestartsTheClock(t *testing.T) {
	p := plan(t, "lancashire-phase2")
	f := family(
		[]string{"CHILDREN_NEED_HELP"},
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
			Start:  dp("2017-04-01"),
			End:    dp("2017-04-15"),
		},
	)
	st := status(Judge(p, f, d("2017-05-01")), "CHILDREN_NEED_HELP")
	if st.Status != SignificantProgress || st.SustainedAt.String() != "2018-04-15" {
		t.Errorf("after a recurrence: %s until %v (%s)", st.Status, st.SustainedAt, st.Explanation)
	}
}

func census(id, person, term string, possible, missed, excl int) Fact {
	return Fact{
		ID:                   id,
		Person:               person,
		Feed:                 "school_census",
		Type:                 "ATTENDANCE",
		Term:                 term,
		SessionsPossible:     possible,
		SessionsUnauthorised: missed,
		FixedTermExclusions:  excl,
	}
}

// Seed: attendance needs three consecutive improved terms.
func TestAttendanceNeedsThreeConsecutiveImprovedTerms(t *testing.T) {
	p := plan(t, "lancashire-phase2")
	f := family([]string{"EDUCATION"},
		census("s1", "c1", "2015-AUT", 150, 30, 0),
		census("s2", "c1", "2016-SPR", 120, 6, 0),
		census("s3", "c1", "2016-SUM", 130, 5, 0),
		census("s5", "c1", "2016-AUT", 140, 4, 0))
	f.Attachment.Date = d("2015-11-01") // attached during the bad autumn term
	// The last bad term (autumn 2015) ended 2015-12-21; three whole terms follow: spring,
	// summer and autumn 2016, which ends 2016-12-21.
	for at, want := range map[string]string{"2016-07-22": SignificantProgress, "2016-12-20": SignificantProgress, "2016-12-21": Sustained} {
		if st := status(Judge(p, f, d(at)), "EDUCATION"); st.Status != want {
			t.Errorf("at %s: %s (%s), want %s", at, st.Status, st.Explanation, want)
		}
	}
	// A bad term in between restarts the count.
	f.Facts[3] = census("s4", "c1", "2016-AUT", 140, 20, 0)
	if st := status(Judge(p, f, d("2016-12-21")), "EDUCATION"); st.Status != SignificantProgress ||
		st.SustainedAt.String() != "2017-12-21" {
		t.Errorf("after a bad autumn: %s until %v", st.Status, st.SustainedAt)
	}
}

// Term-calendar edges: a clock starting in a holiday counts from the next term; a term that
// spans the end of a programme year counts whole; a clock-change day is still a whole day.
func TestTermCalendarEdges(t *testing.T) {
	p := plan(t, "lancashire-phase2")
	// Easter holiday 2016 (between 2016-04-08 and 2016-04-22): the next whole terms are
	// summer 2016, autumn 2016 and spring 2017.
	end, ok := Period{Terms: 3}.after(d("2016-04-10"), p.Terms)
	if !ok || end.String() != "2017-04-08" {
		t.Errorf("3 terms from a holiday end %v, want 2017-04-08", end)
	}
	// Mid-term: the term in progress does not count.
	if end, _ := (Period{Terms: 1}).after(d("2016-02-01"), p.Terms); end.String() != "2016-07-23" {
		t.Errorf("1 term from mid-spring ends %v, want end of summer 2016-07-23", end)
	}
	// Spring 2016 runs from 2016-01-04 to 2016-04-08, across the programme year's end (31 March).
	if tm, _ := p.Terms.term("2016-SPR"); !(tm.Start.Before(d("2016-04-01").Time) && tm.End.After(d("2016-04-01").Time)) {
		t.Errorf("spring 2016 does not span the programme year's end: %+v", tm)
	}
	// Clocks went forward at 01:00 on 2016-03-27: the day after it starts 23 hours later,
	// and a month after 2016-02-27 is still midnight on 2016-03-27.
	next, _ := Period{Days: 1}.after(d("2016-03-27"), p.Terms)
	if next.String() != "2016-03-28" || next.Sub(d("2016-03-27").Time) != 23*time.Hour {
		t.Errorf("a day after 2016-03-27 is %v (%v later)", next, next.Sub(d("2016-03-27").Time))
	}
	if m, _ := (Period{Months: 1}).after(d("2016-02-27"), p.Terms); m.String() != "2016-03-27" {
		t.Errorf("a month after 2016-02-27 is %v", m)
	}
	// A date beyond the calendar cannot be projected in terms.
	if _, ok := (Period{Terms: 3}).after(d("2020-06-01"), p.Terms); ok {
		t.Error("projected past the end of the term calendar")
	}
}

func benefit(id, typ, start, end string) Fact {
	f := Fact{ID: id, Person: "a1", Feed: "dwp_benefits", Type: typ, Start: dp(start)}
	if end != "" {
		f.End = dp(end)
	}
	return f
}

func job(id string, start, end Moment) Fact {
	return Fact{ID: id, Person: "a1", Feed: "employment", Type: "EMPLOYMENT", Start: &start, End: &end}
}

func weeks(from Moment, n int) Moment { return Moment{from.In(London).AddDate(0, 0, 7*n)} }

// Seed: a JSA leaver with 26 of the last 30 weeks in work qualifies, and with 25 does not.
func TestJSALeaverNeeds26OfTheLast30Weeks(t *testing.T) {
	p := plan(t, "lancashire-phase2")
	left := d("2016-02-01")
	at := weeks(left, 30)
	for inWork, want := range map[int]bool{26: true, 25: false} {
		// Work for 13 weeks, a gap, then work up to week 30 (26 or 25 weeks in all).
		gap := 30 - inWork
		f := family([]string{"WORKLESSNESS"},
			benefit("b1", "JSA", "2015-01-05", "2016-02-01"),
			job("e1", left, weeks(left, 13)),
			job("e2", weeks(left, 13+gap), at))
		j := Judge(p, f, at)
		got := j.Result.Route == RouteCE
		if got != want {
			t.Errorf("%d of 30 weeks: route %q (%v), want CE=%v", inWork, j.Result.Route, j.Employment, want)
		}
	}
}

// Seed: a move to Universal Credit never qualifies, and a legacy spell that just ends is
// flagged for evidence of work.
func TestMoveToUniversalCreditIsNeverWork(t *testing.T) {
	p := plan(t, "lancashire-phase2")
	f := family([]string{"WORKLESSNESS", "HEALTH"},
		benefit("b1", "ESA", "2015-01-05", "2016-02-01"),
		benefit("b2", "UC", "2016-02-08", ""))
	j := Judge(p, f, d("2017-02-01"))
	if j.Result.Route != "" || len(j.Employment) != 1 || !j.Employment[0].AchievedAt.IsZero() ||
		!strings.Contains(strings.Join(j.Employment[0].Flags, ","), FlagMovedToUC) {
		t.Errorf("UC move: result %+v employment %+v", j.Result, j.Employment)
	}
	// Without UC data, an ended spell proves nothing: flagged.
	f.Facts = f.Facts[:1]
	j = Judge(p, f, d("2017-02-01"))
	if j.Result.Route != "" || j.Employment[0].Flags[0] != FlagPossibleUCMove {
		t.Errorf("ended spell: %+v", j.Employment)
	}
	// ESA leavers need 13 consecutive weeks: with them, CE.
	f.Facts = append(f.Facts, job("e1", d("2016-03-07"), weeks(d("2016-03-07"), 14)))
	if j = Judge(p, f, d("2017-02-01")); j.Result.Route != RouteCE {
		t.Errorf("ESA leaver with 14 weeks of work: %+v", j.Result)
	}
}

// Seed: a family of the 2022 framework with 2 needs is not eligible, and cannot claim.
func TestSupportingFamilies2022NeedsThreeNeeds(t *testing.T) {
	p := plan(t, "supporting-families-2022")
	f := &Family{ID: "f2", Members: []Member{{ID: "a1", BirthDate: dp("1990-01-01"), Pregnant: true}},
		Facts: []Fact{
			{ID: "h1", Person: "a1", Feed: "housing", Type: "HOMELESS", Date: dp("2023-01-10")},
			{ID: "p1", Person: "a1", Feed: "police", Type: "DVA_INCIDENT", Date: dp("2023-02-10")},
		},
		Attachment: &Attachment{
			Date:             d("2023-03-01"),
			Baseline:         []string{"HOUSING", "DOMESTIC_ABUSE"},
			Assessment:       true,
			FamilyPlan:       true,
			LeadProfessional: true,
		},
		CaseClosed: dp("2023-06-01"),
		Coverage:   received("2024-07-01"),
	}
	j := Judge(p, f, d("2024-06-01"))
	if j.Eligibility.Eligible || j.Readiness.Ready || j.Result.Route != "" {
		t.Errorf("2 needs: eligible %v, ready %v, route %q", j.Eligibility.Eligible, j.Readiness.Ready, j.Result.Route)
	}
	// With a third need (and a pregnancy, no child), eligible; sustained 6 months after closure.
	f.Facts = append(
		f.Facts,
		Fact{
			ID:     "m1",
			Person: "a1",
			Feed:   "health",
			Type:   "ADULT_MENTAL_HEALTH",
			Start:  dp("2022-11-01"),
			End:    dp("2023-05-01"),
		},
	)
	f.Attachment.Baseline = append(f.Attachment.Baseline, "HEALTH")
	if j = Judge(p, f, d("2023-03-01")); !j.Eligibility.Eligible {
		t.Errorf("3 needs with a pregnancy: %v", j.Eligibility.Explanation)
	}
	if j = Judge(p, f, d("2023-11-30")); j.Result.Route != "" || j.Result.EarliestClaimAt.String() != "2023-12-01" {
		t.Errorf("before 6 months after closure: %+v", j.Result)
	}
	if j = Judge(p, f, d("2023-12-01")); j.Result.Route != RouteSSP {
		t.Errorf("6 months after closure: %+v", j.Result)
	}
}

func TestEligibilityAndReadinessSayWhatIsMissing(t *testing.T) {
	p := plan(t, "lancashire-phase2")
	f := family([]string{"CRIME", "DOMESTIC_ABUSE"},
		Fact{ID: "p1", Person: "c1", Feed: "police", Type: "PROVEN_OFFENCE", Date: dp("2015-11-01")},
		Fact{ID: "p2", Person: "a1", Feed: "police", Type: "DVA_INCIDENT", Date: dp("2015-12-01")})
	f.Attachment.Assessment = false
	j := Judge(p, f, d("2016-01-10"))
	if !j.Eligibility.Eligible || len(j.Eligibility.Problems) != 2 {
		t.Fatalf("eligibility: %v", j.Eligibility.Explanation)
	}
	if j.Readiness.Ready || len(j.Readiness.Missing) != 1 ||
		!strings.Contains(j.Readiness.Missing[0], "whole-family assessment") {
		t.Errorf("readiness: %+v", j.Readiness)
	}
	// An adult's offence is not CRIME-1 (a child's proven offence).
	f.Facts[0].Person = "a1"
	if j = Judge(p, f, d("2016-01-10")); j.Eligibility.Eligible {
		t.Errorf("an adult's offence met CRIME-1: %v", j.Eligibility.Explanation)
	}
	// No dependent child: not eligible under Phase 2.
	f.Facts[0].Person, f.Members = "c1", f.Members[:1]
	if j = Judge(p, f, d("2016-01-10")); j.Eligibility.Eligible {
		t.Error("eligible without a dependent child")
	}
}

// The family's result: SSP once every baseline problem is sustained; before that the
// earliest claim date and what blocks it.
func TestResultProjectsTheEarliestClaimAndBlockingProblems(t *testing.T) {
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
	if !j.Result.EarliestClaimAt.IsZero() || len(j.Result.Blocking) != 1 || j.Result.Blocking[0] != "HEALTH" {
		t.Errorf("with health open: %+v", j.Result)
	}
	f.Facts[2].End = dp("2016-08-01")
	if j = Judge(p, f, d("2016-09-01")); j.Result.EarliestClaimAt.String() != "2017-05-01" {
		t.Errorf("projection: %+v", j.Result)
	}
	if j = Judge(p, f, d("2017-05-01")); j.Result.Route != RouteSSP || j.Result.AchievedAt.String() != "2017-05-01" {
		t.Errorf("result: %+v", j.Result)
	}
}

// Evaluate gives the same judgement as Judge, without the words.
func TestEvaluateMatchesJudgeWithoutWords(t *testing.T) {
	p := plan(t, "lancashire-phase2")
	for i, f := range realisticFamilies(200) {
		at := d("2016-10-01")
		j, e := Judge(p, f, at), Evaluate(p, f, at)
		if len(e.Eligibility.Explanation) != 0 || len(e.Result.Explanation) != 0 {
			t.Fatalf("family %d: Evaluate wrote words", i)
		}
		strip(&j)
		if !reflect.DeepEqual(j, e) {
			t.Fatalf("family %d: Evaluate differs from Judge:\n%+v\n%+v", i, j, e)
		}
	}
}

func strip(j *Judgement) {
	j.Eligibility.Explanation, j.Result.Explanation = nil, nil
	for i := range j.Problems {
		j.Problems[i].Explanation = ""
	}
	for i := range j.Employment {
		j.Employment[i].Explanation = ""
	}
}

// Judgements reuse pooled working sets: a judgement must never change one returned before it.
func TestJudgementsKeepTheirOwnMemory(t *testing.T) {
	p := plan(t, "lancashire-phase2")
	fams := realisticFamilies(200)
	at := d("2016-10-01")
	first := make([]Judgement, len(fams))
	for i, f := range fams {
		first[i] = Judge(p, f, at)
	}
	for i := len(fams) - 1; i >= 0; i-- { // other families in between, in another order
		_ = Evaluate(p, fams[i], d("2017-09-01"))
		if again := Judge(p, fams[i], at); !reflect.DeepEqual(again, first[i]) {
			t.Fatalf("family %s: judging other families changed its judgement:\n%+v\n%+v", fams[i].ID, first[i], again)
		}
	}
}

// A member's role is the engine's: a child from birth until the plan's child age (18 under
// Lancashire's), the role given when the birth date is unknown.
func TestAMembersRoleIsTheEnginesAtTheMoment(t *testing.T) {
	p := plan(t, "lancashire-phase2")
	born := Date(2000, time.March, 1)
	for _, c := range []struct {
		name   string
		member Member
		when   Moment
		want   string
	}{
		{"the day before the 18th birthday", Member{BirthDate: &born}, Date(2018, time.February, 28), "child"},
		{"the 18th birthday", Member{BirthDate: &born}, Date(2018, time.March, 1), "adult"},
		{"not yet born", Member{BirthDate: &born}, Date(1999, time.December, 31), ""},
		{"no birth date, a role", Member{Role: "child"}, Date(2018, time.March, 1), "child"},
		{"neither", Member{}, Date(2018, time.March, 1), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.member.RoleAt(p, c.when); got != c.want {
				t.Errorf("RoleAt = %q, want %q", got, c.want)
			}
			if w := c.member.WithoutBirthDate(p, c.when); w.BirthDate != nil || w.Role != c.want {
				t.Errorf("WithoutBirthDate = %+v", w)
			}
		})
	}
}
