// Package linking is the identification run's linking step and activities: the pipeline
// (internal/matching) over the run's rows loaded into Postgres, with what earlier runs found
// and what the case service holds (imported and merged families), and its result kept in one
// transaction (people with stable ids, households, families with their evidence snapshots,
// the review queue); then the fan-out and the run's finish. Reviewers' decisions
// (internal/review) win in every later run.
package linking

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/familypath/familypath/pkg/extracts"
	"github.com/familypath/familypath/pkg/linkage"
	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/db"
	"github.com/familypath/familypath/pkg/platform/keyring"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/familypath/familypath/services/identification/internal/evidence"
	"github.com/familypath/familypath/services/identification/internal/ingest"
	"github.com/familypath/familypath/services/identification/internal/matching"
	"github.com/familypath/familypath/services/identification/internal/review"
	"github.com/familypath/familypath/services/identification/internal/runs"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// Linker links, groups and judges a run's rows and keeps the result.
type Linker struct {
	DB       *gorm.DB
	Keys     *keyring.Keyring
	Extracts ingest.Store
	Evidence evidence.Store
	Plans    *outcomes.Plans
	// Progress, when set, is told as each stage ends (an activity's heartbeat).
	Progress func(stage string)
	// Resume: an earlier attempt of this run's linking got under way (its activity left
	// heartbeat details): the people it linked are read from the run's checkpoint, not
	// linked again.
	Resume bool
	// Held, when set, answers what the case service holds that runs must respect: the plan's
	// families no run found (imports), with what identifies their members (a household holding
	// them keeps their family id instead of becoming a second family), and families merged
	// into others (their people take the surviving family's id).
	Held func(ctx context.Context, planID string) (*Held, error)
}

func (l Linker) progress(stage string) {
	if l.Progress != nil {
		l.Progress(stage)
	}
}

// ErrPlanMissing is a run whose plan version this service does not hold.
var ErrPlanMissing = errors.New("the run's plan version is not published here")

// Link runs the pipeline over the run's uploads and keeps the result in one transaction: a
// run already linked answers what it kept, so a retry after a crash does nothing twice.
func (l Linker) Link(ctx context.Context, id uuid.UUID) (*familypathv1.RunCounts, error) {
	run, err := runs.Store{DB: l.DB}.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if run.Status != runs.StatusRunning {
		return runs.CountsOf(run), nil
	}
	plan, ok := l.Plans.ByKey(run.PlanVersion)
	if !ok {
		return nil, ErrPlanMissing
	}
	uploads := make([]uuid.UUID, len(run.UploadIDs))
	for i, u := range run.UploadIDs {
		uploads[i] = uuid.MustParse(u)
	}
	var records []matching.Record
	err = l.Extracts.Rows(ctx, uploads, func(source int32, feed string, r *extracts.Row) error {
		records = append(records, matching.Record{Feed: feed, Source: source, Row: *r})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the run's rows: %w", err)
	}
	l.progress("rows read")
	coverage, err := l.coverage(ctx, uploads, records)
	if err != nil {
		return nil, err
	}
	prior, err := l.before(ctx, run.ID)
	if err != nil {
		return nil, err
	}
	l.progress("what earlier runs found read")
	held := &Held{}
	if l.Held != nil {
		if held, err = l.Held(ctx, plan.ID); err != nil {
			return nil, fmt.Errorf("reading the families the programme already holds: %w", err)
		}
	}
	var changes []matching.Change
	var recognised []matching.Recognition
	at := outcomes.Date(run.ReferenceDate.Year(), run.ReferenceDate.Month(), run.ReferenceDate.Day())
	settings := matching.Settings{
		Decisions: prior.decisions,
		Hash:      func(b []byte) matching.Key { return l.Keys.Pseudonym(b) },
		Aliases:   l.aliases(),
	}
	people, err := l.people(ctx, run.ID, records, settings)
	if err != nil {
		return nil, err
	}
	res := matching.Identify(records, matching.Options{
		Plan: plan, At: at, Settings: settings, People: people,
		PersonIDs: func(p *matching.People) []string { return matching.StablePeople(p, prior.people, uuid.NewString) },
		FamilyIDs: func(h []matching.Household, people []string) []string {
			recognised = matching.Recognise(records, h, held.Known)
			previous, sizes := held.previous(prior, h, people, recognised)
			ids, ch := matching.StableFamilies(h, people, previous, sizes, uuid.NewString)
			changes = ch
			return ids
		},
		FactID:   func(i int32, person string) string { return factID(&records[i], person) },
		Coverage: coverage,
		Stage:    l.progress,
	})
	counts := &familypathv1.RunCounts{Records: int64(len(records)), People: int64(res.People.Count),
		Households: int64(len(res.Households)), Families: int64(len(res.Families)), ReviewPairs: int64(len(res.Review))}
	for _, f := range res.Families {
		if f.Eligibility.Eligible {
			counts.Eligible++
			if !f.OpenToService {
				counts.EligibleNotOpenToService++
			}
		}
	}
	err = db.WithPgx(ctx, l.DB, func(conn *pgx.Conn) error {
		return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if err := l.keep(ctx, tx, run, plan, records, uploads, res, changes, counts); err != nil {
				return err
			}
			if err := keepRecognitions(ctx, tx, run.ID, res, recognised); err != nil {
				return err
			}
			if err := dropCheckpoints(ctx, tx, run.ID); err != nil {
				return err
			}
			return l.rekeyDecisions(ctx, tx, prior.rekey, res)
		})
	})
	if err != nil {
		return nil, err
	}
	l.progress("result kept")
	return counts, nil
}

