package temporalx

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/familypath/familypath/pkg/platform/auth"
	"go.temporal.io/sdk/converter"
)

// CodecServerRole is the role that may read decoded payloads: operations, who find and
// unstick family workflows in the Temporal UI or with the temporal CLI.
const CodecServerRole = auth.RoleAdministrator

// CodecServer serves Temporal's remote codec protocol (POST /encode and /decode) for the
// Temporal UI and CLI, behind OIDC: each request must carry an administrator's access token
// (the UI passes the signed-in user's; the CLI takes --codec-auth). Cross-origin requests
// are answered only for the listed UI origins. Every answer is recorded as an audit event
// (who, namespace, how many payloads), never the data.
func CodecServer(codec converter.PayloadCodec, v *auth.Verifier, origins []string, log *slog.Logger) http.Handler {
	inner := converter.NewPayloadCodecHTTPHandler(codec)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" {
			if !slices.Contains(origins, o) {
				log.Warn("audit: codec request refused", "audit", true, "outcome", "origin not allowed")
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
		action := strings.TrimPrefix(r.URL.Path[strings.LastIndex(r.URL.Path, "/"):], "/")
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
			log.Warn("audit: codec request refused", "audit", true, "action", action, "outcome", "unauthenticated", "reason", reasonOf(err))
			w.Header().Set("WWW-Authenticate", `Bearer realm="familypath-codec"`)
			http.Error(w, "an access token is required", http.StatusUnauthorized)
			return
		case !p.Has(CodecServerRole):
			log.Warn("audit: codec request refused", "audit", true, "action", action, "actor", p.Subject, "outcome", "forbidden")
			http.Error(w, "the administrator role is required", http.StatusForbidden)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 16<<20))
		if err != nil {
			http.Error(w, "the request is too large", http.StatusRequestEntityTooLarge)
			return
		}
		var req struct {
			Payloads []json.RawMessage `json:"payloads"`
		}
		_ = json.Unmarshal(body, &req)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		inner.ServeHTTP(rec, r)
		log.Info("audit: codec request", "audit", true, "action", action, "actor", p.Subject, "namespace", r.Header.Get("X-Namespace"),
			"payloads", len(req.Payloads), "status", rec.status)
	})
}

func reasonOf(err error) string {
	if err == nil {
		return "no bearer token"
	}
	return err.Error()
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) { s.status = code; s.ResponseWriter.WriteHeader(code) }
