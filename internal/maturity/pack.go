package maturity

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Limits of a pack file.
const (
	MaxPackBytes   = 1 << 20 // the file
	MaxPackItems   = 500     // items across the pack
	MaxPackErrors  = 100     // errors reported before the rest are counted
	maxLevels      = 10
	maxAnswerSets  = 20
	maxOptions     = 20
	maxDimensions  = 50 // per list
	maxItems       = 100
	maxEvidence    = 30
	maxNodes       = 200000 // YAML nodes visited, aliases expanded: a billion laughs stops here
	maxAliases     = 1000   // aliases followed
	maxIDLen       = 64
	maxVersionLen  = 32
	maxTitleLen    = 200
	maxLabelLen    = 200
	maxTextLen     = 4000 // descriptions and guidance
	maxSourceLen   = 1000
	maxLicenceLen  = 300
	maxStatement   = 1000
	maxDescriptor  = 2000
	maxEvidenceLen = 500
)

// Subjects are what a pack assesses.
var Subjects = []string{"organisation", "project", "program"}

var (
	packIDPattern   = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	partIDPattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]*$`)
	versionPattern  = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z.+_-]*$`)
	yamlLinePattern = regexp.MustCompile(`line (\d+)`)
)

// PackError is one problem in a pack file: the file, the line (from 1; 0 when the problem is
// the whole file), the path of the field inside the pack and what is wrong.
type PackError struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Path    string `json:"path,omitempty"`
	Problem string `json:"problem"`
}

func (e PackError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Problem)
	return b.String()
}

// PackErrors is every problem found in a pack file, in the order of the file.
type PackErrors []PackError

func (es PackErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// AsPackErrors returns the problems carried by err, if it is a refused pack.
func AsPackErrors(err error) (PackErrors, bool) {
	var es PackErrors
	if errors.As(err, &es) {
		return es, true
	}
	return nil, false
}

// ParsePack reads and validates a pack file (YAML, or JSON, which is YAML too). name is how
// errors call the file. Every problem found is returned as PackErrors naming its line.
func ParsePack(name string, data []byte) (*Pack, error) {
	p, _, err := parsePack(name, data)
	return p, err
}

// packParser walks the YAML nodes into a Pack, collecting errors with their lines.
type packParser struct {
	file     string
	lastLine int // the number of lines of the file
	errs     PackErrors
	more     int // errors beyond MaxPackErrors
	nodes    int // nodes visited, aliases expanded
	aliases  int // aliases followed
	halted   bool
	lines    map[string]int // path → line, for fields checked after the walk

	setLines  map[string]int // answer set ID → line of its id
	itemCount int
	idsSeen   map[string]string // dimension and item IDs → path where first seen
	itemRefs  []itemRef
	setOrders map[string]int // answer set ID → number of options
}

// itemRef is an item's answer set and descriptors, checked once every answer set is known.
type itemRef struct {
	set, path       string
	setLine         int
	descriptors     int
	descriptorsLine int
	hasDescriptors  bool
}

func parsePack(name string, data []byte) (*Pack, map[string]int, error) {
	if name == "" {
		name = "pack"
	}
	fail := func(line int, problem string) (*Pack, map[string]int, error) {
		return nil, nil, PackErrors{{File: name, Line: line, Problem: problem}}
	}
	if len(data) > MaxPackBytes {
		return fail(0, fmt.Sprintf("the file is too large: %d bytes, at most %d (1 MiB)", len(data), MaxPackBytes))
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return fail(0, "the file is empty")
	}
	if line, problem := checkText(data); problem != "" {
		return fail(line, problem)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return fail(0, "the file is empty")
		}
		return fail(yamlErrorLine(err, data), "not valid YAML or JSON: "+yamlProblem(err))
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		return fail(max(next.Line, 1), "the file holds more than one YAML document: a pack is one document")
	} else if !errors.Is(err, io.EOF) {
		return fail(yamlErrorLine(err, data), "not valid YAML or JSON: "+yamlProblem(err))
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return fail(0, "the file is empty")
		}
		root = root.Content[0]
	}
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return fail(0, "the file is empty")
	}
	ps := &packParser{file: name, lastLine: bytes.Count(data, []byte("\n")) + 1, lines: map[string]int{}, setLines: map[string]int{},
		idsSeen: map[string]string{}, setOrders: map[string]int{}}
	p := ps.pack(root)
	if len(ps.errs) > 0 {
		slices.SortStableFunc(ps.errs, func(a, b PackError) int { return a.Line - b.Line })
		if ps.more > 0 {
			ps.errs = append(ps.errs, PackError{File: name, Line: ps.errs[len(ps.errs)-1].Line,
				Problem: fmt.Sprintf("stopped after %d problems: correct these and load the file again", MaxPackErrors)})
		}
		return nil, nil, ps.errs
	}
	return p, ps.lines, nil
}