// coverage is how far the run's data reaches: each feed's upload's extract date, and the
// Universal Credit share's where a benefits upload carried UC rows.
func (l Linker) coverage(ctx context.Context, ids []uuid.UUID, records []matching.Record) (outcomes.Coverage, error) {
	ups, err := l.Extracts.Uploads(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("reading the run's uploads: %w", err)
	}
	sources := make([]matching.Source, len(ups))
	for i := range ups {
		d := ups[i].ExtractDate()
		sources[i] = matching.Source{Feed: ups[i].Feed, AsOf: outcomes.Date(d.Year(), d.Month(), d.Day())}
	}
	return matching.CoverageOf(sources, records), nil
}

// aliases are a record's pseudonyms under the ring's other keys, while a rotation is under
// way (nil with one key): people and decisions known by the old key are found.
func (l Linker) aliases() func([]byte) []matching.Key {
	ids := l.Keys.IDs()[1:]
	if len(ids) == 0 {
		return nil
	}
	return func(b []byte) []matching.Key {
		out := make([]matching.Key, len(ids))
		for i, id := range ids {
			out[i] = l.Keys.PseudonymUnder(id, b)
		}
		return out
	}
}

// factID names an evidence row by its content and its person (a pseudonymous id): the same
// row in next month's extract is the same evidence, so unchanged data makes no new snapshot.
func factID(r *matching.Record, person string) string {
	f := r.Row
	fields := []any{person, r.Feed, f.EventType, f.EventDate, f.StartDate, f.EndDate, f.Term, f.SessionsPossible,
		f.SessionsUnauthorised, f.SessionsAuthorised, f.FixedTermExclusions, f.PermanentExclusion, f.AlternativeProvision}
	if f.Role != "" || f.UCRegime != "" { // read by the engine since version 2; rows without them keep their ids
		fields = append(fields, f.Role, f.UCRegime)
	}
	b, _ := json.Marshal(fields)
	sum := sha256.Sum256(b)
	return r.Feed + ":" + hex.EncodeToString(sum[:8])
}

// earlier is what earlier runs found, for this run to build on.
type earlier struct {
	people    map[matching.Key]string // person id of each distinct record seen before
	families  map[string]string       // person id to family id, in the latest run before
	sizes     map[string]int          // people in each of those families
	decisions map[matching.Pair]bool  // reviewers' latest decisions
	rekey     []review.Decision       // decisions made under another key of the ring, to keep under the active one
}

