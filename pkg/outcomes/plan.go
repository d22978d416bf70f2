// Package outcomes is the Outcomes Plan engine: the programme's rules as versioned data, and
// the pure functions that judge a family against them. No I/O beyond reading the plan files
// it is given, and no clock: the moment of judgement is always an argument. Services run it
// inside activities; workflow code never calls it.
package outcomes

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Plan is one published version of an LA's Outcomes Plan.
type Plan struct {
	ID            string `yaml:"id"`
	Version       int    `yaml:"version"`
	Title         string `yaml:"title"`
	Framework     string `yaml:"framework"`
	TestPlan      bool   `yaml:"test_plan"`
	EffectiveFrom Moment `yaml:"effective_from"`
	EffectiveTo   Moment `yaml:"effective_to"`

	Eligibility          Eligibility           `yaml:"eligibility"`
	Problems             []Problem             `yaml:"problems"`
	ContinuousEmployment *ContinuousEmployment `yaml:"continuous_employment"`
	Money                Money                 `yaml:"money"`
	FamilyCap            int                   `yaml:"family_cap"`
	Profiles             []YearProfile         `yaml:"profiles"`
	ClaimWindows         []ClaimWindow         `yaml:"claim_windows"`
	AuditSampleRate      float64               `yaml:"audit_sample_rate"`
	Terms                Calendar              `yaml:"terms"`
	// Defaults lists the paths of values the seed reports do not give: configuration with a
	// default, to be confirmed by the council.
	Defaults []string `yaml:"defaults"`

	// Hash is the SHA-256 of the file's bytes: a published version never changes.
	Hash string `yaml:"-"`
	// File is where the plan was loaded from.
	File string `yaml:"-"`

	termIndex  map[string]int32     // positions in Terms by code
	indicators int                  // how many indicators; each has its index
	byFact     map[feedType][]int32 // indicator indexes by the feed and event type they read
}

// feedType is what an indicator reads: one event type of one feed.
type feedType struct{ feed, typ string }

// termAt returns the position in Terms of the term with the code, or -1.
func (p *Plan) termAt(code string) int32 {
	if i, ok := p.termIndex[code]; ok {
		return i
	}
	return -1
}

// Ref names the exact plan a judgement used.
type Ref struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
	Hash    string `json:"hash"`
}

// Ref returns the plan's id, version and hash.
func (p *Plan) Ref() Ref { return Ref{ID: p.ID, Version: p.Version, Hash: p.Hash} }

// Key names the plan version as workflows pin it and claims record it: "lancashire-phase2@1".
func (p *Plan) Key() string { return p.ID + "@" + strconv.Itoa(p.Version) }

// Eligibility says when a family is eligible.
type Eligibility struct {
	MinProblems int `yaml:"min_problems"`
	// ChildMaxAge: members under this age at the moment are dependent children.
	ChildMaxAge int `yaml:"child_max_age"`
	// PregnancyCounts: an expectant parent makes a family eligible without a child (2022 framework).
	PregnancyCounts bool `yaml:"pregnancy_counts"`
}

// Problem is one headline problem (or, in the 2022 framework, a need).
type Problem struct {
	Code       string      `yaml:"code"`
	Name       string      `yaml:"name"`
	Indicators []Indicator `yaml:"indicators"`
	Outcome    Outcome     `yaml:"outcome"`
}

// Indicator is evidence that a problem is present.
type Indicator struct {
	Code        string   `yaml:"code"`
	Description string   `yaml:"description"`
	Feed        string   `yaml:"feed"`
	EventTypes  []string `yaml:"event_types"`
	// Subject: whose facts count: child, adult or any member.
	Subject string `yaml:"subject"`
	// Roles, for police events: the parts in an event that count (empty: any). An event
	// whose role is not recorded counts, so that a missing role never hides a problem.
	Roles    []string `yaml:"roles"`
	Lookback Period   `yaml:"lookback"`
	// Attendance applies to school_census rows: the problem is present when, over the
	// look-back terms, missed sessions reach the rate or exclusions reach the count.
	Attendance *Attendance `yaml:"attendance"`

	index int // position among the plan's indicators
}

