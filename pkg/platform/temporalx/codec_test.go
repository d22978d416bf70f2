package temporalx

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/familypath/familypath/pkg/platform/keyring"
	"github.com/familypath/familypath/pkg/platform/testenv"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/proto"
)

// A made-up person, in a test-only workflow: the point is that none of it reaches the server.
const secret = "Amy Smith, born 2008-06-15, of 1 High Street"

func leakyActivity(_ context.Context, in string) (string, error) {
	return "", temporal.NewNonRetryableApplicationError("could not find "+in, "NotFound", nil)
}

func leakyWorkflow(ctx workflow.Context, in string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	var out string
	err := workflow.ExecuteActivity(ctx, "leaky", in).Get(ctx, &out)
	return out, err
}

// Every payload and failure message a workflow writes reaches Temporal encrypted: read raw
// (without the key), its history holds no plaintext; with the key, it decodes.
func TestPayloadsAndFailuresReachTheServerEncrypted(t *testing.T) {
	ctx := context.Background()
	addr, ns := testenv.TemporalAddress(t)
	keys, err := keyring.Parse(testenv.PayloadKeys(t))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := Dial(ctx, Config{Address: addr, Namespace: ns, PayloadKeys: keys}, nil, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	queue := "codec-test-" + testenv.Unique()
	w := worker.New(c, queue, worker.Options{})
	w.RegisterWorkflow(leakyWorkflow)
	w.RegisterActivityWithOptions(leakyActivity, activity.RegisterOptions{Name: "leaky"})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	run, err := c.ExecuteWorkflow(
		ctx,
		client.StartWorkflowOptions{ID: "codec-test/" + testenv.Unique(), TaskQueue: queue,
			Memo: map[string]any{"note": secret}},
		leakyWorkflow,
		secret,
	)
	if err != nil {
		t.Fatal(err)
	}
	var result string
	err = run.Get(ctx, &result)
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || !strings.Contains(appErr.Error(), "Amy Smith") {
		t.Fatalf("with the key, the failure should decode with its message: %v", err)
	}

	raw, err := client.Dial(client.Options{HostPort: addr, Namespace: ns, Logger: nopLogger{}}) // no key
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	it := raw.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	events := 0
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		events++
		// The wire form: payload bytes appear in it as they are stored.
		b, err := proto.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range []string{"Amy", "Smith", "2008-06-15", "High Street", "could not find"} {
			if bytes.Contains(b, []byte(part)) {
				t.Errorf("event %d (%s) holds %q in plaintext", ev.GetEventId(), ev.GetEventType(), part)
			}
		}
		if bytes.Contains(b, []byte("json/plain")) || bytes.Contains(b, []byte("binary/plain")) {
			t.Errorf("event %d (%s) holds an unencrypted payload", ev.GetEventId(), ev.GetEventType())
		}
	}
	if events < 6 {
		t.Fatalf("only %d events", events)
	}
	desc, err := raw.DescribeWorkflowExecution(ctx, run.GetID(), run.GetRunID())
	if err != nil {
		t.Fatal(err)
	}
	memo := desc.GetWorkflowExecutionInfo().GetMemo().GetFields()["note"]
	if string(memo.GetMetadata()[converter.MetadataEncoding]) != EncodingEncrypted ||
		strings.Contains(string(memo.GetData()), "Amy") {
		t.Errorf("the memo is not encrypted: %v", memo)
	}
}

type nopLogger struct{}

func (nopLogger) Debug(string, ...any) {}
func (nopLogger) Info(string, ...any)  {}
func (nopLogger) Warn(string, ...any)  {}
func (nopLogger) Error(string, ...any) {}

// A payload that is not encrypted is refused, not passed through: it was written around the
// services (a signal typed into the Temporal UI), and a workflow must not act on it.
func TestDecodeRefusesPlaintextPayloads(t *testing.T) {
	line, _ := keyring.Generate("t1")
	keys, _ := keyring.Parse(line)
	codec := EncryptionCodec{Keys: keys}
	plain, _ := converter.GetDefaultDataConverter().ToPayload(map[string]string{"decision": "PAY"})
	if _, err := codec.Decode([]*commonpb.Payload{plain}); !errors.Is(err, ErrPlaintextPayload) {
		t.Errorf("a plaintext payload decoded: %v", err)
	}
	enc, _ := codec.Encode([]*commonpb.Payload{plain})
	if out, err := codec.Decode(enc); err != nil || !proto.Equal(out[0], plain) {
		t.Errorf("an encrypted payload: %v", err)
	}
}
