// Package migrations holds the attachment schema's versioned SQL migrations.
package migrations

import "embed"

// FS holds NNNN_name.sql files, applied in order by `attachment migrate`.
//
//go:embed *.sql
var FS embed.FS