// Attendance thresholds over school census terms.
type Attendance struct {
	MaxAbsenceRate      float64 `yaml:"max_absence_rate"`
	MinFixedExclusions  int     `yaml:"min_fixed_term_exclusions"`
	PermanentExclusion  bool    `yaml:"permanent_exclusion"`
	AlternativeProvided bool    `yaml:"alternative_provision"`
}

// Outcome is what counts as resolved for a problem, and for how long it must hold.
type Outcome struct {
	Description string `yaml:"description"`
	Sustained   Period `yaml:"sustained"`
	// AfterClosure: the sustained period runs from the case's closure (2022 framework).
	AfterClosure bool `yaml:"after_closure"`
}

// ContinuousEmployment holds the continuous employment route's rules per former benefit.
type ContinuousEmployment struct {
	Rules []EmploymentRule `yaml:"rules"`
	// UCMoveWindow: a UC spell starting this soon after a legacy spell ends is a move to UC.
	UCMoveWindow Period `yaml:"uc_move_window"`
}

// EmploymentRule is a rule for adults who left one of Benefits: either WeeksInWork of the
// last WithinWeeks weeks, or ConsecutiveWeeks in a row.
type EmploymentRule struct {
	Benefits         []string `yaml:"benefits"`
	WeeksInWork      int      `yaml:"weeks_in_work"`
	WithinWeeks      int      `yaml:"within_weeks"`
	ConsecutiveWeeks int      `yaml:"consecutive_weeks"`

	text string // String(), worked out at load
}

// Money in pence.
type Money struct {
	AttachmentFeePence int64 `yaml:"attachment_fee_pence"`
	ResultPence        int64 `yaml:"result_pence"`
	// ConversionAssumption is the budget's assumed share of attachments that become results.
	ConversionAssumption float64 `yaml:"conversion_assumption"`
}

// YearProfile is one programme year's agreed numbers.
type YearProfile struct {
	Year         string `yaml:"year"` // "2015/16"
	Starts       Moment `yaml:"starts"`
	Attachments  int    `yaml:"attachments"`
	Results      int    `yaml:"results"`
	Aspirational int    `yaml:"aspirational_results"`
}

// ClaimWindow is a national window in which claims are submitted.
type ClaimWindow struct {
	ID     string `yaml:"id"`
	Opens  Moment `yaml:"opens"`
	Closes Moment `yaml:"closes"`
}

// Feeds and their event types, from the data contracts.
var feedEventTypes = map[string][]string{
	"school_census": {"ATTENDANCE"},
	"not_on_roll":   {"NOT_ON_ROLL"},
	"social_care":   {"EH_ASSESSMENT", "CIN", "S47", "CP_PLAN", "CSE", "MISSING", "YOUNG_CARER", "LAC"},
	"police": {
		"PROVEN_OFFENCE",
		"ASB_INTERVENTION",
		"DVA_INCIDENT",
		"MARAC",
		"RELEASED_FROM_PRISON",
		"ON_LICENCE",
	},
	"dwp_benefits": {"JSA", "ESA", "IS", "IB", "UC"},
	"employment":   {"EMPLOYMENT"},
	"health": {
		"ADULT_MENTAL_HEALTH",
		"CHILD_MENTAL_HEALTH",
		"SUBSTANCE_MISUSE",
		"UNDER5_DEVELOPMENT",
		"TEENAGE_PREGNANCY",
	},
	"housing": {"RENT_ARREARS", "EVICTION_RISK", "HOMELESS", "PROBLEM_DEBT"},
	"caseworker": {
		"TRAINING",
		"VOLUNTEERING",
		"JOB_SEARCH",
		"NEET",
		"EDUCATION_NEED",
		"EARLY_YEARS_NEED",
		"FAMILY_RELATIONSHIPS",
		"HOUSING_NEED",
		"FINANCIAL_NEED",
		"HEALTH_NEED",
		"SUBSTANCE_NEED",
		"CRIME_NEED",
		"DOMESTIC_ABUSE_NEED",
		"SAFETY_NEED",
	},
	"household_links": {},
}

