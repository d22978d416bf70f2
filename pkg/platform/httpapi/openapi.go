package httpapi

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"
	"gopkg.in/yaml.v3"
)

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

// RouteDiff compares the routes an engine serves with the operations an OpenAPI document
// declares and returns one line per difference (empty when they match exactly).
func RouteDiff(engine *gin.Engine, spec []byte) ([]string, error) {
	var doc struct {
		OpenAPI string                          `yaml:"openapi"`
		Paths   map[string]map[string]yaml.Node `yaml:"paths"`
	}
	if err := yaml.Unmarshal(spec, &doc); err != nil {
		return nil, fmt.Errorf("parse OpenAPI document: %w", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		return nil, fmt.Errorf("not an OpenAPI 3 document (openapi: %q)", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		ginPath := pathParam.ReplaceAllString(p, ":$1")
		for method := range ops {
			switch method {
			case "get", "put", "post", "patch", "delete", "head", "options":
				documented[strings.ToUpper(method)+" "+ginPath] = true
			}
		}
	}
	served := map[string]bool{}
	for _, r := range engine.Routes() {
		served[r.Method+" "+r.Path] = true
	}
	var diff []string
	for k := range served {
		if !documented[k] {
			diff = append(diff, "served but not documented: "+k)
		}
	}
	for k := range documented {
		if !served[k] {
			diff = append(diff, "documented but not served: "+k)
		}
	}
	sort.Strings(diff)
	return diff, nil
}
