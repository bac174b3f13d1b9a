// Package migrations embeds the SQL migrations, one folder per dialect. Each capability adds
// its own numbered files to both folders; the numbers are shared across the project.
package migrations

import "embed"

// FS holds sqlite/*.sql and postgres/*.sql.
//
//go:embed sqlite/*.sql postgres/*.sql
var FS embed.FS
