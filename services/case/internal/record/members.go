package record

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/familypath/familypath/pkg/outcomes"
	"github.com/familypath/familypath/pkg/platform/httpapi"
	"github.com/familypath/familypath/pkg/platform/keyring"
	"github.com/familypath/familypath/pkg/platform/policy"
	"github.com/familypath/familypath/pkg/platform/sealed"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
)

// Member is a family member as the case knows them, linked to identification's person.
type Member struct {
	PersonID     string `json:"person_id"            validate:"required,memberid"`
	Role         string `json:"role"                 validate:"required,oneof=ADULT CHILD"`
	Relationship string `json:"relationship"         validate:"required,oneof=PARENT_CARER CHILD OTHER_ADULT OTHER_CHILD"`
	Pregnant     bool   `json:"pregnant"`
	// KnownAs and BirthDate identify the member: sealed at rest, shown only to those whose
	// relationship allows special category fields.
	KnownAs   string `json:"known_as,omitempty"   validate:"max=200"`
	BirthDate string `json:"birth_date,omitempty" validate:"omitempty,datetime=2006-01-02"`
	Withheld  bool   `json:"withheld,omitempty"`
}

// MembersRequest sets the family's members, whole.
type MembersRequest struct {
	Members []Member `json:"members" validate:"required,min=1,max=30,unique=PersonID,dive"`
}

// Identity is what identifies a member, sealed at rest: the name the family uses and the date
// of birth; for a member imported from a council's records also the names and postcode the
// council held, which identification matches its people against.
type Identity struct {
	KnownAs    string `json:"known_as,omitempty"`
	BirthDate  string `json:"birth_date,omitempty"`
	GivenName  string `json:"given_name,omitempty"`
	FamilyName string `json:"family_name,omitempty"`
	Postcode   string `json:"postcode,omitempty"`
}

// sealed binds a member's identity to the family and person, so a value copied to another
// row does not open.
func aad(family uuid.UUID, person string) []byte { return append(family[:], person...) }

// SealedMembers is the members' sealed identity column, for reseal and keys-status.
var SealedMembers = sealed.Column{Table: `"case".members`, Key: []string{"family_id", "person_id"}, Column: "identity",
	AAD: func(key []any) []byte { return aad(sealed.UUID(key[0]), key[1].(string)) }}

func (a *API) membersRoutes(r gin.IRouter) {
	r.PUT("/v1/families/:id/members", a.putMembers)
	r.GET("/v1/families/:id/members", a.getMembers)
}

func (a *API) putMembers(c *gin.Context) {
	id, ok := httpapi.PathUUID(c, "id")
	if !ok {
		return
	}
	if _, ok := a.Guard.Family(c, policy.FamilyWrite, id.String()); !ok {
		return
	}
	var req MembersRequest
	if !httpapi.BindJSON(c, &req) || !checkMembers(c, req.Members) || !a.hasCase(c, id) {
		return
	}
	by := httpapi.Principal(c).Subject
	version, err := a.store().PutMembers(c, id, req.Members, ifMatch(c), by)
	switch {
	case errors.Is(err, errPreconditionNeeded):
		httpapi.Abort(
			c,
			httpapi.Problem{
				Type:   httpapi.TypePreconditionNeeded,
				Status: http.StatusPreconditionRequired,
				Title:  "If-Match is required",
				Detail: "The family's members are recorded: send the ETag you read them with in If-Match, so that a change made since is not overwritten.",
			},
		)
		return
	case errors.Is(err, errPrecondition):
		httpapi.Abort(
			c,
			httpapi.Problem{
				Type:   httpapi.TypePreconditionFailed,
				Status: http.StatusPreconditionFailed,
				Title:  "Changed since you read it",
				Detail: "The members changed since the version in If-Match; read them again and send your change on the new version.",
			},
		)
		return
	case err != nil:
		httpapi.Fail(c, a.Log, "put members", err)
		return
	}
	httpapi.SetETag(c, version)
	c.JSON(http.StatusOK, gin.H{"members": req.Members})
}

// SealIdentity seals what identifies a member (the name the family uses, date of birth) for
// the members table, bound to the family and person.
func SealIdentity(keys *keyring.Keyring, family uuid.UUID, person string, id Identity) []byte {
	plain, _ := json.Marshal(id)
	return keys.Seal(plain, aad(family, person))
}

// OpenIdentity opens a member's sealed identity.
func OpenIdentity(keys *keyring.Keyring, family uuid.UUID, person string, sealed []byte) (Identity, error) {
	var id Identity
	plain, err := keys.Open(sealed, aad(family, person))
	if err == nil {
		err = json.Unmarshal(plain, &id)
	}
	return id, err
}

func (a *API) getMembers(c *gin.Context) {
	id, ok := httpapi.PathUUID(c, "id")
	if !ok {
		return
	}
	rel, ok := a.Guard.Family(c, policy.FamilyRead, id.String())
	if !ok {
		return
	}
	ms, err := a.store().Members(c, id)
	if err != nil {
		httpapi.Fail(c, a.Log, "read members", err)
		return
	}
	version, err := a.store().MembersVersion(c, id)
	if err != nil {
		httpapi.Fail(c, a.Log, "read members", err)
		return
	}
	httpapi.SetETag(c, version)
	if !policy.FieldVisible(httpapi.Principal(c), policy.Special, rel) {
		for i := range ms {
			ms[i].KnownAs, ms[i].BirthDate, ms[i].Withheld = "", "", true
		}
	}
	c.JSON(http.StatusOK, gin.H{"members": ms})
}

// engineMembers is the members as the Outcomes Plan engine reads them (ids, birth dates, roles).
func engineMembers(ms []Member) []outcomes.Member {
	out := make([]outcomes.Member, 0, len(ms))
	for _, m := range ms {
		om := outcomes.Member{ID: m.PersonID, Pregnant: m.Pregnant}
		if b, err := outcomes.ParseMoment(m.BirthDate); err == nil && m.BirthDate != "" {
			om.BirthDate = &b
		} else {
			om.Role = map[string]string{"ADULT": "adult", "CHILD": "child"}[m.Role]
		}
		out = append(out, om)
	}
	return out
}

// surname is the member's family name as the council held it, or else the last word of the
// name the family uses.
func (id Identity) surname() string {
	if id.FamilyName != "" {
		return id.FamilyName
	}
	words := strings.Fields(id.KnownAs)
	if len(words) == 0 {
		return ""
	}
	return words[len(words)-1]
}
