package maturity

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func readPackFile(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "packs", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParsePackGood(t *testing.T) {
	for _, c := range []struct {
		file        string
		key, ver    string
		items, dims int
	}{
		{"good_minimal.yaml", "minimal", "1", 1, 1},
		{"good_nested.yaml", "nested-example", "2.1.0-beta", 4, 2},
		{"good.json", "json-pack", "1.0", 1, 1},
		{"good_set_named_like_dimension.yaml", "minimal", "1", 1, 1},
	} {
		t.Run(c.file, func(t *testing.T) {
			p, err := ParsePack(c.file, readPackFile(t, c.file))
			if err != nil {
				t.Fatalf("refused:\n%v", err)
			}
			if p.Key != c.key || p.Version != c.ver || len(p.Items()) != c.items || len(p.Dimensions) != c.dims {
				t.Errorf("got %s %s, %d items, %d dimensions", p.Key, p.Version, len(p.Items()), len(p.Dimensions))
			}
		})
	}
}

func TestParsePackFields(t *testing.T) {
	p, err := ParsePack("good_nested.yaml", readPackFile(t, "good_nested.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "program" || p.Description == "" || p.Licence != "CC BY 4.0, Joined Up contributors" {
		t.Errorf("header: %+v", p)
	}
	if len(p.Levels) != 3 || p.Levels[1].From != 33.3 || p.Levels[0].Description != "Just begun." {
		t.Errorf("levels: %+v", p.Levels)
	}
	set, ok := p.AnswerSetOf(Item{AnswerSet: "three"})
	if !ok || !set.NotApplicable || !set.DontKnow || len(set.Options) != 3 || set.Options[2] != (Option{Value: 3, Label: "Always"}) {
		t.Errorf("answer set: %+v", set)
	}
	people := p.Dimensions[0]
	if people.Weight != 2 || len(people.Dimensions) != 2 || len(people.Items) != 1 {
		t.Errorf("dimension: %+v", people)
	}
	staff, ok := p.Item("staff_1")
	if !ok || staff.Weight != 0.5 || len(staff.Descriptors) != 3 || staff.Evidence[0] != "Training records" ||
		staff.Guidance != "Train the staff who engage most first.\n\nThen everyone else." {
		t.Errorf("item: %+v", staff)
	}
	var placed []string
	for _, it := range p.Items() {
		placed = append(placed, strings.Join(it.Path, "/")+":"+it.ID)
	}
	if got := strings.Join(placed, " "); got != "people:people-0 people/people.staff:staff_1 people/people.partners:partners-1 places:places-1" {
		t.Errorf("items in order: %s", got)
	}
	// A weight of 0 means 1; the pack scores like the same pack without the weight.
	if p.Dimensions[1].Weight != 0 {
		t.Errorf("weight 0 kept as 0 (it counts as 1): %v", p.Dimensions[1].Weight)
	}
	// The pack survives a JSON round trip unchanged (it is stored as JSON).
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParsePack("round-trip.json", b)
	if err != nil {
		t.Fatalf("the stored JSON is refused:\n%v", err)
	}
	b2, _ := json.Marshal(again)
	if !bytes.Equal(b, b2) {
		t.Errorf("round trip changed the pack:\n%s\n%s", b, b2)
	}
}

func TestParsePackBroken(t *testing.T) {
	for _, c := range []struct {
		file    string
		line    int
		path    string
		problem string
	}{
		{"bad_unknown_field.yaml", 4, "", `unknown field "titel"`},
		{"bad_answer_set_ref.yaml", 22, "dimensions[0].items[0].answer_set", `"five" is not an answer set of this pack`},
		{"bad_id.yaml", 2, "id", `"Minimal_Pack" is not a valid id`},
		{"bad_subject.yaml", 7, "subject", `"agency" is not a subject`},
		{"bad_missing_licence.yaml", 2, "licence", "is required"},
		{"bad_levels_order.yaml", 10, "levels[1].from", "must be above the level before it"},
		{"bad_levels_first.yaml", 9, "levels[0].from", "the first level must start from 0"},
		{"bad_levels_range.yaml", 10, "levels[1].from", "must be between 0 and 100, not 150"},
		{"bad_levels_one.yaml", 9, "levels", "needs at least 2 levels"},
		{"bad_option_value_dup.yaml", 15, "answer_sets[0].options[1].value", "0 is already the value of the option on line 14"},
		{"bad_one_option.yaml", 14, "answer_sets[0].options", "needs at least 2 options"},
		{"bad_dup_item_id.yaml", 23, "dimensions[0].items[1].id", `"only-1" is already the id of dimensions[0].items[0]`},
		{"bad_descriptors.yaml", 24, "dimensions[0].items[0].descriptors", `has 3 descriptors but answer set "yes-no" has 2 options`},
		{"bad_weight_nan.yaml", 23, "dimensions[0].items[0].weight", "must be a finite number, not .nan"},
		{"bad_weight_negative.yaml", 23, "dimensions[0].items[0].weight", "must be between 0 and 1000"},
		{"bad_item_unknown.yaml", 23, "dimensions[0].items[0]", `unknown field "colour"`},
		{"bad_dup_key.yaml", 23, "dimensions[0].items[0].statement", "is given twice"},
		{"bad_too_deep.yaml", 16, "dimensions[0].dimensions[0].dimensions", "dimensions nest at most two levels deep"},
		{"bad_syntax.yaml", 10, "", "not valid YAML or JSON: did not find expected '-' indicator"},
		{"bad_not_mapping.yaml", 1, "", "must be a pack (a mapping of fields), not a list"},
		{"bad_two_documents.yaml", 2, "", "more than one YAML document"},
		{"bad_empty.yaml", 0, "", "the file is empty"},
		{"bad_billion_laughs.yaml", 1, "", `unknown field "a"`},
		{"bad_billion_laughs_schema.yaml", 9, "dimensions[0].dimensions[0].items[1].id", `"i" is already the id`},
		{"bad_alias_flood.yaml", 47, "", "the file uses aliases (*name) more than 1000 times"},
		{"bad_utf8.yaml", 2, "", "the file is not UTF-8 text (byte 0xe9)"},
		{"bad_control.yaml", 2, "", "the file holds a control character (U+0007)"},
		{"bad_merge_key.yaml", 14, "dimensions[0].items[1]", "merge keys (<<) are not supported"},
	} {
		t.Run(c.file, func(t *testing.T) {
			start := time.Now()
			_, err := ParsePack(c.file, readPackFile(t, c.file))
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
			pe, ok := AsPackErrors(err)
			if !ok || len(pe) == 0 {
				t.Fatalf("not refused with PackErrors: %v", err)
			}
			found := false
			for _, e := range pe {
				if e.File == c.file && e.Line == c.line && e.Path == c.path && strings.Contains(e.Problem, c.problem) {
					found = true
				}
			}
			if !found {
				t.Errorf("no error at line %d, path %q, with a problem containing %q; got:\n%v", c.line, c.path, c.problem, err)
			}
			for i := 1; i < len(pe); i++ {
				if pe[i].Line < pe[i-1].Line {
					t.Errorf("errors out of line order:\n%v", err)
				}
			}
			if len(pe) > MaxPackErrors+1 {
				t.Errorf("%d errors: the list is not bounded", len(pe))
			}
		})
	}
}

func TestPackErrorFormat(t *testing.T) {
	e := PackError{File: "charter.yaml", Line: 12, Path: "dimensions[2].items[0].answer_set", Problem: `"five" is not an answer set of this pack`}
	if got := e.Error(); got != `charter.yaml:12: dimensions[2].items[0].answer_set: "five" is not an answer set of this pack` {
		t.Errorf("got %s", got)
	}
	if got := (PackError{File: "x.yaml", Problem: "the file is empty"}).Error(); got != "x.yaml: the file is empty" {
		t.Errorf("got %s", got)
	}
	es := PackErrors{e, {File: "charter.yaml", Line: 3, Problem: "p"}}
	if got := es.Error(); got != e.Error()+"\ncharter.yaml:3: p" {
		t.Errorf("got %s", got)
	}
	wrapped := errors.Join(errors.New("context"), es)
	if got, ok := AsPackErrors(wrapped); !ok || len(got) != 2 {
		t.Errorf("AsPackErrors through a wrapper: %v %v", got, ok)
	}
}

func TestParsePackLimits(t *testing.T) {
	t.Run("too large", func(t *testing.T) {
		data := append([]byte("id: x\ndescription: "), bytes.Repeat([]byte("a"), MaxPackBytes)...)
		_, err := ParsePack("big.yaml", data)
		pe, ok := AsPackErrors(err)
		if !ok || pe[0].Line != 0 || !strings.Contains(pe[0].Problem, "too large") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("too many items", func(t *testing.T) {
		var b strings.Builder
		b.WriteString(string(readPackFile(t, "good_minimal.yaml")))
		// 6 more dimensions of 100 items: 601 in all.
		for d := 0; d < 6; d++ {
			b.WriteString("  - id: d" + strconv.Itoa(d) + "\n    title: D\n    items:\n")
			for i := 0; i < 100; i++ {
				b.WriteString("      - {id: i" + strconv.Itoa(d) + "-" + strconv.Itoa(i) + ", statement: S., answer_set: yes-no}\n")
			}
		}
		_, err := ParsePack("many.yaml", []byte(b.String()))
		pe, ok := AsPackErrors(err)
		if !ok || len(pe) != 1 || pe[0].Path != "dimensions" || !strings.Contains(pe[0].Problem, "601 items, at most 500") || pe[0].Line != 17 {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("long text", func(t *testing.T) {
		data := bytes.Replace(readPackFile(t, "good_minimal.yaml"), []byte("title: Minimal pack"), []byte("title: "+strings.Repeat("é", 201)), 1)
		_, err := ParsePack("long.yaml", data)
		pe, ok := AsPackErrors(err)
		if !ok || pe[0].Path != "title" || pe[0].Line != 4 || !strings.Contains(pe[0].Problem, "201 characters, at most 200") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("JSON syntax error names its line", func(t *testing.T) {
		data := bytes.Replace(readPackFile(t, "good.json"), []byte(`"subject": "project",`), []byte(`"subject": "project"`), 1)
		_, err := ParsePack("good.json", data)
		pe, ok := AsPackErrors(err)
		if !ok || pe[0].Line != 8 {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("every problem is reported", func(t *testing.T) {
		data := []byte("id: Bad\nversion: \"\"\ntitle: T\nsource: S\nlicence: L\nsubject: organisation\nlevels: [{label: A, from: 5}, {label: A, from: 1}]\n" +
			"answer_sets: [{id: s, options: [{value: 1, label: x}, {value: 1, label: X}]}]\ndimensions: [{id: d, title: D, items: [{id: i, statement: S, answer_set: t}]}]\n")
		_, err := ParsePack("many.yaml", data)
		pe, _ := AsPackErrors(err)
		var got []string
		for _, e := range pe {
			got = append(got, strconv.Itoa(e.Line)+" "+e.Path)
		}
		want := "1 id|2 version|7 levels[0].from|7 levels[1].from|7 levels[1].label|8 answer_sets[0].options[1].value|8 answer_sets[0].options[1].label|9 dimensions[0].items[0].answer_set"
		if strings.Join(got, "|") != want {
			t.Errorf("got\n%s\nwant\n%s\n%v", strings.Join(got, "|"), want, err)
		}
	})
}

// TestBuiltinPacks checks the built-in packs: valid, complete and usable by a practitioner.
func TestBuiltinPacks(t *testing.T) {
	names := BuiltinPackNames()
	if len(names) != 3 {
		t.Fatalf("built-in packs: %v", names)
	}
	keys := map[string]string{}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			data, err := BuiltinPack(name)
			if err != nil {
				t.Fatal(err)
			}
			p, err := ParsePack(name, data)
			if err != nil {
				t.Fatalf("refused:\n%v", err)
			}
			keys[p.Key] = p.Subject
			if !strings.Contains(p.Licence, "CC BY 4.0") || p.Source == "" || p.Description == "" {
				t.Errorf("source and licence: %q %q", p.Source, p.Licence)
			}
			for _, s := range p.AnswerSets {
				if !s.NotApplicable || !s.DontKnow {
					t.Errorf("answer set %s offers neither not applicable nor don't know", s.ID)
				}
			}
			for _, l := range p.Levels {
				if l.Description == "" {
					t.Errorf("level %s has no description", l.Label)
				}
			}
			for _, it := range p.Items() {
				if len(it.Descriptors) == 0 || len(it.Evidence) == 0 || it.Guidance == "" {
					t.Errorf("item %s lacks descriptors, evidence or guidance", it.ID)
				}
			}
			for _, d := range p.Dimensions {
				n := len(d.Items)
				for _, sub := range d.Dimensions {
					n += len(sub.Items)
				}
				if n < 3 {
					t.Errorf("dimension %s has %d items", d.ID, n)
				}
			}
			// Each option's score, when every item gets it, reaches a distinct level, lowest to highest.
			set := p.AnswerSets[0]
			var last string
			for i, o := range set.Options {
				answers := map[string]Answer{}
				for _, it := range p.Items() {
					answers[it.ID] = Answer{ItemKey: it.ID, Current: o.Key()}
				}
				got := Compute(p, answers).Overall
				if !got.OK || got.Level == last {
					t.Errorf("all %q: %+v", o.Label, got)
				}
				if i == 0 && got.Level != p.Levels[0].Label || i == len(set.Options)-1 && got.Level != p.Levels[len(p.Levels)-1].Label {
					t.Errorf("all %q reaches %s", o.Label, got.Level)
				}
				last = got.Level
			}
		})
	}
	if keys["charter-engagement"] != "organisation" || keys["engagement-project-check"] != "project" || keys["joined-up-services"] != "program" {
		t.Errorf("packs: %v", keys)
	}
}

// TestCharterPack checks the Charter pack's shape: the six principles, 3–5 items each, five levels.
func TestCharterPack(t *testing.T) {
	data, _ := BuiltinPack("charter.yaml")
	p, err := ParsePack("charter.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, d := range p.Dimensions {
		titles = append(titles, d.Title)
		if len(d.Items) < 3 || len(d.Items) > 5 {
			t.Errorf("%s has %d items", d.Title, len(d.Items))
		}
		for _, it := range d.Items {
			if len(it.Descriptors) != 5 {
				t.Errorf("%s has %d descriptors", it.ID, len(it.Descriptors))
			}
		}
	}
	if got := strings.Join(titles, ", "); got != "Be open, Be responsive, Be transparent, Be accountable, Be informed, Be collaborative" {
		t.Errorf("dimensions: %s", got)
	}
	if len(p.Levels) != 5 || p.Levels[0].Label != "Initial" || p.Levels[4].Label != "Leading" {
		t.Errorf("levels: %+v", p.Levels)
	}
}

// FuzzParsePack: any input is either a complete pack or refused with errors that name the
// file and a line of it (or say the file is empty or too large); never a panic.
func FuzzParsePack(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "packs", "*"))
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("&a [*a]"))
	f.Add([]byte("id: &a x\nversion: *a\n"))
	f.Add([]byte("{\"id\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}"))
	f.Add([]byte("levels: [{from: .inf, label: x}, {from: -.inf, label: y}]"))
	f.Add([]byte("answer_sets: [{id: a, options: [{value: 0x10, label: a}, {value: 1e400, label: b}]}]"))
	f.Add([]byte("\xef\xbb\xbfid: bom\n"))
	f.Add([]byte("--- !!map\n? [a, b]\n: c\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePack("fuzz.yaml", data)
		if err == nil {
			if p == nil || p.Key == "" || len(p.Items()) == 0 || len(p.Items()) > MaxPackItems {
				t.Fatalf("accepted a pack that is not complete: %+v", p)
			}
			if _, err := json.Marshal(p); err != nil {
				t.Fatalf("accepted pack does not marshal: %v", err)
			}
			return
		}
		pe, ok := AsPackErrors(err)
		if !ok || len(pe) == 0 {
			t.Fatalf("error is not PackErrors: %v", err)
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, e := range pe {
			if e.File != "fuzz.yaml" || e.Problem == "" {
				t.Fatalf("error without file or problem: %+v", e)
			}
			if e.Line == 0 {
				if !strings.Contains(e.Problem, "empty") && !strings.Contains(e.Problem, "too large") {
					t.Fatalf("error without a line: %+v", e)
				}
				continue
			}
			if e.Line < 1 || e.Line > lines {
				t.Fatalf("line %d outside the file's %d lines: %+v", e.Line, lines, e)
			}
		}
	})
}
