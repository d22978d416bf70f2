// Package plans holds the published Outcomes Plans (YAML), embedded so that every binary
// has them; a mounted folder (the chart's ConfigMap) can add newer versions without a release.
package plans

import "embed"

// FS holds every published plan file.
//
//go:embed *.yaml
var FS embed.FS
