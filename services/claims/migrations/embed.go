// Package migrations holds the claims schema's versioned SQL migrations.
package migrations

import "embed"

// FS holds NNNN_name.sql files, applied in order by `claims migrate`.
//
//go:embed *.sql
var FS embed.FS
