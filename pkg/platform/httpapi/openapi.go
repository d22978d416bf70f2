package httpapi

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"
	"go.yaml.in/yaml/v3"
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
	var missing []string
	for p, ops := range doc.Paths {
		ginPath := pathParam.ReplaceAllString(p, ":$1")
		for method, node := range ops {
			switch method {
			case "get", "put", "post", "patch", "delete", "head", "options":
				documented[strings.ToUpper(method)+" "+ginPath] = true
				if strings.HasPrefix(p, "/v1/") {
					missing = append(missing, undocumentedAnswers(strings.ToUpper(method)+" "+ginPath, &node)...)
				}
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
	diff = append(diff, missing...)
	sort.Strings(diff)
	return diff, nil
}

// everyRouteAnswers are the answers any /v1 route can give: no valid token (401), over the
// caller's rate limit (429), a dependency that did not answer (503).
var everyRouteAnswers = []string{"401", "429", "503"}

// undocumentedAnswers lists the answers every route gives that an operation does not document.
func undocumentedAnswers(route string, op *yaml.Node) []string {
	var o struct {
		Responses map[string]yaml.Node `yaml:"responses"`
	}
	if err := op.Decode(&o); err != nil {
		return []string{route + ": its operation does not parse: " + err.Error()}
	}
	var out []string
	for _, code := range everyRouteAnswers {
		if _, ok := o.Responses[code]; !ok {
			out = append(out, route+": documents no "+code+" answer")
		}
	}
	return out
}
