// Command tracking runs the tracking service: serve, worker or migrate.
package main

import (
	"github.com/familypath/familypath/pkg/platform/service"
	tracking "github.com/familypath/familypath/services/tracking"
)

func main() { service.Main(tracking.Definition()) }
