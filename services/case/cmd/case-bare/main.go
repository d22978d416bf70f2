// Command case-bare serves the case API's caseload list and case read as bare gin handlers:
// the same queries on the same database, without the platform's middleware (tokens, access
// policy, audit trail, rate limits, request logging, deadlines). scripts/case-load.sh
// measures the real API against it, so the ratio is what the platform's protections cost.
// Not a product binary: never deployed (scripts/binaries.sh does not build it).
//
//	DATABASE_URL=... case-bare 127.0.0.1:PORT
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/familypath/familypath/pkg/platform/db"
	"github.com/familypath/familypath/services/case/internal/allocations"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run() error {
	if len(os.Args) != 2 {
		return fmt.Errorf("usage: DATABASE_URL=... case-bare ADDR")
	}
	g, err := db.Open(context.Background(), os.Getenv("DATABASE_URL"), db.Options{})
	if err != nil {
		return err
	}
	store := allocations.Store{DB: g}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/v1/ping", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"ok": true}) })
	r.GET("/v1/caseload", func(c *gin.Context) {
		var rows []allocations.CaseloadItem
		if err := allocations.CaseloadQuery(g.WithContext(c), c.Query("subject")).Order(allocations.CaseloadOrder).Limit(51).Scan(&rows).Error; err != nil {
			c.Status(http.StatusInternalServerError)
			return
		}
		c.JSON(http.StatusOK, gin.H{"items": rows})
	})
	r.GET("/v1/families/:id/allocation", func(c *gin.Context) {
		id, _ := uuid.Parse(c.Param("id"))
		f, err := store.Get(c, id)
		if err != nil {
			c.Status(http.StatusNotFound)
			return
		}
		c.JSON(http.StatusOK, f)
	})
	srv := &http.Server{Addr: os.Args[1], Handler: r, ReadHeaderTimeout: 5 * time.Second}
	return srv.ListenAndServe()
}
