package linking

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/familypath/familypath/pkg/platform/sealed"
	"github.com/familypath/familypath/services/identification/internal/matching"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Stages of linking a run's people, as the run reports them (its activity's heartbeat).
const (
	StagePeopleLinked  = "people linked and kept as the run's checkpoint"
	StagePeopleResumed = "people read from the run's checkpoint"
)

// peopleStage names the checkpoint of a run's linked people.
const peopleStage = "people"

// checkpointAAD binds a checkpoint to its run and stage.
func checkpointAAD(run uuid.UUID, stage string) []byte {
	return append(append([]byte("run_checkpoints/"), run[:]...), stage...)
}

// SealedCheckpoints is the run checkpoints' sealed column, for reseal and keys-status.
var SealedCheckpoints = sealed.Column{Table: "identification.run_checkpoints", Key: []string{"run_id", "stage"},
	Column: "sealed", AAD: func(key []any) []byte {
		return checkpointAAD(uuid.UUID(sealed.UUID(key[0])), key[1].(string))
	}}

// linkInputs is what linking a run's records depends on beside the records (fixed for a
// run): the key its pseudonyms are made under and reviewers' decisions. A checkpoint made from
// other inputs (a decision taken, or the key rotated, since) is not resumed from.
func linkInputs(activeKey string, records int, decisions map[matching.Pair]bool) string {
	h := sha256.New()
	h.Write([]byte(activeKey))
	h.Write(binary.AppendUvarint(nil, uint64(records))) // #nosec G115 -- a count
	pairs := make([]matching.Pair, 0, len(decisions))
	for p := range decisions {
		pairs = append(pairs, p)
	}
	slices.SortFunc(pairs, func(a, b matching.Pair) int {
		return bytes.Compare(append(a[0][:], a[1][:]...), append(b[0][:], b[1][:]...))
	})
	for _, p := range pairs {
		h.Write(p[0][:])
		h.Write(p[1][:])
		if decisions[p] {
			h.Write([]byte{1})
		} else {
			h.Write([]byte{0})
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// keepPeople keeps a run's linked people as its checkpoint (replacing an older one).
func (l Linker) keepPeople(ctx context.Context, run uuid.UUID, inputs string, people *matching.People) error {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(people); err != nil {
		return fmt.Errorf("encode the run's people: %w", err)
	}
	sealed := l.Keys.Seal(buf.Bytes(), checkpointAAD(run, peopleStage))
	return l.DB.WithContext(ctx).Exec(`INSERT INTO identification.run_checkpoints (run_id, stage, inputs, sealed)
		VALUES (?, ?, ?, ?) ON CONFLICT (run_id, stage) DO UPDATE SET inputs = EXCLUDED.inputs,
		sealed = EXCLUDED.sealed, created_at = now()`, run, peopleStage, inputs, sealed).Error
}

// errNoCheckpoint: the run has no checkpoint of its people made from these inputs.
var errNoCheckpoint = errors.New("no checkpoint")

// keptPeople reads a run's people from its checkpoint, made from the same inputs.
func (l Linker) keptPeople(ctx context.Context, run uuid.UUID, inputs string) (*matching.People, error) {
	var rows []struct {
		Inputs string
		Sealed []byte
	}
	if err := l.DB.WithContext(ctx).Raw(`SELECT inputs, sealed FROM identification.run_checkpoints
		WHERE run_id = ? AND stage = ?`, run, peopleStage).Scan(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 || rows[0].Inputs != inputs {
		return nil, errNoCheckpoint
	}
	plain, err := l.Keys.Open(rows[0].Sealed, checkpointAAD(run, peopleStage))
	if err != nil {
		return nil, fmt.Errorf("open the run's checkpoint: %w", err)
	}
	people := &matching.People{}
	if err := gob.NewDecoder(bytes.NewReader(plain)).Decode(people); err != nil {
		return nil, fmt.Errorf("decode the run's checkpoint: %w", err)
	}
	return people, nil
}

// dropCheckpoints removes a run's checkpoints (its result is kept in the same transaction).
func dropCheckpoints(ctx context.Context, tx pgx.Tx, run uuid.UUID) error {
	_, err := tx.Exec(ctx, `DELETE FROM identification.run_checkpoints WHERE run_id = $1`, run)
	return err
}

// people links the run's records into people and keeps them as the run's checkpoint before
// the run goes on; an attempt that resumes an earlier one (Linker.Resume) reads them from the
// checkpoint instead, when one was made from the same inputs.
func (l Linker) people(
	ctx context.Context,
	run uuid.UUID,
	records []matching.Record,
	s matching.Settings,
) (*matching.People, error) {
	inputs := linkInputs(l.Keys.ActiveID(), len(records), s.Decisions)
	if l.Resume {
		p, err := l.keptPeople(ctx, run, inputs)
		if err == nil {
			l.progress(StagePeopleResumed)
			return p, nil
		}
		if !errors.Is(err, errNoCheckpoint) {
			// a checkpoint that cannot be read is linked again, not a failed run
			l.progress("the run's checkpoint could not be read: linking again")
		}
	}
	p := matching.LinkPeople(records, s)
	if err := l.keepPeople(ctx, run, inputs, p); err != nil {
		return nil, fmt.Errorf("keep the run's checkpoint: %w", err)
	}
	l.progress(StagePeopleLinked)
	return p, nil
}
