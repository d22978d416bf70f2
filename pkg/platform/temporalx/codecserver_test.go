package temporalx

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/platform/audit"
	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/pkg/platform/db"
	"github.com/familypath/familypath/pkg/platform/keyring"
	"github.com/familypath/familypath/pkg/platform/testenv"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"
)

func TestCodecServerDecodesOnlyForAdministratorsAndAuditsEveryRequest(t *testing.T) {
	line, _ := keyring.Generate("t1")
	keys, _ := keyring.Parse(line)
	codec := EncryptionCodec{Keys: keys}
	dev, err := auth.OpenDevIssuer(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewVerifier(context.Background(), dev.Config())
	if err != nil {
		t.Fatal(err)
	}
	gdb, err := db.Open(context.Background(), testenv.Database(t), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := audit.Migrate(context.Background(), gdb, "codec_server"); err != nil {
		t.Fatal(err)
	}
	trail := audit.Trail{DB: gdb, Schema: "codec_server"}
	var logs bytes.Buffer
	srv := httptest.NewServer(
		CodecServer(
			codec,
			v,
			[]string{"https://temporal-ui.example"},
			trail,
			slog.New(slog.NewJSONHandler(&logs, nil)),
		),
	)
	defer srv.Close()

	plain, _ := converter.GetDefaultDataConverter().ToPayload("a family's evidence")
	enc, _ := codec.Encode([]*commonpb.Payload{plain})
	js, _ := protojson.Marshal(enc[0])
	body := `{"payloads":[` + string(js) + `]}`
	token := func(roles ...string) string {
		s, _ := dev.Mint(auth.Principal{Subject: "ops.one", Roles: roles}, time.Hour)
		return s
	}
	post := func(path, auth, origin string) (*http.Response, string) {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Namespace", "familypath")
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	if resp, _ := post("/decode", "", ""); resp.StatusCode != 401 {
		t.Errorf("no token: %d", resp.StatusCode)
	}
	if resp, _ := post("/decode", token(auth.RoleCaseworker), ""); resp.StatusCode != 403 {
		t.Errorf("a caseworker: %d", resp.StatusCode)
	}
	if resp, _ := post("/decode", token(auth.RoleAdministrator), "https://evil.example"); resp.StatusCode != 403 {
		t.Errorf("another origin: %d", resp.StatusCode)
	}
	resp, out := post("/decode", token(auth.RoleAdministrator), "https://temporal-ui.example")
	var decoded struct {
		Payloads []json.RawMessage `json:"payloads"`
	}
	_ = json.Unmarshal([]byte(out), &decoded)
	if resp.StatusCode != 200 || len(decoded.Payloads) != 1 ||
		resp.Header.Get("Access-Control-Allow-Origin") != "https://temporal-ui.example" {
		t.Fatalf("an administrator: %d %s", resp.StatusCode, out)
	}
	var p commonpb.Payload
	_ = protojson.Unmarshal(decoded.Payloads[0], &p)
	var s string
	if err := converter.GetDefaultDataConverter().FromPayload(&p, &s); err != nil || s != "a family's evidence" {
		t.Errorf("decoded %q, %v", s, err)
	}
	events, err := trail.Query(context.Background(), audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range events {
		got = append(got, e.Actor+" "+e.Action+" "+e.Outcome+" "+e.ResourceID)
	}
	want := []string{
		"anonymous payload.decode refused namespace:familypath",
		"ops.one payload.decode refused namespace:familypath",
		"anonymous payload.decode refused namespace:familypath",
		"ops.one payload.decode allowed namespace:familypath",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("audit trail:\n%s", strings.Join(got, "\n"))
	}
	if rep, err := trail.Verify(context.Background()); err != nil || !rep.OK() || rep.Events != 4 {
		t.Errorf("verify: %+v %v", rep, err)
	}
	if strings.Contains(logs.String(), "evidence") {
		t.Errorf("logs hold payload data: %s", logs.String())
	}
}

// The codec server decodes only: a payload written in the UI could otherwise reach a workflow
// encrypted, as if a service had sent it. The refusal is recorded.
func TestCodecServerRefusesToEncode(t *testing.T) {
	line, _ := keyring.Generate("t1")
	keys, _ := keyring.Parse(line)
	dev, _ := auth.OpenDevIssuer(t.TempDir())
	v, _ := auth.NewVerifier(context.Background(), dev.Config())
	gdb, err := db.Open(context.Background(), testenv.Database(t), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := audit.Migrate(context.Background(), gdb, "codec_encode"); err != nil {
		t.Fatal(err)
	}
	trail := audit.Trail{DB: gdb, Schema: "codec_encode"}
	srv := httptest.NewServer(
		CodecServer(EncryptionCodec{Keys: keys}, v, nil, trail, slog.New(slog.NewTextHandler(io.Discard, nil))),
	)
	defer srv.Close()
	plain, _ := converter.GetDefaultDataConverter().ToPayload(map[string]string{"decision": "PAY"})
	js, _ := protojson.Marshal(plain)
	tok, _ := dev.Mint(auth.Principal{Subject: "ops.one", Roles: []string{auth.RoleAdministrator}}, time.Hour)
	req, _ := http.NewRequest("POST", srv.URL+"/encode", strings.NewReader(`{"payloads":[`+string(js)+`]}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("X-Namespace", "familypath")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("encode answered %d", resp.StatusCode)
	}
	if events, _ := trail.Query(context.Background(), audit.Filter{}); len(events) != 1 ||
		events[0].Outcome != audit.Refused {
		t.Errorf("the refusal was not recorded: %+v", events)
	}
	// The CLI asks to encode a query's arguments when there are none (`temporal workflow
	// query`): nothing is written, so an administrator gets the empty list; nobody else does.
	for _, c := range []struct {
		token string
		want  int
	}{{tok, http.StatusOK}, {"", http.StatusUnauthorized}} {
		req, _ := http.NewRequest("POST", srv.URL+"/encode", strings.NewReader(`{"payloads":[]}`))
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.want ||
			(c.want == http.StatusOK && strings.TrimSpace(string(body)) != `{"payloads":[]}`) {
			t.Errorf("encoding nothing with token %t: %d %s", c.token != "", resp.StatusCode, body)
		}
	}
}
