package temporalx

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/familypath/familypath/pkg/platform/testenv"
	"go.temporal.io/api/operatorservice/v1"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestRegisterSearchAttributesIsIdempotentAgainstARealServer(t *testing.T) {
	ctx := context.Background()
	addr, ns := testenv.TemporalAddress(t)
	c, err := Dial(ctx, Config{Address: addr, Namespace: ns}, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := RegisterSearchAttributes(ctx, c, ns); err != nil {
		t.Fatalf("first registration: %v", err)
	}
	added, err := RegisterSearchAttributes(ctx, c, ns)
	if err != nil || len(added) != 0 {
		t.Fatalf("second registration added %v, %v; want nothing", added, err)
	}
	got, err := c.OperatorService().
		ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range SearchAttributes() {
		if got.GetCustomAttributes()[a.Name] != a.Type {
			t.Errorf("%s: registered as %v, want %v", a.Name, got.GetCustomAttributes()[a.Name], a.Type)
		}
	}
	if err := Ping(ctx, c); err != nil {
		t.Errorf("ping: %v", err)
	}
}
