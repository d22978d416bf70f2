// Command claims runs the claims service: serve, worker or migrate.
package main

import (
	"github.com/familypath/familypath/pkg/platform/service"
	claims "github.com/familypath/familypath/services/claims"
)

func main() { service.Main(claims.Definition()) }
