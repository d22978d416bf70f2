package temporalx

import (
	"errors"
	"fmt"

	"github.com/familypath/familypath/pkg/platform/keyring"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

// Payload metadata of an encrypted payload.
const (
	EncodingEncrypted = "binary/encrypted"
	MetadataKeyID     = "encryption-key-id"
)

// ErrPlaintextPayload refuses a payload that is not encrypted (it says nothing of its content).
var ErrPlaintextPayload = errors.New(
	"a payload that is not encrypted was refused: familypath's services write every payload encrypted, so this one came from elsewhere (see the runbook: reset the workflow to before it)",
)

// EncryptionCodec encrypts every payload (workflow inputs, results, signals, queries,
// activity arguments, memos, and failure messages, which the failure converter turns into
// payloads) with the payload key ring, so that Temporal's database and UI hold ciphertext
// only. Search attributes are not payloads: they hold codes and dates by design.
type EncryptionCodec struct{ Keys *keyring.Keyring }

var _ converter.PayloadCodec = EncryptionCodec{}

// Encode encrypts each payload whole (metadata and data).
func (c EncryptionCodec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		b, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("encrypt payload: %w", err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				converter.MetadataEncoding: []byte(EncodingEncrypted),
				MetadataKeyID:              []byte(c.Keys.ActiveID()),
			},
			Data: c.Keys.Seal(b, nil),
		}
	}
	return out, nil
}

// Decode decrypts each payload, and refuses one that is not encrypted: every payload of
// familypath's workflows is written by its services, so a plaintext one was written around
// them (a signal sent from the Temporal UI or CLI, say, to pay a claim without the claims
// API) and must not be acted on. The workflow task fails, visibly, until an operator resets
// the workflow to before it (docs/runbook.md).
func (c EncryptionCodec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != EncodingEncrypted {
			return nil, ErrPlaintextPayload
		}
		b, err := c.Keys.Open(p.GetData(), nil)
		if err != nil {
			return nil, fmt.Errorf("decrypt payload: %w", err)
		}
		var plain commonpb.Payload
		if err := proto.Unmarshal(b, &plain); err != nil {
			return nil, fmt.Errorf("decrypt payload: %w", err)
		}
		out[i] = &plain
	}
	return out, nil
}
