// Package access asks the case service "what is this user's relationship to family X?" for
// the other services, as architecture.md's "Who owns what" says: the case service owns
// allocations. The caller's own access token is passed on, so the case service answers for
// exactly that user. Answers are kept in Redis briefly; when neither Redis nor the case
// service can answer, the caller gets an error and refuses (access fails closed).
package access

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/logging"
	"github.com/familypath/familypath/pkg/platform/policy"
	"github.com/familypath/familypath/pkg/platform/tracing"
	"github.com/redis/go-redis/v9"
)

// RelationshipPath is the case service's route that answers for the calling user.
const RelationshipPath = "/v1/families/:id/relationship"

// cache keys: "familypath:access:v2:<hash>" holds "<relationship>" or "<relationship>|restricted".

// RelationshipBody is its answer.
type RelationshipBody struct {
	FamilyID     string `json:"family_id"`
	Relationship string `json:"relationship"` // none, same_team, allocated, lead_professional
	// Restricted: processing of the family's data is restricted (UK GDPR Article 18).
	Restricted bool `json:"restricted"`
}

// defaultHTTP is shared, so that connections to the case service are reused.
var defaultHTTP = &http.Client{Timeout: 3 * time.Second, Transport: tracing.Transport(nil)}

// Client asks the case service, through a short Redis cache.
type Client struct {
	CaseURL string
	Redis   *redis.Client
	Log     *slog.Logger
	HTTP    *http.Client  // default: one client for all, 3 s timeout
	TTL     time.Duration // default 30 s: a reallocation reaches other services within it
}

// Family returns p's relationship to the family and whether its processing is restricted.
func (c *Client) Family(ctx context.Context, p auth.Principal, token, familyID string) (policy.Access, error) {
	key := cacheKey(p, familyID)
	if c.Redis != nil {
		if v, err := c.Redis.Get(ctx, key).Result(); err == nil {
			rel, restricted, _ := strings.Cut(v, "|")
			return policy.Access{
				Relationship: policy.ParseRelationship(rel),
				Restricted:   restricted == "restricted",
			}, nil
		} else if !errors.Is(err, redis.Nil) {
			c.Log.WarnContext(ctx, "access cache unavailable; asking the case service", "error", err.Error())
		}
	}
	acc, err := c.ask(ctx, token, familyID)
	if err != nil {
		return policy.Access{}, err
	}
	if c.Redis != nil {
		ttl := c.TTL
		if ttl == 0 {
			ttl = 30 * time.Second
		}
		v := acc.Relationship.String()
		if acc.Restricted {
			v += "|restricted"
		}
		_ = c.Redis.Set(ctx, key, v, ttl).Err()
	}
	return acc, nil
}

func (c *Client) ask(ctx context.Context, token, familyID string) (policy.Access, error) {
	hc := c.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	u := strings.TrimSuffix(c.CaseURL, "/") + strings.Replace(RelationshipPath, ":id", url.PathEscape(familyID), 1)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return policy.Access{}, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	logging.SetRequestID(ctx, req.Header) // the case service logs the check under the caller's request id
	resp, err := hc.Do(req)
	if err != nil {
		return policy.Access{}, fmt.Errorf("ask the case service: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return policy.Access{}, fmt.Errorf("the case service answered %d", resp.StatusCode)
	}
	var b RelationshipBody
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&b); err != nil {
		return policy.Access{}, fmt.Errorf("the case service's answer: %w", err)
	}
	return policy.Access{Relationship: policy.ParseRelationship(b.Relationship), Restricted: b.Restricted}, nil
}

// cacheKey names the answer for this user (subject, team, agency, roles) and family,
// hashed so that Redis holds no ids of people in clear.
func cacheKey(p auth.Principal, familyID string) string {
	sum := sha256.Sum256(
		[]byte(strings.Join([]string{p.Subject, p.Team, p.Agency, strings.Join(p.Roles, ","), familyID}, "\x00")),
	)
	return "familypath:access:v2:" + hex.EncodeToString(sum[:16])
}
