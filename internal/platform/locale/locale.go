// Package locale holds the message catalogues: interface text is looked up by key, so that a
// language (te reo Māori, for one) is added by adding a catalogue file, not by changing code.
package locale

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

//go:embed catalogues/*.json
var builtin embed.FS

// Catalogues maps a language tag to its messages.
type Catalogues struct {
	langs    map[string]map[string]string
	fallback string
}

// Load reads every catalogues/*.json (a flat object of key → message) from the built-in set.
func Load() (*Catalogues, error) { return LoadFS(builtin, "catalogues") }

// LoadFS reads catalogues from dir in fsys.
func LoadFS(fsys fs.FS, dir string) (*Catalogues, error) {
	c := &Catalogues{langs: map[string]map[string]string{}, fallback: "en"}
	files, err := fs.Glob(fsys, path.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		c.langs[strings.TrimSuffix(path.Base(f), ".json")] = m
	}
	if _, ok := c.langs[c.fallback]; !ok {
		return nil, fmt.Errorf("locale: no %s catalogue", c.fallback)
	}
	return c, nil
}

// Has reports whether the fallback catalogue has key.
func (c *Catalogues) Has(key string) bool { _, ok := c.langs[c.fallback][key]; return ok }

// T returns the message for key in lang (falling back to English, then to the key itself),
// formatted with args when given.
func (c *Catalogues) T(lang, key string, args ...any) string {
	msg, ok := c.langs[lang][key]
	if !ok {
		msg, ok = c.langs[c.fallback][key]
	}
	if !ok {
		msg = key
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// Languages lists the loaded language tags.
func (c *Catalogues) Languages() []string {
	out := make([]string, 0, len(c.langs))
	for l := range c.langs {
		out = append(out, l)
	}
	return out
}

// Match picks the best loaded language for an Accept-Language header.
func (c *Catalogues) Match(accept string) string {
	for _, part := range strings.Split(accept, ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		if _, ok := c.langs[tag]; ok {
			return tag
		}
		if base, _, found := strings.Cut(tag, "-"); found {
			if _, ok := c.langs[base]; ok {
				return base
			}
		}
	}
	return c.fallback
}
