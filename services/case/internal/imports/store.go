package imports

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/db"
	"github.com/familypath/familypath/pkg/platform/keyring"
	"github.com/familypath/familypath/services/case/internal/record"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Store commits import files and keeps their families' rows for the ImportProgramme workflow.
type Store struct {
	DB    *gorm.DB
	Keys  *keyring.Keyring // seals members' identities (FIELD_KEYS)
	Plans *outcomes.Plans
}

// Ids derived from what they name: the same file is the same import, and a council's family
// reference under a plan is always the same family.
var (
	importNamespace = uuid.MustParse("3b9e7c41-5d2a-4f08-9e6b-1c7a2d4f8e53")
	familyNamespace = uuid.MustParse("a7d21f6c-0e3b-4c95-8f1a-6b2e9d0c4a17")
)

// FamilyID is the family id of a council's family reference under a plan.
func FamilyID(planID, councilRef string) uuid.UUID {
	return uuid.NewSHA1(familyNamespace, []byte(planID+"/"+councilRef))
}

// PersonID is the opaque member id of a council's person reference in a family: no part of
// the reference can be read back from it.
func PersonID(family uuid.UUID, personRef string) string {
	sum := sha256.Sum256(append(family[:], personRef...))
	return "imp-" + hex.EncodeToString(sum[:10])
}

// Committed is what committing a file did.
type Committed struct {
	ImportID  uuid.UUID `json:"import_id"`
	Existing  bool      `json:"-"` // the same file was imported before: nothing changed
	Rows      int       `json:"rows"`
	Families  int       `json:"families"`
	New       int       `json:"new_families"`
	Changed   int       `json:"changed_families"`
	Unchanged int       `json:"unchanged_families"`
}

// ErrNotImportable: the file has issues; nothing of it is committed.
var ErrNotImportable = errors.New("the file has issues")

// FileHash is a file's identity: the same bytes are the same import.
func FileHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// Commit takes a file without issues whole, in one transaction: each new family's case with
// its team, lead professional and members; each family whose rows changed since an earlier
// import updated; the import's family rows for the workflow to apply. The same file again
// answers the import it made, changing nothing.
func (s Store) Commit(ctx context.Context, f *File, fileHash, by string) (*Committed, error) {
	if len(f.Issues) > 0 {
		return nil, ErrNotImportable
	}
	out := &Committed{
		ImportID: uuid.NewSHA1(importNamespace, []byte(fileHash)),
		Rows:     f.Rows,
		Families: len(f.Families),
	}
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// One import at a time: two files naming one family must not both open it.
		if err := tx.Exec("SELECT pg_advisory_xact_lock(hashtext('familypath.case.import'))").Error; err != nil {
			return err
		}
		var before []Committed
		if err := tx.Raw(`SELECT id AS import_id, rows, families, new_families AS new, changed AS changed, unchanged FROM "case".imports WHERE file_sha256 = ?`,
			fileHash).Scan(&before).Error; err != nil {
			return err
		}
		if len(before) > 0 {
			*out = before[0]
			out.Existing = true
			return nil
		}
		known, err := knownHashes(tx, f)
		if err != nil {
			return err
		}
		var fresh, changed []*Family
		for _, fam := range f.Families {
			switch h, ok := known[FamilyID(fam.PlanID, fam.Ref)]; {
			case !ok:
				fresh = append(fresh, fam)
			case h != fam.Hash():
				changed = append(changed, fam)
			}
		}
		out.New, out.Changed, out.Unchanged = len(fresh), len(changed), len(f.Families)-len(fresh)-len(changed)
		if err := tx.Exec(`INSERT INTO "case".imports (id, file_sha256, rows, families, new_families, changed, unchanged, imported_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			out.ImportID, fileHash, out.Rows, out.Families, out.New, out.Changed, out.Unchanged, by).Error; err != nil {
			return err
		}
		if err := s.open(tx, fresh, out.ImportID, by); err != nil {
			return err
		}
		return s.update(tx, changed, out.ImportID, by)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// knownHashes are the row hashes of the file's families imported before, by family id.
func knownHashes(tx *gorm.DB, f *File) (map[uuid.UUID]string, error) {
	ids := make([]string, len(f.Families))
	for i, fam := range f.Families {
		ids[i] = FamilyID(fam.PlanID, fam.Ref).String()
	}
	var rows []struct {
		FamilyID uuid.UUID
		RowHash  string
	}
	if err := tx.Raw(`SELECT family_id, row_hash FROM "case".imported_families WHERE family_id = ANY(?::uuid[])`, db.TextArray(ids)).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID]string, len(rows))
	for _, r := range rows {
		out[r.FamilyID] = r.RowHash
	}
	return out, nil
}

// batch is how many rows one INSERT carries.
const batch = 500

// open opens each new family's case: its team and lead professional, its members (identity
// sealed), its import row, and a line in its history.
func (s Store) open(tx *gorm.DB, fams []*Family, importID uuid.UUID, by string) error {
	var families, members, rows, history []map[string]any
	now := time.Now().UTC()
	for _, fam := range fams {
		id := FamilyID(fam.PlanID, fam.Ref)
		families = append(families, map[string]any{"id": id, "team": fam.Team, "lead_professional": nullable(fam.Lead),
			"lead_professional_agency": nullable(fam.LeadAgency), "members_version": 1})
		members = append(members, s.memberRows(id, fam, by, now)...)
		rows = append(rows, importRow(fam, importID))
		history = append(history, historyRow(id, importID, fam, by))
	}
	for _, t := range []struct {
		table string
		rows  []map[string]any
	}{{`"case".families`, families}, {`"case".members`, members}, {`"case".imported_families`, rows}, {`"case".record_history`, history}} {
		if len(t.rows) == 0 {
			continue
		}
		if err := tx.Table(t.table).CreateInBatches(t.rows, batch).Error; err != nil {
			return err
		}
	}
	return nil
}

// update applies a corrected file to families imported before: team and lead professional,
// members replaced whole (their version moves on), the import row, a line in the history.
func (s Store) update(tx *gorm.DB, fams []*Family, importID uuid.UUID, by string) error {
	now := time.Now().UTC()
	for _, fam := range fams {
		id := FamilyID(fam.PlanID, fam.Ref)
		if err := tx.Exec(`UPDATE "case".families SET team = ?, lead_professional = ?, lead_professional_agency = ?, members_version = members_version + 1,
			version = version + 1, updated_at = now() WHERE id = ?`, fam.Team, nullable(fam.Lead), nullable(fam.LeadAgency), id).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM "case".members WHERE family_id = ?`, id).Error; err != nil {
			return err
		}
		if err := tx.Table(`"case".members`).Create(s.memberRows(id, fam, by, now)).Error; err != nil {
			return err
		}
		row := importRow(fam, importID)
		delete(row, "applied_hash") // what was applied stays until the workflow applies the new rows
		if err := tx.Table(`"case".imported_families`).Where("family_id = ?", id).Updates(row).Error; err != nil {
			return err
		}
		if err := tx.Table(`"case".record_history`).Create(historyRow(id, importID, fam, by)).Error; err != nil {
			return err
		}
	}
	return nil
}