// checkText refuses bytes that are not UTF-8 text, naming the line of the first.
func checkText(data []byte) (int, string) {
	line := 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return line, fmt.Sprintf("the file is not UTF-8 text (byte 0x%02x)", data[i])
		case r == '\n':
			line++
		case r == '\uFEFF' && i == 0, r == '\t', r == '\r':
		case unicode.IsControl(r) && r != '\u0085', r == '\uFEFF', r == '\uFFFE', r == '\uFFFF':
			return line, fmt.Sprintf("the file holds a control character (U+%04X)", r)
		}
		i += size
	}
	return 0, ""
}

// yamlErrorLine finds the line of a YAML error. The YAML library names the line where the
// enclosing construct starts (and for some errors counts from 0), so the line is found again:
// for JSON from the JSON decoder's offset, otherwise as the shortest run of leading lines that
// fails with the same problem. When neither works, the library's line (at least 1) stands.
func yamlErrorLine(err error, data []byte) int {
	reported := 1
	if m := yamlLinePattern.FindStringSubmatch(err.Error()); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil && n >= 1 {
			reported = n
		}
	}
	lines := bytes.Count(data, []byte("\n")) + 1
	reported = min(reported, lines)
	if t := bytes.TrimSpace(data); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		var v any
		var se *json.SyntaxError
		if jerr := json.Unmarshal(data, &v); errors.As(jerr, &se) {
			off := min(max(int(se.Offset)-1, 0), len(data))
			return bytes.Count(data[:off], []byte("\n")) + 1
		}
		return reported
	}
	problem := yamlProblem(err)
	fails := func(k int) bool { // do the first k lines fail the same way?
		end := len(data)
		for i, n := 0, 0; i < len(data); i++ {
			if data[i] == '\n' {
				if n++; n == k {
					end = i + 1
					break
				}
			}
		}
		err := decodeAll(data[:end])
		return err != nil && yamlProblem(err) == problem
	}
	if !fails(lines) {
		return reported
	}
	lo, hi := 1, lines
	for lo < hi {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// decodeAll reads every YAML document of data into nodes, returning the first error.
func decodeAll(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// yamlProblem is the YAML error without its prefix and line.
func yamlProblem(err error) string {
	s := strings.TrimPrefix(err.Error(), "yaml: ")
	if i := strings.Index(s, ": "); i >= 0 && strings.HasPrefix(s, "line ") {
		s = s[i+2:]
	}
	return s
}

func (ps *packParser) add(n *yaml.Node, path, format string, args ...any) {
	if len(ps.errs) >= MaxPackErrors {
		ps.more++
		ps.halted = true
		return
	}
	line := 1
	if n != nil && n.Line > 0 {
		line = min(n.Line, ps.lastLine)
	}
	ps.errs = append(ps.errs, PackError{File: ps.file, Line: line, Path: path, Problem: fmt.Sprintf(format, args...)})
}

// resolve follows aliases and counts nodes; nil once the count is exceeded (reported once).
func (ps *packParser) resolve(n *yaml.Node) *yaml.Node {
	for hops := 0; n != nil && n.Kind == yaml.AliasNode; hops++ {
		if ps.halted {
			return nil
		}
		ps.aliases++
		if hops > 100 || ps.aliases > maxAliases {
			ps.add(n, "", "the file uses aliases (*name) more than %d times: write the content out instead", maxAliases)
			ps.halted = true
			return nil
		}
		n = n.Alias
	}
	if ps.halted || n == nil {
		return nil
	}
	ps.nodes++
	if ps.nodes > maxNodes {
		ps.add(n, "", "the file expands to more than %d values (too many aliases or entries)", maxNodes)
		ps.halted = true
		return nil
	}
	return n
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "empty"
		}
		return fmt.Sprintf("%q", truncateText(n.Value, 40))
	}
	return "something else"
}

