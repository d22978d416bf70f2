// Package migrations holds the tracking schema's versioned SQL migrations.
package migrations

import "embed"

// FS holds NNNN_name.sql files, applied in order by `tracking migrate`.
//
//go:embed *.sql
var FS embed.FS
