package api

import (
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Operation is one API route, as the OpenAPI document describes it.
type Operation struct {
	Method   string
	Path     string
	Summary  string
	Tag      string
	Public   bool
	Request  any // example value whose type describes the request body
	Response any // example value whose type describes the 2xx body
}

var pathParam = regexp.MustCompile(`\{([a-zA-Z_][a-zA-Z0-9_]*)(\.\.\.)?\}`)

// OpenAPI builds an OpenAPI 3.1 document for ops; body schemas come from the Go types of the
// example values (JSON tags respected).
func OpenAPI(title, version string, ops []Operation) map[string]any {
	paths := map[string]map[string]any{}
	schemas := map[string]any{}
	tags := map[string]bool{}
	for _, op := range ops {
		path := strings.TrimSuffix(op.Path, "{$}")
		item := paths[path]
		if item == nil {
			item = map[string]any{}
			paths[path] = item
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		o := map[string]any{
			"summary":     op.Summary,
			"operationId": operationID(op.Method, path),
			"responses":   responses(op, schemas),
		}
		if op.Tag != "" {
			o["tags"] = []string{op.Tag}
			tags[op.Tag] = true
		}
		if len(params) > 0 {
			o["parameters"] = params
		}
		if op.Request != nil {
			o["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(op.Request), schemas)}}}
		}
		if !op.Public {
			o["security"] = []any{map[string]any{"bearer": []string{}}, map[string]any{"session": []string{}}}
		}
		item[strings.ToLower(op.Method)] = o
	}
	schemas["Problem"] = map[string]any{"type": "object", "properties": map[string]any{
		"type": map[string]any{"type": "string"}, "title": map[string]any{"type": "string"}, "status": map[string]any{"type": "integer"},
		"detail": map[string]any{"type": "string"}, "instance": map[string]any{"type": "string"}, "request_id": map[string]any{"type": "string"},
		"errors": map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}, "description": "Messages by field name."},
	}}
	var tagList []any
	var names []string
	for t := range tags {
		names = append(names, t)
	}
	sort.Strings(names)
	for _, t := range names {
		tagList = append(tagList, map[string]any{"name": t})
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": title, "version": version,
			"description": "JSON API of Joined Up. Errors are application/problem+json (RFC 9457) with field messages in `errors`. Lists use cursor pagination: pass `next_cursor` back as `cursor`."},
		"servers": []any{map[string]any{"url": "/"}},
		"tags":    tagList,
		"paths":   paths,
		"components": map[string]any{
			"schemas": schemas,
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer", "description": "An API token from your account page."},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": "joinedup_session"},
			},
		},
	}
}

func operationID(method, path string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	for _, part := range strings.Split(strings.TrimPrefix(path, "/api/v1"), "/") {
		part = strings.Trim(part, "{}.")
		if part == "" {
			continue
		}
		part = strings.ReplaceAll(strings.ReplaceAll(part, "-", "_"), ".", "_")
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

func responses(op Operation, schemas map[string]any) map[string]any {
	problem := map[string]any{"description": "Problem", "content": map[string]any{"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}}}
	ok := map[string]any{"description": "OK"}
	if op.Response != nil {
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(op.Response), schemas)}}
	}
	code := "200"
	if op.Method == "POST" && op.Request != nil && !strings.HasSuffix(op.Path, "/archive") {
		code = "201"
	}
	r := map[string]any{code: ok, "400": problem, "404": problem}
	if op.Request != nil {
		r["422"] = problem
	}
	if !op.Public || op.Method != "GET" {
		r["401"] = problem
		r["403"] = problem
	}
	return r
}

var timeType = reflect.TypeOf(time.Time{})

// schemaOf describes t as a JSON Schema, registering named structs in schemas.
func schemaOf(t reflect.Type, schemas map[string]any) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType {
		return map[string]any{"type": "string", "format": "date-time"}
	}
	switch t.Kind() {
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), schemas)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), schemas)}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		name := schemaName(t)
		if _, ok := schemas[name]; !ok {
			schemas[name] = map[string]any{} // placeholder against recursion
			props := map[string]any{}
			var required []string
			addFields(t, props, &required, schemas)
			s := map[string]any{"type": "object", "properties": props}
			if len(required) > 0 {
				sort.Strings(required)
				s["required"] = required
			}
			schemas[name] = s
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

func schemaName(t reflect.Type) string {
	name := t.Name()
	if i := strings.IndexByte(name, '['); i >= 0 { // generic: List[pkg.Type]
		inner := name[i+1 : len(name)-1]
		if j := strings.LastIndexByte(inner, '.'); j >= 0 {
			inner = inner[j+1:]
		}
		name = name[:i] + "Of" + inner
	}
	pkg := t.PkgPath()
	if j := strings.LastIndexByte(pkg, '/'); j >= 0 {
		pkg = pkg[j+1:]
	}
	if pkg == "" || pkg == "api" {
		return name
	}
	return strings.ToUpper(pkg[:1]) + pkg[1:] + "." + name
}

func addFields(t reflect.Type, props map[string]any, required *[]string, schemas map[string]any) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			addFields(f.Type, props, required, schemas)
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = schemaOf(f.Type, schemas)
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
			*required = append(*required, name)
		}
	}
}
