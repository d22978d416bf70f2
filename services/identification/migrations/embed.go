// Package migrations holds the identification schema's versioned SQL migrations.
package migrations

import "embed"

// FS holds NNNN_name.sql files, applied in order by `identification migrate`.
//
//go:embed *.sql
var FS embed.FS
