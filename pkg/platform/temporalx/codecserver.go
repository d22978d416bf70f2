package temporalx

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/familypath/familypath/pkg/platform/audit"
	"github.com/familypath/familypath/pkg/platform/auth"
	"go.temporal.io/sdk/converter"
)

// CodecServerRole is the role that may read decoded payloads: operations, who find and
// unstick family workflows in the Temporal UI or with the temporal CLI.
const CodecServerRole = auth.RoleAdministrator

// CodecServer serves Temporal's remote codec protocol for the Temporal UI and CLI, decode only
// (POST /decode; /encode of any payload is refused, 403 and recorded: operators read
// payloads, and what a workflow is sent goes through the services' APIs, never a payload
// written in the UI or the CLI), behind OIDC: each request must carry an administrator's
// access token
// (the UI passes the signed-in user's; the CLI takes --codec-auth). Cross-origin requests
// are answered only for the listed UI origins. Every request and every refusal is recorded
// in the codec server's audit trail (who, the namespace, how many payloads), never the data;
// when it cannot be recorded, nothing is decoded.
func CodecServer(
	codec converter.PayloadCodec,
	v *auth.Verifier,
	origins []string,
	trail AuditTrail,
	log *slog.Logger,
) http.Handler {
	inner := converter.NewPayloadCodecHTTPHandler(codec)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		action := strings.TrimPrefix(r.URL.Path[strings.LastIndex(r.URL.Path, "/"):], "/")
		if o := r.Header.Get("Origin"); o != "" {
			if !slices.Contains(origins, o) {
				_ = record(
					r,
					trail,
					log,
					auth.Principal{Subject: audit.Anonymous},
					action,
					audit.Refused,
					"origin not allowed",
				)
				http.Error(w, "origin not allowed", http.StatusForbidden)
				return
			}
			w.Header().Set("Access-Control-Allow-Origin", o)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
			w.Header().Set("Access-Control-Allow-Headers", "Content-Type, X-Namespace, Authorization")
			w.Header().Set("Access-Control-Allow-Methods", "POST, OPTIONS")
			w.Header().Set("Vary", "Origin")
		}
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if r.Method != http.MethodPost || (action != "encode" && action != "decode") {
			http.NotFound(w, r)
			return
		}
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		var p auth.Principal
		var err error
		if ok {
			p, err = v.Verify(r.Context(), token)
		}
		switch {
		case !ok || err != nil:
			_ = record(r, trail, log, auth.Principal{Subject: audit.Anonymous}, action, audit.Refused, reasonOf(err))
			w.Header().Set("WWW-Authenticate", `Bearer realm="familypath-codec"`)
			http.Error(w, "an access token is required", http.StatusUnauthorized)
			return
		case !p.Has(CodecServerRole):
			_ = record(r, trail, log, p, action, audit.Refused, "the administrator role is required")
			http.Error(w, "the administrator role is required", http.StatusForbidden)
			return
		}
		// The body is read only for a caller who may use the server.
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 16<<20))
		if err != nil {
			http.Error(w, "the request is too large", http.StatusRequestEntityTooLarge)
			return
		}
		var req struct {
			Payloads []json.RawMessage `json:"payloads"`
		}
		_ = json.Unmarshal(body, &req)
		// The CLI asks to encode a query's arguments even when there are none: that writes
		// nothing, so it is answered (an empty list) like a decode; any payload is refused.
		if action == "encode" && len(req.Payloads) > 0 {
			_ = record(r, trail, log, p, action, audit.Refused, "payloads are written only by familypath's services")
			http.Error(
				w,
				"this codec server decodes only: send a workflow what it needs through the services' APIs",
				http.StatusForbidden,
			)
			return
		}
		reason := fmt.Sprintf("role administrator; %d payloads", len(req.Payloads))
		if err := record(r, trail, log, p, action, audit.Allowed, reason); err != nil {
			http.Error(w, "the request could not be recorded; retry shortly", http.StatusServiceUnavailable)
			return
		}
		if action == "encode" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"payloads":[]}`))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		inner.ServeHTTP(w, r)
	})
}

// AuditTrail is where the codec server records each request (audit.Trail).
type AuditTrail interface {
	Append(ctx context.Context, e audit.Event) (audit.Event, error)
}

// record appends one event: action encode or decode of the payloads of a namespace.
func record(
	r *http.Request,
	trail AuditTrail,
	log *slog.Logger,
	p auth.Principal,
	action, outcome, reason string,
) error {
	ns := r.Header.Get("X-Namespace")
	if !namespacePattern.MatchString(ns) {
		ns = "unnamed"
	}
	_, err := trail.Append(r.Context(), audit.Event{Actor: p.Subject, Roles: p.Roles, Action: "payload." + action,
		ResourceType: "payloads", ResourceID: "namespace:" + ns, Outcome: outcome, Reason: reason})
	if err != nil {
		log.Error("codec audit append failed", "error", err.Error(), "outcome", outcome)
	}
	return err
}

var namespacePattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)

func reasonOf(err error) string {
	if err == nil {
		return "no bearer token"
	}
	return err.Error()
}
