// Command case runs the case service: serve, worker or migrate.
package main

import (
	"github.com/familypath/familypath/pkg/platform/service"
	caseservice "github.com/familypath/familypath/services/case"
)

func main() { service.Main(caseservice.Definition()) }