func (s Store) memberRows(family uuid.UUID, fam *Family, by string, now time.Time) []map[string]any {
	out := make([]map[string]any, len(fam.Members))
	for i, m := range fam.Members {
		person := PersonID(family, m.PersonRef)
		id := record.Identity{KnownAs: strings.TrimSpace(m.GivenName + " " + m.FamilyName), BirthDate: m.BirthDate,
			GivenName: m.GivenName, FamilyName: m.FamilyName, Postcode: m.Postcode}
		out[i] = map[string]any{
			"family_id":    family,
			"person_id":    person,
			"role":         m.Role,
			"relationship": m.Relationship,
			"pregnant":     false,
			"identity":     record.SealIdentity(s.Keys, family, person, id),
			"updated_by":   by,
			"updated_at":   now,
		}
	}
	return out
}

// importRow is the family's import row: what the workflow applies (codes and dates).
func importRow(fam *Family, importID uuid.UUID) map[string]any {
	progress := map[string]string{}
	for code, d := range fam.Progress {
		progress[code] = d.Format(time.DateOnly)
	}
	p, _ := json.Marshal(progress)
	return map[string]any{
		"council_ref":  fam.Ref,
		"plan_id":      fam.PlanID,
		"family_id":    FamilyID(fam.PlanID, fam.Ref),
		"import_id":    importID,
		"row_hash":     fam.Hash(),
		"applied_hash": nil,
		"plan_version": fam.PlanID + "@" + strconv.Itoa(fam.PlanVersion),
		"attached_on": fam.AttachedOn.Format(
			time.DateOnly,
		),
		"fee_received":      fam.FeeReceived,
		"baseline_problems": db.TextArray(fam.Baseline),
		"assessment_on": dateOrNil(
			fam.AssessmentOn,
		),
		"plan_agreed_on": dateOrNil(fam.PlanAgreedOn),
		"progress":       string(p),
		"claim_window": nullable(
			fam.ClaimWindow,
		),
		"claim_route":  nullable(fam.ClaimRoute),
		"claim_status": nullable(fam.ClaimStatus),
	}
}

// historyRow records the import in the family's history: the import and what it set, never
// the council's references or names.
func historyRow(family, importID uuid.UUID, fam *Family, by string) map[string]any {
	content, _ := json.Marshal(
		map[string]any{"import_id": importID, "plan_version": fam.PlanID + "@" + strconv.Itoa(fam.PlanVersion),
			"attached_on": fam.AttachedOn.Format(
				time.DateOnly,
			), "baseline_problems": fam.Baseline, "members": len(fam.Members), "claim_status": fam.ClaimStatus},
	)
	return map[string]any{
		"family_id":  family,
		"kind":       "IMPORT",
		"version":    1,
		"content":    string(content),
		"changed_by": by,
	}
}

