package ingest

import (
	"encoding/binary"
	"errors"

	"github.com/familypath/familypath/pkg/extracts"
	"github.com/familypath/familypath/pkg/platform/keyring"
	"github.com/familypath/familypath/pkg/platform/sealed"
	"github.com/google/uuid"
)

// Identity is the part of an extract row that says who the row is about, or holds free text
// about them: identifiers, names, date of birth, address, the agency's references. It is
// stored sealed (AES-256-GCM, FIELD_KEYS) in extract_rows.identity, bound to its row (upload
// id and row number as associated data, so a value copied to another row does not open).
// The rest of the row (codes, dates of events, counts, town, sex) stays in clear: alone it
// says nothing about whom, and identification's queries read it.
type Identity struct {
	SourceID     string `json:"source_id,omitempty"`
	Forename     string `json:"forename,omitempty"`
	Surname      string `json:"surname,omitempty"`
	DOB          string `json:"dob,omitempty"`
	AddressLine1 string `json:"address_line1,omitempty"`
	AddressLine2 string `json:"address_line2,omitempty"`
	Postcode     string `json:"postcode,omitempty"`
	UPRN         string `json:"uprn,omitempty"`
	IncidentRef  string `json:"incident_ref,omitempty"`
	Employer     string `json:"employer,omitempty"`
	Evidence     string `json:"evidence,omitempty"`
	PersonRefA   string `json:"person_ref_a,omitempty"`
	PersonRefB   string `json:"person_ref_b,omitempty"`
	// AccountRef is a residents row's council tax or housing benefit account (version 2).
	AccountRef string `json:"account_ref,omitempty"`
}

// identityOf takes the identifying fields of a row.
func identityOf(r *extracts.Row) Identity {
	return Identity{
		SourceID:     r.SourceID,
		Forename:     r.Forename,
		Surname:      r.Surname,
		DOB:          r.DOB,
		AddressLine1: r.AddressLine1,
		AddressLine2: r.AddressLine2,
		Postcode:     r.Postcode,
		UPRN:         r.UPRN,
		IncidentRef:  r.IncidentRef,
		Employer:     r.Employer,
		Evidence:     r.Evidence,
		PersonRefA:   r.PersonRefA,
		PersonRefB:   r.PersonRefB,
		AccountRef:   r.AccountRef,
	}
}

// fields are the identity's fields in encoding order: version 1 wrote the first 13, version
// 2 all.
func (id *Identity) fields() [14]*string {
	return [...]*string{
		&id.SourceID,
		&id.Forename,
		&id.Surname,
		&id.DOB,
		&id.AddressLine1,
		&id.AddressLine2,
		&id.Postcode,
		&id.UPRN,
		&id.IncidentRef,
		&id.Employer,
		&id.Evidence,
		&id.PersonRefA,
		&id.PersonRefB,
		&id.AccountRef,
	}
}

// identityVersion is the first byte of the encoding, so that its layout can change: 2 added
// AccountRef; rows sealed as version 1 (13 fields) still open.
const identityVersion = 2

// fieldsIn is how many fields an encoding version holds.
var fieldsIn = map[byte]int{1: 13, 2: 14}

// appendEncoded writes the fields in order, each as a uvarint length and its bytes.
func (id Identity) appendEncoded(b []byte) []byte {
	b = append(b, identityVersion)
	for _, f := range id.fields() {
		b = binary.AppendUvarint(b, uint64(len(*f))) // #nosec G115 -- a length is never negative
		b = append(b, *f...)
	}
	return b
}

var errIdentity = errors.New("extract row identity: malformed")

func decodeIdentity(b []byte) (Identity, error) {
	var id Identity
	if len(b) == 0 || fieldsIn[b[0]] == 0 {
		return id, errIdentity
	}
	fields := id.fields()
	count := fieldsIn[b[0]]
	b = b[1:]
	for _, f := range fields[:count] {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n { // #nosec G115 -- k <= len(b)
			return id, errIdentity
		}
		*f = string(b[k : k+int(n)]) // #nosec G115 -- n is within len(b), checked above
		b = b[k+int(n):]             // #nosec G115 -- as above
	}
	if len(b) != 0 {
		return id, errIdentity
	}
	return id, nil
}

// identityAAD binds a sealed identity to its row.
func identityAAD(upload string, row int) []byte {
	return binary.AppendUvarint(
		[]byte("extract_rows.identity/"+upload+"/"),
		uint64(row),
	) // #nosec G115 -- row numbers count from 1
}

// SealedIdentities is the extract rows' sealed identity column, for reseal and keys-status.
var SealedIdentities = sealed.Column{
	Table:  "identification.extract_rows",
	Key:    []string{"upload_id", "row_number"},
	Column: "identity",
	AAD: func(key []any) []byte {
		return identityAAD(uuid.UUID(sealed.UUID(key[0])).String(), int(key[1].(int32)))
	},
}

// SealIdentity seals a row's identity for its place (upload, row number).
func SealIdentity(keys *keyring.Keyring, upload string, row int, id Identity) []byte {
	return keys.Seal(id.appendEncoded(nil), identityAAD(upload, row))
}

// OpenIdentity opens the identity stored for a row (upload, row number).
func OpenIdentity(keys *keyring.Keyring, upload string, row int, sealed []byte) (Identity, error) {
	plain, err := keys.Open(sealed, identityAAD(upload, row))
	if err != nil {
		return Identity{}, err
	}
	return decodeIdentity(plain)
}