// before reads what earlier runs found: people by their records' pseudonyms (under the
// active key), the latest run's households, and reviewers' decisions.
func (l Linker) before(ctx context.Context, run uuid.UUID) (*earlier, error) {
	e := &earlier{
		people:    map[matching.Key]string{},
		families:  map[string]string{},
		sizes:     map[string]int{},
		decisions: map[matching.Pair]bool{},
	}
	key := l.Keys.ActiveID()
	err := db.WithPgx(ctx, l.DB, func(conn *pgx.Conn) error {
		rows, err := conn.Query(
			ctx,
			`SELECT pseudonym, person_id::text FROM identification.person_keys WHERE key_id = ANY($1)`,
			l.Keys.IDs(),
		)
		if err != nil {
			return err
		}
		var p []byte
		var id string
		_, err = pgx.ForEachRow(rows, []any{&p, &id}, func() error {
			if len(p) == len(matching.Key{}) {
				e.people[matching.Key(p)] = id
			}
			return nil
		})
		if err != nil {
			return err
		}
		rows, err = conn.Query(
			ctx,
			`SELECT person_id::text, family_id::text FROM identification.family_members WHERE run_id = (
			SELECT id FROM identification.runs WHERE status <> 'RUNNING' AND id <> $1 ORDER BY linked_at DESC LIMIT 1)`,
			run,
		)
		if err != nil {
			return err
		}
		var person, family string
		_, err = pgx.ForEachRow(rows, []any{&person, &family}, func() error {
			e.families[person] = family
			e.sizes[family]++
			return nil
		})
		if err != nil {
			return err
		}
		rows, err = conn.Query(
			ctx,
			`SELECT DISTINCT ON (pair_key) pair_key, key_id, same_person, reason, decided_by, decided_at, run_id, rank
			FROM identification.review_decisions WHERE key_id = ANY($1) ORDER BY pair_key, decided_at DESC`,
			l.Keys.IDs(),
		)
		if err != nil {
			return err
		}
		var d review.Decision
		_, err = pgx.ForEachRow(
			rows,
			[]any{&d.PairKey, &d.KeyID, &d.SamePerson, &d.Reason, &d.DecidedBy, &d.DecidedAt, &d.RunID, &d.Rank},
			func() error {
				if len(d.PairKey) == 32 {
					e.decisions[matching.PairOf(matching.Key(d.PairKey[:16]), matching.Key(d.PairKey[16:]))] = d.SamePerson
					if d.KeyID != key {
						e.rekey = append(e.rekey, d)
					}
				}
				return nil
			},
		)
		return err
	})
	return e, err
}

// keep writes the run's result in tx: people's ids by their records' pseudonyms, households,
// how families changed, eligible families' evidence snapshots and candidate rows, the run's
// families and review queue, and the run's counts. A run found linked already keeps nothing.
func (l Linker) keep(
	ctx context.Context,
	tx pgx.Tx,
	run *runs.Run,
	plan *outcomes.Plan,
	records []matching.Record,
	uploads []uuid.UUID,
	res *matching.Result,
	changes []matching.Change,
	counts *familypathv1.RunCounts,
) error {
	var status string
	if err := tx.QueryRow(ctx, `SELECT status FROM identification.runs WHERE id = $1 FOR UPDATE`, run.ID).Scan(&status); err != nil {
		return err
	}
	if status != runs.StatusRunning {
		return nil
	}
	if err := keepPeople(ctx, tx, run.ID, l.Keys.ActiveID(), res); err != nil {
		return err
	}
	if err := keepLinks(ctx, tx, run.ID, records, uploads, res); err != nil {
		return err
	}
	if err := keepHouseholds(ctx, tx, run.ID, res, changes); err != nil {
		return err
	}
	families, err := l.keepEvidence(ctx, tx, run, plan, res, counts)
	if err != nil {
		return err
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"identification", "run_families"},
		[]string{"run_id", "family_id", "members", "eligible", "open_to_service", "problem_codes", "evidence_snapshot_id", "changed", "fanout", "joined_by"},
		pgx.CopyFromRows(families)); err != nil {
		return err
	}
	if err := keepReview(ctx, tx, run.ID, records, uploads, res); err != nil {
		return err
	}
	_, err = tx.Exec(
		ctx,
		`UPDATE identification.runs SET status = $2, key_id = $3, records = $4, people = $5, households = $6,
		families = $7, eligible = $8, eligible_not_open_to_service = $9, review_pairs = $10, changed = $11, linked_at = now() WHERE id = $1`,
		run.ID,
		runs.StatusLinked,
		l.Keys.ActiveID(),
		counts.Records,
		counts.People,
		counts.Households,
		counts.Families,
		counts.Eligible,
		counts.EligibleNotOpenToService,
		counts.ReviewPairs,
		counts.Changed,
	)
	return err
}

// keepPeople records the person each distinct record was found to be.
func keepPeople(ctx context.Context, tx pgx.Tx, run uuid.UUID, keyID string, res *matching.Result) error {
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE run_people (pseudonym bytea, person_id uuid) ON COMMIT DROP`); err != nil {
		return err
	}
	seen := map[matching.Key]bool{}
	var rows [][]any
	for i, k := range res.People.Keys {
		if !seen[k] {
			seen[k] = true
			rows = append(rows, []any{k[:], res.PersonIDs[res.People.Of[i]]})
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"run_people"}, []string{"pseudonym", "person_id"}, pgx.CopyFromRows(rows)); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO identification.person_keys (pseudonym, key_id, person_id, last_run)
		SELECT pseudonym, $1, person_id, $2 FROM run_people
		ON CONFLICT (pseudonym) DO UPDATE SET key_id = excluded.key_id, person_id = excluded.person_id, last_run = excluded.last_run`, keyID, run)
	return err
}

