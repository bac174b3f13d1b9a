package api

import (
	"bufio"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

type address struct {
	Street string `json:"street"`
	Town   string `json:"town,omitempty"`
}

type Audit struct {
	Version int `json:"version"`
}

type Person struct {
	ID     int64            `json:"id"`
	Name   string           `json:"name"`
	Born   time.Time        `json:"born"`
	Left   *time.Time       `json:"left,omitempty"`
	Home   address          `json:"home"`
	Others []address        `json:"others"`
	Tags   []string         `json:"tags,omitempty"`
	Scores map[string]int   `json:"scores"`
	Raw    json.RawMessage  `json:"raw,omitempty"`
	Photo  []byte           `json:"photo,omitempty"`
	Ratio  float64          `json:"ratio,omitzero"`
	Active bool             `json:"active"`
	Anon   struct{ X int }  `json:"anon"`
	Parent *Person          `json:"parent,omitempty"`
	Pairs  map[string][]int `json:"pairs,omitempty"`
	NoTag  string
	Secret string `json:"-"`
	hidden int
	Audit
}

type PersonInput struct {
	Name string `json:"name"`
	Home *address
}

// Two types of the same name in two packages.
type readers struct {
	A List[bufio.Reader]   `json:"a"`
	B List[strings.Reader] `json:"b"`
	C List[map[string]int] `json:"c"`
}

var testOps = []Operation{
	{Method: "GET", Path: "/api/v1/people", Summary: "List people", Tag: "People", Public: true, Response: List[Person]{}},
	{Method: "POST", Path: "/api/v1/people", Summary: "Create a person", Tag: "People", Request: PersonInput{}, Response: Person{}},
	{Method: "GET", Path: "/api/v1/people/{id}", Summary: "Get a person", Tag: "People", Public: true, Response: &Person{}},
	{Method: "PUT", Path: "/api/v1/orgs/{org}/people/{id}", Summary: "Update a membership", Tag: "Orgs", Request: PersonInput{}, Response: Person{}},
	{Method: "POST", Path: "/api/v1/people/{id}/archive", Summary: "Archive", Tag: "People", Request: struct {
		Archived bool `json:"archived"`
	}{}, Response: Person{}},
	{Method: "DELETE", Path: "/api/v1/people/{id}", Summary: "Delete", Tag: "People"},
	{Method: "GET", Path: "/api/v1/files/{path...}", Summary: "A file", Tag: "Files", Public: true},
	{Method: "GET", Path: "/api/v1/things/{$}", Summary: "Things", Public: true, Response: readers{}},
}

// buildDoc builds the document and reads it back as JSON, as a client would.
func buildDoc(t *testing.T, ops []Operation) map[string]any {
	t.Helper()
	b, err := json.Marshal(OpenAPI("Test API", "1.2.3", ops))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func obj(t *testing.T, v any, path string) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s: %T, want an object", path, v)
	}
	return m
}

// refs collects every $ref in v.
func refs(v any, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && k == "$ref" {
				*out = append(*out, s)
			}
			refs(e, out)
		}
	case []any:
		for _, e := range x {
			refs(e, out)
		}
	}
}

// CheckRefs reports every $ref of doc that does not name a schema in components.schemas.
func checkRefs(t *testing.T, doc map[string]any) {
	t.Helper()
	schemas := obj(t, obj(t, doc["components"], "components")["schemas"], "components.schemas")
	var all []string
	refs(doc, &all)
	if len(all) == 0 {
		t.Error("no $ref at all")
	}
	for _, r := range all {
		name, ok := strings.CutPrefix(r, "#/components/schemas/")
		if !ok || name == "" {
			t.Errorf("$ref %q is not a component schema", r)
			continue
		}
		if _, ok := schemas[name]; !ok {
			t.Errorf("$ref %q does not resolve", r)
		}
		if !regexp.MustCompile(`^[a-zA-Z0-9._-]+$`).MatchString(name) {
			t.Errorf("schema name %q is not allowed by OpenAPI", name)
		}
	}
}

var templateParam = regexp.MustCompile(`\{([^}]*)\}`)

