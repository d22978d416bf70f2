// Command identification runs the identification service: serve, worker or migrate.
package main

import (
	"github.com/familypath/familypath/pkg/platform/service"
	"github.com/familypath/familypath/services/identification"
)

func main() { service.Main(identification.Definition()) }
