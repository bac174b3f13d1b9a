package api

import (
	"encoding/json"
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
		path := OpenAPIPath(op.Path)
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
	tagList := []any{}
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

// OpenAPIPath is the OpenAPI form of a ServeMux pattern's path: "{$}" dropped and "{name...}"
// written "{name}".
func OpenAPIPath(p string) string {
	return pathParam.ReplaceAllString(strings.TrimSuffix(p, "{$}"), "{$1}")
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

// Schemaer is a type that marshals itself to JSON in its own way and says how, for the
// OpenAPI document (a date written as "2006-01-02", say).
type Schemaer interface{ JSONSchema() map[string]any }

var schemaerType = reflect.TypeOf((*Schemaer)(nil)).Elem()

var (
	timeType    = reflect.TypeOf(time.Time{})
	rawJSONType = reflect.TypeOf(json.RawMessage(nil))
)

// schemaOf describes t as a JSON Schema, registering named structs in schemas.
func schemaOf(t reflect.Type, schemas map[string]any) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType {
		return map[string]any{"type": "string", "format": "date-time"}
	}
	if t == rawJSONType {
		return map[string]any{}
	}
	if t.Implements(schemaerType) {
		return reflect.Zero(t).Interface().(Schemaer).JSONSchema()
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
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "contentEncoding": "base64"} // how encoding/json writes []byte
		}
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), schemas)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), schemas)}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		if t.Name() == "" { // an anonymous struct is described in place
			return objectSchema(t, schemas)
		}
		name := schemaName(t)
		if _, ok := schemas[name]; !ok {
			schemas[name] = map[string]any{} // placeholder against recursion
			schemas[name] = objectSchema(t, schemas)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

func objectSchema(t reflect.Type, schemas map[string]any) map[string]any {
	props := map[string]any{}
	var required []string
	addFields(t, props, &required, schemas)
	s := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		sort.Strings(required)
		s["required"] = required
	}
	return s
}

// schemaName names a struct type: "Name" in this package, "Pkg.Name" elsewhere; a generic
// type's arguments are named the same way ("ListOfDirectory.Organisation"), so that the same
// name in two packages gives two schemas.
func schemaName(t reflect.Type) string {
	name := t.Name()
	if i := strings.IndexByte(name, '['); i >= 0 && strings.HasSuffix(name, "]") {
		var args []string
		for _, a := range splitTypeArgs(name[i+1 : len(name)-1]) {
			args = append(args, qualifiedName(a))
		}
		name = name[:i] + "Of" + strings.Join(args, "And")
	}
	// Component names may hold only letters, digits, ".", "-" and "_" (a map[K]V argument).
	return schemaNameChars.ReplaceAllString(qualify(t.PkgPath(), name), "_")
}

var schemaNameChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// qualifiedName turns a type argument as reflect writes it ("github.com/x/y/directory.Org",
// "int", "[]pkg.T") into a schema-name part.
func qualifiedName(arg string) string {
	prefix := ""
	for {
		switch {
		case strings.HasPrefix(arg, "[]"):
			prefix, arg = prefix+"Slice", arg[2:]
			continue
		case strings.HasPrefix(arg, "*"):
			arg = arg[1:]
			continue
		}
		break
	}
	base, targs := arg, ""
	if i := strings.IndexByte(arg, '['); i >= 0 && strings.HasSuffix(arg, "]") {
		base, targs = arg[:i], arg[i+1:len(arg)-1]
	}
	pkg, name := "", base
	if j := strings.LastIndexByte(base, '.'); j >= 0 {
		pkg, name = base[:j], base[j+1:]
	}
	if targs != "" {
		var args []string
		for _, a := range splitTypeArgs(targs) {
			args = append(args, qualifiedName(a))
		}
		name += "Of" + strings.Join(args, "And")
	}
	if name != "" {
		name = strings.ToUpper(name[:1]) + name[1:] // "ListOfInt", not "ListOfint"
	}
	return prefix + qualify(pkg, name)
}

// qualify prefixes name with the last element of its package path, capitalised (nothing for
// built-in types and this package).
func qualify(pkg, name string) string {
	if j := strings.LastIndexByte(pkg, '/'); j >= 0 {
		pkg = pkg[j+1:]
	}
	if pkg == "" || pkg == "api" {
		return name
	}
	return strings.ToUpper(pkg[:1]) + pkg[1:] + "." + name
}

// splitTypeArgs splits "a.B,c.D[e.F,g.H]" at the top-level commas.
func splitTypeArgs(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			depth++
		case ']':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

func addFields(t reflect.Type, props map[string]any, required *[]string, schemas map[string]any) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		// As encoding/json: an embedded struct of an unexported type still lends its fields.
		if !f.IsExported() && !(f.Anonymous && ft.Kind() == reflect.Struct) {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct && ft != timeType {
			addFields(ft, props, required, schemas)
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