func TestOpenAPI(t *testing.T) {
	doc := buildDoc(t, testOps)
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi %v", doc["openapi"])
	}
	info := obj(t, doc["info"], "info")
	if info["title"] != "Test API" || info["version"] != "1.2.3" {
		t.Errorf("info %v", info)
	}
	if tags, ok := doc["tags"].([]any); !ok || len(tags) != 3 || obj(t, tags[0], "tag")["name"] != "Files" {
		t.Errorf("tags %v", doc["tags"])
	}
	schemes := obj(t, obj(t, doc["components"], "components")["securitySchemes"], "securitySchemes")
	if _, ok := schemes["bearer"]; !ok {
		t.Error("no bearer scheme")
	}
	checkRefs(t, doc)

	paths := obj(t, doc["paths"], "paths")
	var keys []string
	for k := range paths {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"/api/v1/files/{path}", "/api/v1/orgs/{org}/people/{id}", "/api/v1/people", "/api/v1/people/{id}", "/api/v1/people/{id}/archive", "/api/v1/things/"}
	if !slices.Equal(keys, want) {
		t.Fatalf("paths %v, want %v", keys, want)
	}
	opIDs := map[string]bool{}
	for path, item := range paths {
		for method, o := range obj(t, item, path) {
			op := obj(t, o, path+" "+method)
			where := method + " " + path
			// Every template parameter is declared, in the path, required; no other is.
			var declared []string
			params, _ := op["parameters"].([]any)
			for _, p := range params {
				pm := obj(t, p, where+" parameter")
				if pm["in"] == "path" {
					if pm["required"] != true {
						t.Errorf("%s: path parameter %v not required", where, pm["name"])
					}
					declared = append(declared, pm["name"].(string))
				}
			}
			var inPath []string
			for _, m := range templateParam.FindAllStringSubmatch(path, -1) {
				inPath = append(inPath, m[1])
			}
			slices.Sort(declared)
			slices.Sort(inPath)
			if !slices.Equal(declared, inPath) {
				t.Errorf("%s: parameters %v, template %v", where, declared, inPath)
			}
			id, _ := op["operationId"].(string)
			if id == "" || opIDs[id] {
				t.Errorf("%s: operationId %q missing or repeated", where, id)
			}
			opIDs[id] = true
			if op["summary"] == "" {
				t.Errorf("%s: no summary", where)
			}
			// Problems.
			resp := obj(t, op["responses"], where+" responses")
			for _, code := range []string{"400", "404"} {
				r, ok := resp[code].(map[string]any)
				if !ok {
					t.Errorf("%s: no %s", where, code)
					continue
				}
				s := obj(t, obj(t, obj(t, r["content"], "content")["application/problem+json"], "problem+json")["schema"], "schema")
				if s["$ref"] != "#/components/schemas/Problem" {
					t.Errorf("%s %s: %v", where, code, s)
				}
			}
			_, has401 := resp["401"]
			_, has403 := resp["403"]
			_, secured := op["security"]
			public := method == "get" && path != "/api/v1/orgs/{org}/people/{id}" && !strings.HasSuffix(path, "archive")
			if public == (has401 || has403) {
				t.Errorf("%s: 401 %v, 403 %v", where, has401, has403)
			}
			if public == secured {
				t.Errorf("%s: security %v", where, op["security"])
			}
			_, hasBody := op["requestBody"]
			_, has422 := resp["422"]
			if hasBody != has422 {
				t.Errorf("%s: request body %v but 422 %v", where, hasBody, has422)
			}
		}
	}
	if len(opIDs) != len(testOps) {
		t.Errorf("%d operations, want %d", len(opIDs), len(testOps))
	}

	// Success codes and bodies.
	post := obj(t, obj(t, paths["/api/v1/people"], "people")["post"], "post")
	if _, ok := obj(t, post["responses"], "responses")["201"]; !ok {
		t.Error("create: no 201")
	}
	archive := obj(t, obj(t, paths["/api/v1/people/{id}/archive"], "archive")["post"], "archive post")
	if _, ok := obj(t, archive["responses"], "responses")["200"]; !ok {
		t.Error("archive: want 200")
	}
	body := obj(t, obj(t, obj(t, post["requestBody"], "requestBody")["content"], "content")["application/json"], "json")["schema"]
	if obj(t, body, "schema")["$ref"] != "#/components/schemas/PersonInput" {
		t.Errorf("request schema %v", body)
	}
	anonBody := obj(t, obj(t, obj(t, archive["requestBody"], "requestBody")["content"], "content")["application/json"], "json")["schema"]
	if p := obj(t, obj(t, anonBody, "schema")["properties"], "properties"); obj(t, p["archived"], "archived")["type"] != "boolean" {
		t.Errorf("anonymous request body %v", anonBody)
	}

	schemas := obj(t, obj(t, doc["components"], "components")["schemas"], "schemas")
	list := obj(t, schemas["ListOfPerson"], "ListOfPerson")
	lp := obj(t, list["properties"], "list properties")
	if obj(t, obj(t, lp["items"], "items")["items"], "items.items")["$ref"] != "#/components/schemas/Person" || lp["next_cursor"] == nil {
		t.Errorf("list schema %v", list)
	}
	if req, _ := list["required"].([]any); len(req) != 1 || req[0] != "items" {
		t.Errorf("list required %v", list["required"])
	}

	person := obj(t, schemas["Person"], "Person")
	props := obj(t, person["properties"], "Person.properties")
	prop := func(name string) map[string]any { return obj(t, props[name], "Person."+name) }
	if prop("born")["format"] != "date-time" || prop("born")["type"] != "string" || prop("left")["format"] != "date-time" {
		t.Error("times")
	}
	if prop("id")["type"] != "integer" || prop("ratio")["type"] != "number" || prop("active")["type"] != "boolean" || prop("NoTag")["type"] != "string" {
		t.Error("scalars")
	}
	if prop("home")["$ref"] != "#/components/schemas/address" {
		t.Errorf("nested struct %v", prop("home"))
	}
	if prop("others")["type"] != "array" || obj(t, prop("others")["items"], "items")["$ref"] != "#/components/schemas/address" {
		t.Errorf("slice of structs %v", prop("others"))
	}
	if obj(t, prop("scores")["additionalProperties"], "additionalProperties")["type"] != "integer" {
		t.Errorf("map %v", prop("scores"))
	}
	if prop("photo")["type"] != "string" || len(prop("raw")) != 0 {
		t.Errorf("bytes %v, raw JSON %v", prop("photo"), prop("raw"))
	}
	if obj(t, prop("anon")["properties"], "anon.properties")["X"] == nil {
		t.Errorf("anonymous struct %v", prop("anon"))
	}
	if prop("parent")["$ref"] != "#/components/schemas/Person" {
		t.Errorf("recursive %v", prop("parent"))
	}
	if prop("version")["type"] != "integer" || props["Audit"] != nil {
		t.Error("embedded struct not flattened")
	}
	for _, hidden := range []string{"Secret", "-", "hidden"} {
		if _, ok := props[hidden]; ok {
			t.Errorf("%s is described", hidden)
		}
	}
	var required []string
	for _, r := range person["required"].([]any) {
		required = append(required, r.(string))
	}
	wantReq := []string{"NoTag", "active", "anon", "born", "home", "id", "name", "others", "scores", "version"}
	if !slices.Equal(required, wantReq) {
		t.Errorf("required %v, want %v (omitempty and omitzero are optional)", required, wantReq)
	}
	// Same-named types from two packages get two schemas.
	r := obj(t, obj(t, schemas["readers"], "readers")["properties"], "readers.properties")
	a, b := obj(t, r["a"], "a")["$ref"], obj(t, r["b"], "b")["$ref"]
	if a == b || a != "#/components/schemas/ListOfBufio.Reader" || b != "#/components/schemas/ListOfStrings.Reader" {
		t.Errorf("generic names: %v %v", a, b)
	}
	if c := obj(t, r["c"], "c")["$ref"]; c != "#/components/schemas/ListOfMap_string_int" {
		t.Errorf("generic of a map: %v", c)
	}

	// A document with no operations is still well formed.
	empty := buildDoc(t, nil)
	if tags, ok := empty["tags"].([]any); !ok || len(tags) != 0 {
		t.Errorf("empty tags %v", empty["tags"])
	}
	if _, ok := empty["paths"].(map[string]any); !ok {
		t.Errorf("empty paths %v", empty["paths"])
	}
}

func TestOpenAPIPath(t *testing.T) {
	for in, want := range map[string]string{
		"/api/v1/x":               "/api/v1/x",
		"/api/v1/x/{$}":           "/api/v1/x/",
		"/api/v1/x/{id}":          "/api/v1/x/{id}",
		"/api/v1/files/{path...}": "/api/v1/files/{path}",
		"/api/v1/a/{a}/b/{b}":     "/api/v1/a/{a}/b/{b}",
	} {
		if got := OpenAPIPath(in); got != want {
			t.Errorf("OpenAPIPath(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"int":                              "Int",
		"github.com/x/y/directory.Org":     "Directory.Org",
		"[]github.com/x/y/directory.Org":   "SliceDirectory.Org",
		"*github.com/x/y/directory.Org":    "Directory.Org",
		"github.com/x/api.Problem":         "Problem",
		"github.com/x/y/z.Pair[int,b.C]":   "Z.PairOfIntAndB.C",
		"github.com/x/y/z.Pair[a/b.C,d.E]": "Z.PairOfB.CAndD.E",
	} {
		if got := qualifiedName(in); got != want {
			t.Errorf("qualifiedName(%q) = %q, want %q", in, got, want)
		}
	}
}