// Hash is the family's content: its family columns and its members, in a stable order. A
// corrected file changes a family's hash only where its rows changed.
func (f *Family) Hash() string {
	h := sha256.New()
	for _, c := range familyCols {
		h.Write([]byte(c + "=" + f.family[c] + "\x00"))
	}
	ms := slices.Clone(f.Members)
	slices.SortFunc(ms, func(a, b Member) int { return strings.Compare(a.PersonRef, b.PersonRef) })
	for _, m := range ms {
		for _, v := range []string{m.PersonRef, m.Role, m.Relationship, m.GivenName, m.FamilyName, m.BirthDate, m.Postcode} {
			h.Write([]byte(v + "\x00"))
		}
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func dateOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.Format(time.DateOnly)
}

// Known is each imported family of the plan whose workflow the import has started, with its
// members' identities, opened.
func (s Store) Known(ctx context.Context, planID string) ([]KnownFamily, error) {
	var rows []struct {
		FamilyID uuid.UUID
		PersonID string
		Identity []byte
	}
	// Only families the import has applied (their workflow started): a run that gave a family
	// still being applied its id would start that family's workflow as a newly identified one.
	if err := s.DB.WithContext(ctx).Raw(`SELECT m.family_id, m.person_id, m.identity FROM "case".imported_families i
		JOIN "case".members m ON m.family_id = i.family_id WHERE i.plan_id = ? AND i.applied_hash IS NOT NULL
		ORDER BY m.family_id, m.person_id`, planID).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := []KnownFamily{}
	for _, r := range rows {
		id, err := record.OpenIdentity(s.Keys, r.FamilyID, r.PersonID, r.Identity)
		if err != nil {
			return nil, err
		}
		if n := len(out); n == 0 || out[n-1].FamilyID != r.FamilyID.String() {
			out = append(out, KnownFamily{FamilyID: r.FamilyID.String()})
		}
		f := &out[len(out)-1]
		f.Members = append(
			f.Members,
			KnownPerson{
				GivenName:  id.GivenName,
				FamilyName: id.FamilyName,
				BirthDate:  id.BirthDate,
				Postcode:   id.Postcode,
			},
		)
	}
	return out, nil
}

// Pending answers up to limit of the import's families (after family id after, "" from the
// first) whose rows are not yet applied at their content, in family id order.
func (s Store) Pending(ctx context.Context, importID uuid.UUID, after string, limit int) ([]pendingRow, error) {
	q := s.DB.WithContext(ctx).
		Table(`"case".imported_families i`).
		Joins(`JOIN "case".families f ON f.id = i.family_id`).
		Select(`i.family_id, i.plan_id, i.plan_version, f.team, i.attached_on, i.fee_received, i.baseline_problems,
			coalesce(i.claim_window, '') AS claim_window, coalesce(i.claim_route, '') AS claim_route,
			coalesce(i.claim_status, '') AS claim_status, i.row_hash`).
		Where("i.import_id = ? AND i.applied_hash IS DISTINCT FROM i.row_hash", importID).
		Order("i.family_id").
		Limit(limit)
	if after != "" {
		q = q.Where("i.family_id > ?", after)
	}
	var rows []pendingRow
	return rows, q.Scan(&rows).Error
}

// MarkApplied records that the family's imported row is applied at content hash rowHash.
func (s Store) MarkApplied(ctx context.Context, familyID, rowHash string) error {
	return s.DB.WithContext(ctx).
		Exec(`UPDATE "case".imported_families SET applied_hash = ? WHERE family_id = ?`, rowHash, familyID).Error
}

// Finish marks the import applied (the first finish's time stands).
func (s Store) Finish(ctx context.Context, importID string) error {
	return s.DB.WithContext(ctx).
		Exec(`UPDATE "case".imports SET status = 'DONE', finished_at = coalesce(finished_at, now())
		WHERE id = ?`, importID).
		Error
}

// Status is the import's progress; nil when there is no such import.
func (s Store) Status(ctx context.Context, id uuid.UUID) (*StatusBody, error) {
	var rows []StatusBody
	err := s.DB.WithContext(ctx).
		Raw(`SELECT i.id AS import_id, i.rows, i.families, i.new_families AS new, i.changed, i.unchanged, i.status,
		i.imported_by, i.created_at, i.finished_at,
		(SELECT count(*) FROM "case".imported_families f WHERE f.import_id = i.id AND f.applied_hash = f.row_hash) AS applied
		FROM "case".imports i WHERE i.id = ?`, id).
		Scan(&rows).Error
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return &rows[0], nil
}

// Families lists the families the import last changed, by council reference.
func (s Store) Families(ctx context.Context, id uuid.UUID) ([]FamilyRow, error) {
	var rows []FamilyRow
	err := s.DB.WithContext(ctx).
		Raw(`SELECT council_ref AS council_family_ref, family_id::text AS family_id, plan_version,
		coalesce(claim_status, '') AS claim_status, applied_hash IS NOT DISTINCT FROM row_hash AS applied
		FROM "case".imported_families WHERE import_id = ? ORDER BY council_ref`, id).
		Scan(&rows).
		Error
	return rows, err
}
