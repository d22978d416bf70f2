package temporalx

import (
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
			Metadata: map[string][]byte{converter.MetadataEncoding: []byte(EncodingEncrypted), MetadataKeyID: []byte(c.Keys.ActiveID())},
			Data:     c.Keys.Seal(b, nil),
		}
	}
	return out, nil
}

// Decode decrypts encrypted payloads and passes others through (histories written before
// encryption was turned on stay readable).
func (c EncryptionCodec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != EncodingEncrypted {
			out[i] = p
			continue
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
