// Command attachment runs the attachment service: serve, worker or migrate.
package main

import (
	"github.com/familypath/familypath/pkg/platform/service"
	attachment "github.com/familypath/familypath/services/attachment"
)

func main() { service.Main(attachment.Definition()) }
