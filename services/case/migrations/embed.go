// Package migrations holds the case schema's versioned SQL migrations.
package migrations

import "embed"

// FS holds NNNN_name.sql files, applied in order by `case migrate`.
//
//go:embed *.sql
var FS embed.FS