// keepLinks records the links the run made, each with its score and comparisons.
func keepLinks(
	ctx context.Context,
	tx pgx.Tx,
	run uuid.UUID,
	records []matching.Record,
	uploads []uuid.UUID,
	res *matching.Result,
) error {
	rows := make([][]any, 0, len(res.People.Links))
	for _, l := range res.People.Links {
		a, b := &records[l.A], &records[l.B]
		var weight any = l.Weight
		if math.IsInf(l.Weight, 0) || math.IsNaN(l.Weight) {
			weight = nil
		}
		rows = append(
			rows,
			[]any{run, uploads[a.Source], a.Row.Row, uploads[b.Source], b.Row.Row, weight, levels(l.Comparison), l.By},
		)
	}
	_, err := tx.CopyFrom(
		ctx,
		pgx.Identifier{"identification", "run_links"},
		[]string{
			"run_id",
			"upload_a",
			"row_a",
			"upload_b",
			"row_b",
			"weight",
			"levels",
			"linked_by",
		},
		pgx.CopyFromRows(rows),
	)
	return err
}

// levels is a comparison as stored: each field's level.
func levels(c linkage.Comparison) []int16 {
	out := make([]int16, len(c))
	for f, l := range c {
		out[f] = int16(l)
	}
	return out
}

// keepHouseholds records who is in which household, and how the families changed.
func keepHouseholds(
	ctx context.Context,
	tx pgx.Tx,
	run uuid.UUID,
	res *matching.Result,
	changes []matching.Change,
) error {
	var members [][]any
	for h, hh := range res.Households {
		for _, p := range hh.Members {
			members = append(members, []any{run, res.FamilyIDs[h], res.PersonIDs[p]})
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"identification", "family_members"}, []string{"run_id", "family_id", "person_id"},
		pgx.CopyFromRows(members)); err != nil {
		return err
	}
	families := map[string]bool{}
	for _, f := range res.Families {
		families[f.Evidence.ID] = true
	}
	var rows [][]any
	for _, c := range changes {
		if !families[c.Family] {
			continue // a household without a dependent child or a pregnancy is not a family
		}
		var other *string
		if c.Other != "" {
			other = &c.Other
		}
		rows = append(rows, []any{run, c.Family, c.Kind, other, c.People, c.Explanation})
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"identification", "family_changes"},
		[]string{"run_id", "family_id", "kind", "other_family_id", "people", "explanation"}, pgx.CopyFromRows(rows))
	return err
}

// keepEvidence keeps each eligible family's evidence as a snapshot (unchanged evidence
// keeps the family's latest), records a candidate row for each family identified for the
// first time, and answers the run's families as rows of run_families.
func (l Linker) keepEvidence(ctx context.Context, tx pgx.Tx, run *runs.Run, plan *outcomes.Plan, res *matching.Result,
	counts *familypathv1.RunCounts) ([][]any, error) {
	var snaps []*evidence.Snapshot
	var contents []*evidence.Content
	var eligible []uuid.UUID
	for i := range res.Families {
		f := &res.Families[i]
		if !f.Eligibility.Eligible {
			continue
		}
		id := uuid.MustParse(f.Evidence.ID)
		eligible = append(eligible, id)
		snaps = append(
			snaps,
			&evidence.Snapshot{FamilyID: id, PlanID: plan.ID, PlanVersion: plan.Key(), ReferenceDate: run.ReferenceDate,
				ProblemCodes: db.TextArray(f.Eligibility.Codes()), RecordedBy: "run:" + run.ID.String()},
		)
		contents = append(
			contents,
			&evidence.Content{Members: f.Evidence.Members, Facts: f.Evidence.Facts, Coverage: f.Evidence.Coverage},
		)
	}
	snaps, _, err := l.Evidence.RecordAll(ctx, tx, snaps, contents)
	if err != nil {
		return nil, err
	}
	told := map[uuid.UUID]uuid.UUID{} // the snapshot each known family's workflow was last told of
	rows, err := tx.Query(
		ctx,
		`SELECT id, evidence_snapshot_id FROM identification.candidate_families WHERE id = ANY($1)`,
		eligible,
	)
	if err != nil {
		return nil, err
	}
	var f, s uuid.UUID
	if _, err := pgx.ForEachRow(rows, []any{&f, &s}, func() error { told[f] = s; return nil }); err != nil {
		return nil, err
	}
	var fresh [][]any
	snapshotOf := map[uuid.UUID]*evidence.Snapshot{}
	now := time.Now().UTC()
	for _, sn := range snaps {
		snapshotOf[sn.FamilyID] = sn
		if _, known := told[sn.FamilyID]; !known {
			wf, err := contract.FamilyWorkflowID(sn.FamilyID.String())
			if err != nil {
				return nil, err
			}
			fresh = append(
				fresh,
				[]any{
					sn.FamilyID,
					plan.ID,
					sn.ID,
					[]string(sn.ProblemCodes),
					run.ReferenceDate,
					wf,
					"run:" + run.ID.String(),
					now,
				},
			)
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"identification", "candidate_families"},
		[]string{"id", "plan_id", "evidence_snapshot_id", "problem_codes", "reference_date", "workflow_id", "request_hash", "created_at"},
		pgx.CopyFromRows(fresh)); err != nil {
		return nil, err
	}
	out := make([][]any, 0, len(res.Families))
	for i := range res.Families {
		f := &res.Families[i]
		id := uuid.MustParse(f.Evidence.ID)
		row := []any{
			run.ID,
			id,
			len(f.Evidence.Members),
			f.Eligibility.Eligible,
			f.OpenToService,
			f.Eligibility.Codes(),
			nil,
			false,
			runs.FanoutNotEligible,
			append([]string{}, f.Household.JoinedBy...),
		}
		if sn, ok := snapshotOf[id]; ok {
			last, known := told[id]
			changed := !known || last != sn.ID
			if changed {
				counts.Changed++
			}
			row[6], row[7], row[8] = sn.ID, changed, runs.FanoutPending
		}
		out = append(out, row)
	}
	return out, nil
}