// PoliceRoles are a police event's person's parts, and UCRegimes Universal Credit's
// conditionality regimes (the extract contract).
var (
	PoliceRoles = []string{"SUBJECT", "VICTIM", "PERPETRATOR"}
	UCRegimes   = []string{"SEARCHING", "PREPARING", "NO_REQUIREMENTS", "WORKING"}
)

// progressToWork are the caseworker's evidence types of progress to work: positive evidence
// for the worklessness outcome beside a spell of work (docs/outcomes.md, evidence gaps).
var progressToWork = []string{"TRAINING", "VOLUNTEERING", "JOB_SEARCH"}

var (
	planIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{2,63}$`)
	codePattern   = regexp.MustCompile(`^[A-Z][A-Z0-9_-]{1,31}$`)
	termPattern   = regexp.MustCompile(`^[0-9]{4}-(AUT|SPR|SUM)$`)
	yearPattern   = regexp.MustCompile(`^[0-9]{4}/[0-9]{2}$`)
)

// Error is one problem in a plan file, located by line and field.
type Error struct {
	File  string
	Line  int
	Field string
	Msg   string
}

func (e Error) Error() string {
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Field, e.Msg)
}

// Errors is every problem found in a plan file.
type Errors []Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Parse reads and validates one plan file's bytes.
func Parse(file string, data []byte) (*Plan, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, Errors{
			{
				File:  file,
				Line:  yamlLine(err),
				Field: "(file)",
				Msg:   "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: "),
			},
		}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var p Plan
	if err := dec.Decode(&p); err != nil {
		return nil, Errors{
			{File: file, Line: yamlLine(err), Field: "(schema)", Msg: strings.TrimPrefix(err.Error(), "yaml: ")},
		}
	}
	sum := sha256.Sum256(data)
	p.Hash, p.File = hex.EncodeToString(sum[:]), file
	v := &validator{file: file, root: &root}
	v.plan(&p)
	if len(v.errs) > 0 {
		return nil, v.errs
	}
	p.Terms = p.Terms.sorted()
	if ce := p.ContinuousEmployment; ce != nil {
		for i := range ce.Rules {
			ce.Rules[i].text = ce.Rules[i].String()
		}
	}
	p.byFact = map[feedType][]int32{}
	for i := range p.Problems {
		for j := range p.Problems[i].Indicators {
			ind := &p.Problems[i].Indicators[j]
			ind.index = p.indicators
			p.indicators++
			for _, typ := range ind.EventTypes {
				k := feedType{ind.Feed, typ}
				p.byFact[k] = append(p.byFact[k], int32(ind.index)) // #nosec G115 -- a plan has a few dozen indicators
			}
		}
	}
	p.termIndex = make(map[string]int32, len(p.Terms))
	for i, t := range p.Terms {
		p.termIndex[t.Code] = int32(i)
	}
	return &p, nil
}

var lineInError = regexp.MustCompile(`line (\d+)`)

func yamlLine(err error) int {
	if m := lineInError.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 1
}

// Plans is a set of loaded plans, by id and version.
type Plans struct{ byKey map[string]*Plan }

// Load reads every *.yaml file at the top of fsys. Two files may not publish the same id
// and version.
func Load(fsys fs.FS) (*Plans, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	ps := &Plans{byKey: map[string]*Plan{}}
	var errs Errors
	for _, n := range names {
		data, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		p, err := Parse(n, data)
		var pe Errors
		if errors.As(err, &pe) {
			errs = append(errs, pe...)
			continue
		}
		key := p.Key()
		if prev, dup := ps.byKey[key]; dup {
			errs = append(
				errs,
				Error{
					File:  n,
					Line:  1,
					Field: "id",
					Msg:   fmt.Sprintf("%s version %d is also published by %s", p.ID, p.Version, path.Base(prev.File)),
				},
			)
			continue
		}
		ps.byKey[key] = p
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return ps, nil
}

// LoadWithFolder loads the shipped plans and, when dirs is not empty, the plan files of each
// folder it names (a list separated as PATH is: the chart's ConfigMap, or the demo plan beside
// a council's own), so a council can publish a new version without a release. The same id and
// version in two places must be the same bytes.
func LoadWithFolder(shipped fs.FS, dirs string) (*Plans, error) {
	ps, err := Load(shipped)
	if err != nil {
		return nil, err
	}
	var errs Errors
	for _, dir := range filepath.SplitList(dirs) {
		if dir == "" {
			continue
		}
		mounted, err := Load(os.DirFS(dir))
		if err != nil {
			return nil, err
		}
		for _, key := range slices.Sorted(maps.Keys(mounted.byKey)) {
			p := mounted.byKey[key]
			if prev, ok := ps.byKey[key]; ok && prev.Hash != p.Hash {
				errs = append(errs, Error{File: filepath.Join(dir, p.File), Line: 1, Field: "version",
					Msg: fmt.Sprintf(
						"%s version %d differs from %s: a published version never changes; publish a new version",
						p.ID,
						p.Version,
						prev.File,
					)})
				continue
			}
			ps.byKey[key] = p
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return ps, nil
}

// Get returns a plan version.
func (ps *Plans) Get(id string, version int) (*Plan, bool) {
	return ps.ByKey(id + "@" + strconv.Itoa(version))
}

// ByKey returns the plan version a key (Plan.Key) names.
func (ps *Plans) ByKey(key string) (*Plan, bool) {
	p, ok := ps.byKey[key]
	return p, ok
}

// IDs lists the plan ids in the set, sorted.
func (ps *Plans) IDs() []string {
	seen := map[string]bool{}
	var ids []string
	for _, p := range ps.byKey {
		if !seen[p.ID] {
			seen[p.ID] = true
			ids = append(ids, p.ID)
		}
	}
	sort.Strings(ids)
	return ids
}

// Latest returns the highest version of a plan id.
func (ps *Plans) Latest(id string) (*Plan, bool) {
	var best *Plan
	for _, p := range ps.byKey {
		if p.ID == id && (best == nil || p.Version > best.Version) {
			best = p
		}
	}
	return best, best != nil
}

// All returns every plan, by id then version.
func (ps *Plans) All() []*Plan {
	out := make([]*Plan, 0, len(ps.byKey))
	for _, p := range ps.byKey {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].ID != out[j].ID {
			return out[i].ID < out[j].ID
		}
		return out[i].Version < out[j].Version
	})
	return out
}

// Problem returns the plan's problem with the code.
func (p *Plan) Problem(code string) (*Problem, bool) {
	for i := range p.Problems {
		if p.Problems[i].Code == code {
			return &p.Problems[i], true
		}
	}
	return nil, false
}

// KnownEvent says whether feed is a data contract's feed and kind one of its event types.
func KnownEvent(feed, kind string) bool { return slices.Contains(feedEventTypes[feed], kind) }

// ExtractFeed says whether feed is an agency extract whose events the engine reads (not the
// caseworkers' records, not household links): a feed data coverage is given for.
func ExtractFeed(feed string) bool { return feed != caseworkerFeed && len(feedEventTypes[feed]) > 0 }

// YearEnd is when the plan's i-th programme year ends: the next year's start, or the plan's
// end for the last.
func (p *Plan) YearEnd(i int) Moment {
	if i+1 < len(p.Profiles) {
		return p.Profiles[i+1].Starts
	}
	return p.EffectiveTo
}

// SustainedEnd is when the outcome of the problem with the code would be sustained if progress
// that began at from holds: from plus the outcome's sustained period, in the plan's calendar
// (false when the calendar ends first, or the plan has no such problem).
func (p *Plan) SustainedEnd(code string, from Moment) (Moment, bool) {
	pr, ok := p.Problem(code)
	if !ok {
		return Moment{}, false
	}
	return pr.Outcome.Sustained.after(from, p.Terms)
}
