// Package erasure removes what a service holds about a family once the family's retention
// period has passed since its journey ended: the service's EraseFamily activity, which the
// family's FamilyRetention workflow runs (docs/data-protection.md, "Retention").
package erasure

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/familypath/familypath/pkg/platform/audit"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"
)

// Family is one service's erasure of a family's records.
type Family struct {
	DB    *gorm.DB
	Trail audit.Trail
	// Hold, when set, is a query that answers a reason (one text column) while the family's
	// records must be kept despite their period: the erasure is then retried until it answers
	// nothing (a restriction of processing for legal claims, say).
	Hold string
	// Statements remove the family's rows, in order (rows that refer to others first), all in
	// one transaction; @family is the family's id.
	Statements []string
}

// Erase is the EraseFamily activity. It records the erasure in the service's audit trail
// before it removes anything (never an unrecorded erasure; a retry records it again), and
// answers the rows removed: 0 when a retry finds them gone.
func (f Family) Erase(
	ctx context.Context,
	req *familypathv1.EraseFamilyRequest,
) (*familypathv1.EraseFamilyResponse, error) {
	family, err := uuid.Parse(req.GetFamilyId())
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError("the family id is not a uuid", "InvalidArgument", nil)
	}
	id := sql.Named("family", family)
	if f.Hold != "" {
		var reason string
		err := f.DB.WithContext(ctx).Raw(f.Hold, id).Row().Scan(&reason)
		if err == nil {
			return nil, temporal.NewApplicationError("the family's records are held: "+reason, "Held")
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	if _, err := f.Trail.Append(ctx, audit.Event{Actor: "retention", Action: "retention.erase", ResourceType: "family",
		ResourceID: family.String(), Outcome: audit.Allowed, Reason: "the family's retention period has passed since its journey ended"}); err != nil {
		return nil, err
	}
	var rows int64
	err = f.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for i, s := range f.Statements {
			var args []any
			if strings.Contains(s, "@family") {
				args = append(args, id)
			}
			res := tx.Exec(s, args...)
			if res.Error != nil {
				return fmt.Errorf("erasure statement %d: %w", i+1, res.Error)
			}
			rows += res.RowsAffected
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &familypathv1.EraseFamilyResponse{Rows: rows}, nil
}