// keepReview records the run's review queue, most valuable first.
func keepReview(
	ctx context.Context,
	tx pgx.Tx,
	run uuid.UUID,
	records []matching.Record,
	uploads []uuid.UUID,
	res *matching.Result,
) error {
	rows := make([][]any, 0, len(res.Review))
	family := func(id string) any {
		if id == "" {
			return nil
		}
		return id
	}
	for i, it := range res.Review {
		pair := matching.PairOf(res.People.Keys[it.A], res.People.Keys[it.B])
		a, b := &records[it.A], &records[it.B]
		rows = append(
			rows,
			[]any{
				run,
				i + 1,
				append(pair[0][:], pair[1][:]...),
				uploads[a.Source],
				a.Row.Row,
				uploads[b.Source],
				b.Row.Row,
				res.PersonIDs[res.People.Of[it.A]],
				res.PersonIDs[res.People.Of[it.B]],
				family(it.FamilyA),
				family(it.FamilyB),
				it.Weight,
				it.Probability,
				levels(it.Comparison),
				it.Value,
			},
		)
	}
	_, err := tx.CopyFrom(
		ctx,
		pgx.Identifier{"identification", "review_pairs"},
		[]string{
			"run_id",
			"rank",
			"pair_key",
			"upload_a",
			"row_a",
			"upload_b",
			"row_b",
			"person_a",
			"person_b",
			"family_a",
			"family_b",
			"weight",
			"probability",
			"levels",
			"value",
		},
		pgx.CopyFromRows(rows),
	)
	return err
}

// rekeyDecisions keeps, under the active key, the decisions made under another key of the ring
// that this run found its records by, so that they outlive the old key. A decision whose
// records were not in the run is left as it is (a later run may find them).
func (l Linker) rekeyDecisions(ctx context.Context, tx pgx.Tx, old []review.Decision, res *matching.Result) error {
	if len(old) == 0 {
		return nil
	}
	current := map[matching.Key]matching.Key{}
	for i, aliases := range res.People.Aliases {
		for _, a := range aliases {
			current[a] = res.People.Keys[i]
		}
	}
	for _, d := range old {
		a, okA := current[matching.Key(d.PairKey[:16])]
		b, okB := current[matching.Key(d.PairKey[16:])]
		if !okA || !okB {
			continue
		}
		p := matching.PairOf(a, b)
		if _, err := tx.Exec(ctx, `INSERT INTO identification.review_decisions
			(pair_key, key_id, same_person, reason, decided_by, decided_at, run_id, rank) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT DO NOTHING`, append(p[0][:], p[1][:]...), l.Keys.ActiveID(), d.SamePerson, d.Reason, d.DecidedBy, d.DecidedAt, d.RunID, d.Rank); err != nil {
			return err
		}
	}
	return nil
}
