package runs

import (
	"context"
	"fmt"

	"github.com/familypath/familypath/pkg/extracts"
	"github.com/familypath/familypath/pkg/platform/keyring"
	"github.com/familypath/familypath/pkg/platform/subjectaccess"
	"github.com/familypath/familypath/services/identification/internal/ingest"
	"github.com/familypath/familypath/services/identification/internal/matching"
	"github.com/google/uuid"
)

// Subject finds a subject access request's person in identification: every extract row about
// them (their identities opened), the links runs made to and from those rows, the people runs
// found them to be (by the rows' pseudonyms under every key of the ring, as a run finds them),
// and those people's families, which every other service's export starts from.
type Subject struct {
	Store    Store
	Extracts ingest.Store
	Keys     *keyring.Keyring
}

// Find adds what it finds to the request's subject and export.
func (f Subject) Find(ctx context.Context, s *subjectaccess.Subject, e *subjectaccess.Export) error {
	rows, err := f.Extracts.SubjectAccess(
		ctx,
		ingest.SubjectQuery{SourceID: s.SourceID, Surname: s.Surname, DOB: s.DOB},
	)
	if err != nil {
		return err
	}
	if e.Sections["extract_rows"], err = subjectaccess.RowsOf(rows); err != nil {
		return err
	}
	rowsOf := map[string]map[int]bool{} // upload id to its row numbers about the person
	var places [][]any
	for _, r := range rows {
		if rowsOf[r.UploadID] == nil {
			rowsOf[r.UploadID] = map[int]bool{}
		}
		rowsOf[r.UploadID][r.RowNumber] = true
		places = append(places, []any{r.UploadID, r.RowNumber})
	}
	if len(places) == 0 {
		e.Sections["run_links"] = subjectaccess.Rows{}
		return nil
	}
	pseudonyms, err := f.pseudonyms(ctx, rowsOf)
	if err != nil {
		return err
	}
	people, err := f.Store.PeopleKnownBy(ctx, pseudonyms)
	if err != nil {
		return err
	}
	families, err := f.Store.FamiliesOf(ctx, people)
	if err != nil {
		return err
	}
	s.Add(people, families)
	e.Sections["run_links"], err = f.Store.LinksOf(ctx, places)
	return err
}

// pseudonyms are the rows' fingerprints keyed under every key of the ring: a run keeps a
// person under the key of its day, which a rotation since may have moved from first place.
func (f Subject) pseudonyms(ctx context.Context, rowsOf map[string]map[int]bool) ([][]byte, error) {
	uploads := make([]uuid.UUID, 0, len(rowsOf))
	for id := range rowsOf {
		uploads = append(uploads, uuid.MustParse(id))
	}
	var out [][]byte
	err := f.Extracts.Rows(ctx, uploads, func(source int32, feed string, r *extracts.Row) error {
		if !rowsOf[uploads[source].String()][r.Row] {
			return nil
		}
		fp := matching.Fingerprint(&matching.Record{Feed: feed, Source: source, Row: *r})
		for _, id := range f.Keys.IDs() {
			p := f.Keys.PseudonymUnder(id, fp)
			out = append(out, p[:])
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the person's rows: %w", err)
	}
	return out, nil
}
