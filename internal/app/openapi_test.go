package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/app"
	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// collectRefs gathers every $ref in v.
func collectRefs(v any, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && k == "$ref" {
				*out = append(*out, s)
			}
			collectRefs(e, out)
		}
	case []any:
		for _, e := range x {
			collectRefs(e, out)
		}
	}
}

var pathTemplate = regexp.MustCompile(`\{([^}]*)\}`)

// TestOpenAPIDocumentsEveryRoute builds the whole application and checks that its OpenAPI
// document describes every API route with its method, a summary and a tag, and nothing
// else; that every $ref resolves; and that every path parameter is declared. A route added
// without being documented fails here.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	ctx := context.Background()
	d := dbtest.SQLite(t)
	a, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0"}, d, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	a.Handler.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/openapi.json", nil))
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("openapi.json: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	var doc map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi %v", doc["openapi"])
	}
	paths, ok := doc["paths"].(map[string]any)
	if !ok {
		t.Fatalf("paths: %T", doc["paths"])
	}
	components, _ := doc["components"].(map[string]any)
	schemas, _ := components["schemas"].(map[string]any)
	if schemas == nil {
		t.Fatal("no components.schemas")
	}

	// Every API route is in the document.
	documented := map[string]bool{}
	var apiRoutes []web.Route
	for _, r := range a.Router.Routes() {
		if !strings.HasPrefix(r.Path, "/api/") {
			continue
		}
		apiRoutes = append(apiRoutes, r)
		key := api.OpenAPIPath(r.Path)
		method := strings.ToLower(r.Method)
		documented[method+" "+key] = true
		item, _ := paths[key].(map[string]any)
		op, ok := item[method].(map[string]any)
		if !ok {
			t.Errorf("%s %s is not in the OpenAPI document", r.Method, r.Path)
			continue
		}
		if s, _ := op["summary"].(string); s == "" {
			t.Errorf("%s %s has no summary: register it with rt.API and a summary", r.Method, r.Path)
		}
		if tags, _ := op["tags"].([]any); len(tags) == 0 {
			t.Errorf("%s %s has no tag", r.Method, r.Path)
		}
		if _, secured := op["security"]; secured == (r.Access == web.Public) {
			t.Errorf("%s %s: access %s but security %v", r.Method, r.Path, r.Access, op["security"])
		}
		// Path parameters: each one in the template declared, in the path, required.
		var declared, inPath []string
		params, _ := op["parameters"].([]any)
		for _, p := range params {
			pm, _ := p.(map[string]any)
			if pm["in"] == "path" {
				if pm["required"] != true {
					t.Errorf("%s %s: path parameter %v is not required", r.Method, r.Path, pm["name"])
				}
				name, _ := pm["name"].(string)
				declared = append(declared, name)
			}
		}
		for _, m := range pathTemplate.FindAllStringSubmatch(key, -1) {
			inPath = append(inPath, m[1])
		}
		slices.Sort(declared)
		slices.Sort(inPath)
		if !slices.Equal(declared, inPath) {
			t.Errorf("%s %s: parameters %v, template %v", r.Method, r.Path, declared, inPath)
		}
		responses, _ := op["responses"].(map[string]any)
		if len(responses) == 0 {
			t.Errorf("%s %s: no responses", r.Method, r.Path)
		}
	}
	for _, want := range []string{"get /api/v1/openapi.json", "get /api/v1/search", "get /api/v1/audit"} {
		if !documented[want] {
			t.Errorf("no route %s", want)
		}
	}
	// And nothing else is.
	for path, item := range paths {
		ops, _ := item.(map[string]any)
		for method := range ops {
			if !documented[method+" "+path] {
				t.Errorf("the document describes %s %s, which is not a route", method, path)
			}
		}
	}
	if len(apiRoutes) < 3 {
		t.Errorf("only %d API routes", len(apiRoutes))
	}

	// Every $ref resolves.
	var refs []string
	collectRefs(doc, &refs)
	if len(refs) == 0 {
		t.Error("no $ref in the document")
	}
	for _, r := range refs {
		name, ok := strings.CutPrefix(r, "#/components/schemas/")
		if _, found := schemas[name]; !ok || !found {
			t.Errorf("$ref %q does not resolve", r)
		}
	}
}