func truncateText(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

// fields walks a mapping: each key must be one of handlers (unknown and repeated keys are
// refused), and required keys must be present. It reports whether n was a mapping.
func (ps *packParser) fields(n *yaml.Node, path, what string, handlers map[string]func(v *yaml.Node, path string), required ...string) bool {
	n = ps.resolve(n)
	if n == nil {
		return false
	}
	if n.Kind != yaml.MappingNode {
		ps.add(n, path, "must be %s (a mapping of fields), not %s", what, kindName(n))
		return false
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := ps.resolve(n.Content[i])
		if k == nil {
			return false
		}
		if k.Kind != yaml.ScalarNode {
			ps.add(k, path, "field names must be text, not %s", kindName(k))
			continue
		}
		if k.Value == "<<" && k.Tag == "!!merge" {
			ps.add(k, path, "merge keys (<<) are not supported: write the fields out")
			continue
		}
		h, ok := handlers[k.Value]
		if !ok {
			known := make([]string, 0, len(handlers))
			for f := range handlers {
				known = append(known, f)
			}
			slices.Sort(known)
			ps.add(k, path, "unknown field %q (the fields of %s are %s)", truncateText(k.Value, 40), what, strings.Join(known, ", "))
			continue
		}
		if seen[k.Value] {
			ps.add(k, join(path, k.Value), "is given twice")
			continue
		}
		seen[k.Value] = true
		h(n.Content[i+1], join(path, k.Value))
	}
	for _, f := range required {
		if !seen[f] {
			ps.add(n, join(path, f), "is required")
		}
	}
	return true
}

// str reads text of at most max characters; required text may not be blank.
func (ps *packParser) str(n *yaml.Node, path string, maxLen int, required bool) string {
	n = ps.resolve(n)
	if n == nil {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		ps.add(n, path, "must be text, not %s", kindName(n))
		return ""
	}
	if n.Tag == "!!null" {
		if required {
			ps.add(n, path, "is required")
		}
		return ""
	}
	s := strings.TrimSpace(n.Value)
	if required && s == "" {
		ps.add(n, path, "is required")
	}
	if c := utf8.RuneCountInString(s); c > maxLen {
		ps.add(n, path, "is too long: %d characters, at most %d", c, maxLen)
	}
	return s
}

// num reads a finite number.
func (ps *packParser) num(n *yaml.Node, path string) (float64, bool) {
	n = ps.resolve(n)
	if n == nil {
		return 0, false
	}
	var f float64
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") || n.Decode(&f) != nil {
		ps.add(n, path, "must be a number, not %s", kindName(n))
		return 0, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		ps.add(n, path, "must be a finite number, not %s", n.Value)
		return 0, false
	}
	return f, true
}

// boolean reads true or false.
func (ps *packParser) boolean(n *yaml.Node, path string) bool {
	n = ps.resolve(n)
	if n == nil {
		return false
	}
	var b bool
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || n.Decode(&b) != nil {
		ps.add(n, path, "must be true or false, not %s", kindName(n))
		return false
	}
	return b
}

// seq walks a list of at most maxLen entries; an empty value is an empty list.
func (ps *packParser) seq(n *yaml.Node, path string, maxLen int, each func(i int, v *yaml.Node, path string)) {
	n = ps.resolve(n)
	if n == nil {
		return
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	if n.Kind != yaml.SequenceNode {
		ps.add(n, path, "must be a list, not %s", kindName(n))
		return
	}
	if len(n.Content) > maxLen {
		ps.add(n, path, "has %d entries, at most %d", len(n.Content), maxLen)
		return
	}
	for i, v := range n.Content {
		if ps.halted {
			return
		}
		each(i, v, fmt.Sprintf("%s[%d]", path, i))
	}
}

// count is the number of entries of a list node (after aliases), without visiting them.
func listLen(n *yaml.Node) int {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil || n.Kind != yaml.SequenceNode {
		return 0
	}
	return len(n.Content)
}

func (ps *packParser) weight(n *yaml.Node, path string) float64 {
	w, ok := ps.num(n, path)
	if ok && (w < 0 || w > 1000) {
		ps.add(n, path, "must be between 0 and 1000 (0 counts as 1), not %s", strconv.FormatFloat(w, 'f', -1, 64))
		return 0
	}
	return w
}

func (ps *packParser) pack(root *yaml.Node) *Pack {
	p := &Pack{}
	var levelsNode, setsNode, dimsNode *yaml.Node
	ok := ps.fields(root, "", "a pack", map[string]func(*yaml.Node, string){
		"id": func(v *yaml.Node, path string) {
			p.Key = ps.str(v, path, maxIDLen, true)
			if p.Key != "" && !packIDPattern.MatchString(p.Key) {
				ps.add(v, path, "%q is not a valid id: use lower-case letters, digits and single hyphens (like charter-engagement)", truncateText(p.Key, 40))
			}
			ps.lines["id"] = v.Line
		},
		"version": func(v *yaml.Node, path string) {
			p.Version = ps.str(v, path, maxVersionLen, true)
			if p.Version != "" && !versionPattern.MatchString(p.Version) {
				ps.add(v, path, "%q is not a valid version: use letters, digits, dots and hyphens (like 1.0 or 2024-1)", truncateText(p.Version, 40))
			}
			ps.lines["version"] = v.Line
		},
		"title":       func(v *yaml.Node, path string) { p.Title = ps.str(v, path, maxTitleLen, true) },
		"description": func(v *yaml.Node, path string) { p.Description = ps.str(v, path, maxTextLen, false) },
		"source":      func(v *yaml.Node, path string) { p.Source = ps.str(v, path, maxSourceLen, true) },
		"licence":     func(v *yaml.Node, path string) { p.Licence = ps.str(v, path, maxLicenceLen, true) },
		"subject": func(v *yaml.Node, path string) {
			p.Subject = ps.str(v, path, 40, true)
			if p.Subject != "" && !slices.Contains(Subjects, p.Subject) {
				ps.add(v, path, "%q is not a subject: use organisation, project or program", truncateText(p.Subject, 40))
			}
		},
		"levels":      func(v *yaml.Node, path string) { levelsNode = v; p.Levels = ps.levels(v, path) },
		"answer_sets": func(v *yaml.Node, path string) { setsNode = v; p.AnswerSets = ps.answerSets(v, path) },
		"dimensions":  func(v *yaml.Node, path string) { dimsNode = v; p.Dimensions = ps.dimensions(v, path, 1) },
	}, "id", "version", "title", "source", "licence", "subject", "levels", "answer_sets", "dimensions")
	if !ok || ps.halted {
		return p
	}
	if levelsNode != nil && len(p.Levels) < 2 && listLen(levelsNode) < 2 {
		ps.add(levelsNode, "levels", "needs at least 2 levels")
	}
	if setsNode != nil && listLen(setsNode) == 0 {
		ps.add(setsNode, "answer_sets", "needs at least one answer set")
	}
	if dimsNode != nil && listLen(dimsNode) == 0 {
		ps.add(dimsNode, "dimensions", "needs at least one dimension")
	}
	if dimsNode != nil && ps.itemCount == 0 && listLen(dimsNode) > 0 {
		ps.add(dimsNode, "dimensions", "the pack has no items to rate")
	}
	if ps.itemCount > MaxPackItems {
		ps.add(dimsNode, "dimensions", "the pack has %d items, at most %d", ps.itemCount, MaxPackItems)
	}
	for _, r := range ps.itemRefs {
		if r.set == "" {
			continue
		}
		n, ok := ps.setOrders[r.set]
		if !ok {
			ps.add(&yaml.Node{Line: r.setLine}, r.path+".answer_set", "%q is not an answer set of this pack", truncateText(r.set, 40))
			continue
		}
		if r.hasDescriptors && r.descriptors != n {
			ps.add(&yaml.Node{Line: r.descriptorsLine}, r.path+".descriptors",
				"has %d descriptors but answer set %q has %d options: give one descriptor per option, in the same order", r.descriptors, r.set, n)
		}
	}
	return p
}

func (ps *packParser) levels(n *yaml.Node, path string) []Level {
	var out []Level
	ps.seq(n, path, maxLevels, func(i int, v *yaml.Node, path string) {
		var l Level
		var fromNode *yaml.Node
		hasFrom := false
		ps.fields(v, path, "a level", map[string]func(*yaml.Node, string){
			"label":       func(v *yaml.Node, path string) { l.Label = ps.str(v, path, maxLabelLen, true) },
			"description": func(v *yaml.Node, path string) { l.Description = ps.str(v, path, maxTextLen, false) },
			"from": func(v *yaml.Node, path string) {
				fromNode = v
				l.From, hasFrom = ps.num(v, path)
			},
		}, "label", "from")
		if !hasFrom {
			out = append(out, l)
			return
		}
		fp := join(path, "from")
		switch {
		case l.From < 0 || l.From > 100:
			ps.add(fromNode, fp, "must be between 0 and 100, not %s", strconv.FormatFloat(l.From, 'f', -1, 64))
		case i == 0 && l.From != 0:
			ps.add(fromNode, fp, "the first level must start from 0")
		case i > 0 && len(out) == i && l.From <= out[i-1].From:
			ps.add(fromNode, fp, "must be above the level before it (%s): list levels from lowest to highest", strconv.FormatFloat(out[i-1].From, 'f', -1, 64))
		}
		for _, o := range out {
			if l.Label != "" && strings.EqualFold(o.Label, l.Label) {
				ps.add(v, join(path, "label"), "%q is the label of another level", truncateText(l.Label, 40))
			}
		}
		out = append(out, l)
	})
	return out
}

func (ps *packParser) answerSets(n *yaml.Node, path string) []AnswerSet {
	var out []AnswerSet
	ps.seq(n, path, maxAnswerSets, func(_ int, v *yaml.Node, path string) {
		var a AnswerSet
		var idNode, optsNode *yaml.Node
		ps.fields(v, path, "an answer set", map[string]func(*yaml.Node, string){
			"id": func(v *yaml.Node, path string) {
				idNode = v
				a.ID = ps.str(v, path, maxIDLen, true)
				if a.ID != "" && !partIDPattern.MatchString(a.ID) {
					ps.add(v, path, "%q is not a valid id: use lower-case letters, digits, hyphens, dots and underscores", truncateText(a.ID, 40))
				}
			},
			"options":        func(v *yaml.Node, path string) { optsNode = v; a.Options = ps.options(v, path) },
			"not_applicable": func(v *yaml.Node, path string) { a.NotApplicable = ps.boolean(v, path) },
			"dont_know":      func(v *yaml.Node, path string) { a.DontKnow = ps.boolean(v, path) },
		}, "id", "options")
		if optsNode != nil && listLen(optsNode) < 2 {
			ps.add(optsNode, join(path, "options"), "needs at least 2 options")
		}
		if a.ID != "" {
			if line, dup := ps.setLines[a.ID]; dup {
				ps.add(idNode, join(path, "id"), "%q is already the id of the answer set on line %d", truncateText(a.ID, 40), line)
			} else {
				ps.setLines[a.ID] = idNode.Line
				ps.setOrders[a.ID] = listLen(optsNode)
			}
		}
		out = append(out, a)
	})
	return out
}

func (ps *packParser) options(n *yaml.Node, path string) []Option {
	var out []Option
	values := map[float64]int{}
	labels := map[string]int{}
	ps.seq(n, path, maxOptions, func(_ int, v *yaml.Node, path string) {
		var o Option
		hasValue := false
		ps.fields(v, path, "an option", map[string]func(*yaml.Node, string){
			"value": func(v *yaml.Node, path string) {
				o.Value, hasValue = ps.num(v, path)
				if !hasValue {
					return
				}
				if line, dup := values[o.Value]; dup {
					ps.add(v, path, "%s is already the value of the option on line %d: values must differ", strconv.FormatFloat(o.Value, 'f', -1, 64), line)
				} else {
					values[o.Value] = v.Line
				}
			},
			"label": func(v *yaml.Node, path string) {
				o.Label = ps.str(v, path, maxLabelLen, true)
				key := strings.ToLower(o.Label)
				if o.Label == "" {
					return
				}
				if line, dup := labels[key]; dup {
					ps.add(v, path, "%q is already the label of the option on line %d", truncateText(o.Label, 40), line)
				} else {
					labels[key] = v.Line
				}
			},
		}, "value", "label")
		out = append(out, o)
	})
	return out
}

// claim records a dimension or item ID, refusing one already used in the pack.
func (ps *packParser) claim(v *yaml.Node, path, id string) {
	if id == "" {
		return
	}
	if first, dup := ps.idsSeen[id]; dup {
		ps.add(v, path, "%q is already the id of %s: dimension and item ids must be unique in the pack", truncateText(id, 40), first)
		return
	}
	ps.idsSeen[id] = strings.TrimSuffix(path, ".id")
}

func (ps *packParser) partID(v *yaml.Node, path string) string {
	id := ps.str(v, path, maxIDLen, true)
	if id != "" && !partIDPattern.MatchString(id) {
		ps.add(v, path, "%q is not a valid id: use lower-case letters, digits, hyphens, dots and underscores", truncateText(id, 40))
		return id
	}
	ps.claim(v, path, id)
	return id
}

func (ps *packParser) dimensions(n *yaml.Node, path string, depth int) []Dimension {
	var out []Dimension
	ps.seq(n, path, maxDimensions, func(_ int, v *yaml.Node, path string) {
		var d Dimension
		var itemsNode, subNode *yaml.Node
		ok := ps.fields(v, path, "a dimension", map[string]func(*yaml.Node, string){
			"id":          func(v *yaml.Node, path string) { d.ID = ps.partID(v, path) },
			"title":       func(v *yaml.Node, path string) { d.Title = ps.str(v, path, maxTitleLen, true) },
			"description": func(v *yaml.Node, path string) { d.Description = ps.str(v, path, maxTextLen, false) },
			"weight":      func(v *yaml.Node, path string) { d.Weight = ps.weight(v, path) },
			"items":       func(v *yaml.Node, path string) { itemsNode = v; d.Items = ps.items(v, path) },
			"dimensions": func(v *yaml.Node, path string) {
				subNode = v
				if depth >= 2 {
					ps.add(v, path, "dimensions nest at most two levels deep: a sub-dimension holds items only")
					return
				}
				d.Dimensions = ps.dimensions(v, path, depth+1)
			},
		}, "id", "title")
		if ok && listLen(itemsNode) == 0 && listLen(subNode) == 0 {
			ps.add(v, path, "a dimension needs items or sub-dimensions")
		}
		out = append(out, d)
	})
	return out
}

func (ps *packParser) items(n *yaml.Node, path string) []Item {
	var out []Item
	ps.seq(n, path, maxItems, func(_ int, v *yaml.Node, path string) {
		ps.itemCount++
		var it Item
		ref := itemRef{path: path}
		ps.fields(v, path, "an item", map[string]func(*yaml.Node, string){
			"id":        func(v *yaml.Node, path string) { it.ID = ps.partID(v, path) },
			"statement": func(v *yaml.Node, path string) { it.Statement = ps.str(v, path, maxStatement, true) },
			"answer_set": func(v *yaml.Node, path string) {
				it.AnswerSet = ps.str(v, path, maxIDLen, true)
				ref.set, ref.setLine = it.AnswerSet, v.Line
			},
			"descriptors": func(v *yaml.Node, path string) {
				ref.descriptorsLine = v.Line
				ps.seq(v, path, maxOptions, func(_ int, v *yaml.Node, path string) {
					it.Descriptors = append(it.Descriptors, ps.str(v, path, maxDescriptor, true))
				})
				ref.descriptors, ref.hasDescriptors = len(it.Descriptors), len(it.Descriptors) > 0
			},
			"evidence": func(v *yaml.Node, path string) {
				ps.seq(v, path, maxEvidence, func(_ int, v *yaml.Node, path string) {
					it.Evidence = append(it.Evidence, ps.str(v, path, maxEvidenceLen, true))
				})
			},
			"guidance": func(v *yaml.Node, path string) { it.Guidance = ps.str(v, path, maxTextLen, false) },
			"weight":   func(v *yaml.Node, path string) { it.Weight = ps.weight(v, path) },
		}, "id", "statement", "answer_set")
		ps.itemRefs = append(ps.itemRefs, ref)
		out = append(out, it)
	})
	return out
}
