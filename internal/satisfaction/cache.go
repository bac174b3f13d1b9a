package satisfaction

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"html/template"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/forms"
)

// DefinitionCache holds what the public collection routes need of each survey — the survey,
// its current questionnaire, its links by code, the empty form rendered once, the public JSON
// definition, and the finished pages — so that answering /s/{code} needs no query but the
// commit itself. An entry is built on first use (one load per code however many requests
// arrive at once) and dropped by Invalidate, which every change to a survey or its links
// calls. Unknown codes are remembered for a few seconds, so that a flood of them does not
// reach the database either.
type DefinitionCache struct {
	mu      sync.RWMutex
	defs    map[string]*surveyDef
	flights map[string]*defFlight
	missing int // entries of defs that are unknown codes
	now     func() time.Time
	places  placeSet
}

const (
	// missingTTL is how long an unknown code is remembered.
	missingTTL = 5 * time.Second
	// maxMissing bounds the unknown codes remembered.
	maxMissing = 10_000
	// placesRefresh is how often, at most, the set of places is reloaded when a request names
	// a place it does not hold.
	placesRefresh = 5 * time.Second
	// maxPages bounds the finished pages kept per survey (per kind and language).
	maxPages = 64
	// maxCode is the longest code looked up.
	maxCode = 100
)

// NewDefinitionCache builds an empty cache.
func NewDefinitionCache() *DefinitionCache {
	return &DefinitionCache{defs: map[string]*surveyDef{}, flights: map[string]*defFlight{}, now: time.Now}
}

// Invalidate forgets the cached definition of the survey with code; the next request loads
// it again. Call it after any change to a survey (questions, status, metadata, links).
func (c *DefinitionCache) Invalidate(code string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d, ok := c.defs[code]; ok {
		if d.missing {
			c.missing--
		}
		delete(c.defs, code)
	}
	if f, ok := c.flights[code]; ok {
		f.stale = true // a load under way may have read the old rows: do not keep its result
	}
}

// InvalidateAll forgets every cached definition.
func (c *DefinitionCache) InvalidateAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.defs)
	c.missing = 0
	for _, f := range c.flights {
		f.stale = true
	}
}

type defFlight struct {
	done  chan struct{}
	def   *surveyDef
	err   error
	stale bool
}

// surveyDef is what the collection routes need of one survey; it is never changed once
// built, except for its cache of finished pages.
type surveyDef struct {
	Survey Survey
	// Links are every link of the survey by code, archived ones too (a poster may still hang).
	Links map[string]Link
	// Display is the questionnaire as shown: without its intro (the page shows the survey's)
	// and with the recommend question marked NPS®-style.
	Display forms.Questionnaire
	// Form is Display rendered empty.
	Form template.HTML
	// Public is the JSON of GET /api/v1/surveys/{code}.
	Public []byte
	// Recommend is true when the survey asks the NPS®-style question (the page then carries
	// the trademark notice).
	Recommend bool

	missing bool
	expires time.Time
	pages   pageCache
	thanks  string // the thank-you page's path
}

// collecting reports whether the public may see the survey at all: drafts and archived
// surveys are not found.
func (d *surveyDef) visible() bool {
	return d.Survey.ArchivedAt == nil && (d.Survey.Status == StatusOpen || d.Survey.Status == StatusClosed)
}

// open reports whether the survey takes responses.
func (d *surveyDef) open() bool { return d.visible() && d.Survey.Status == StatusOpen }

// definition returns the cached definition of the survey with code, loading it on first use;
// db.ErrNotFound when there is no such survey.
func (s *Service) definition(ctx context.Context, code string) (*surveyDef, error) {
	c := s.Cache
	if code == "" || len(code) > maxCode {
		return nil, db.ErrNotFound
	}
	c.mu.RLock()
	d, ok := c.defs[code]
	c.mu.RUnlock()
	if ok {
		if !d.missing {
			return d, nil
		}
		if c.now().Before(d.expires) {
			return nil, db.ErrNotFound
		}
	}
	return c.slow(ctx, code, func(ctx context.Context) (*surveyDef, error) { return s.loadDefinition(ctx, code) })
}

func (c *DefinitionCache) slow(ctx context.Context, code string, load func(context.Context) (*surveyDef, error)) (*surveyDef, error) {
	now := c.now()
	c.mu.Lock()
	if d, ok := c.defs[code]; ok {
		if !d.missing {
			c.mu.Unlock()
			return d, nil
		}
		if now.Before(d.expires) {
			c.mu.Unlock()
			return nil, db.ErrNotFound
		}
		delete(c.defs, code)
		c.missing--
	}
	f, loading := c.flights[code]
	if !loading {
		f = &defFlight{done: make(chan struct{})}
		c.flights[code] = f
	}
	c.mu.Unlock()
	if loading {
		select {
		case <-f.done:
			return f.def, f.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	// The load does not end with the request that happened to start it: others wait for it.
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	d, err := load(lctx)
	cancel()
	c.mu.Lock()
	delete(c.flights, code)
	switch {
	case f.stale:
	case err == nil:
		c.defs[code] = d
	case errors.Is(err, db.ErrNotFound):
		if c.missing >= maxMissing {
			for k, x := range c.defs {
				if x.missing {
					delete(c.defs, k)
				}
			}
			c.missing = 0
		}
		c.defs[code] = &surveyDef{missing: true, expires: now.Add(missingTTL)}
		c.missing++
	}
	f.def, f.err = d, err
	close(f.done)
	c.mu.Unlock()
	return d, err
}

// loadDefinition reads a survey and its links and prepares what the collection routes show.
func (s *Service) loadDefinition(ctx context.Context, code string) (*surveyDef, error) {
	sv, err := s.Store.SurveyByCode(ctx, s.DB, code)
	if err != nil {
		return nil, err
	}
	links, err := s.Store.SurveyLinks(ctx, s.DB, sv.ID)
	if err != nil {
		return nil, err
	}
	d := &surveyDef{Survey: sv, Links: make(map[string]Link, len(links)), thanks: "/s/" + url.PathEscape(sv.Code) + "/thanks"}
	for _, l := range links {
		d.Links[l.Code] = l
	}
	d.Display = sv.Questionnaire
	d.Display.Intro = ""
	d.Display.Questions = slices.Clone(sv.Questionnaire.Questions)
	for i, q := range d.Display.Questions {
		if q.ID == QRecommend {
			d.Recommend = true
			if !strings.Contains(q.Help, "NPS") {
				d.Display.Questions[i].Help = strings.TrimSpace("An NPS®-style question. " + q.Help)
			}
		}
	}
	d.Recommend = d.Recommend || slices.Contains(sv.Modules, ModuleRecommend)
	d.Form = forms.Render(d.Display, nil, nil)
	if d.Public, err = json.Marshal(publicSurvey(d)); err != nil {
		return nil, err
	}
	return d, nil
}

// Trademark is the attribution shown wherever the NPS®-style question is asked.
const Trademark = "Net Promoter®, NPS® and the NPS-related emoticons are registered trademarks of Bain & Company, Inc., NICE Systems, Inc. and Fred Reichheld."

// PublicSurvey is the public definition of a survey: GET /api/v1/surveys/{code}.
type PublicSurvey struct {
	Code         string `json:"code"`
	Title        string `json:"title"`
	Intro        string `json:"intro"`
	Organisation string `json:"organisation"`
	Service      string `json:"service,omitempty"`
	// Status is "open" (taking responses) or "closed".
	Status  string `json:"status"`
	Version int    `json:"version"`
	// RequireToken: responses need a single-use token from a personal link.
	RequireToken bool             `json:"require_token"`
	Questions    []PublicQuestion `json:"questions"`
	// Channels are the values "channel" may take in a submission.
	Channels []PublicChannel `json:"channels"`
	// Notice is the trademark attribution to show with the NPS®-style question.
	Notice string `json:"trademark_notice,omitempty"`
}

// PublicQuestion is one question of a public definition.
type PublicQuestion struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Text     string `json:"text"`
	Help     string `json:"help,omitempty"`
	Required bool   `json:"required"`
	// Min and Max: the end points of a scale, the range of a number (0 and 0: any), or the
	// fewest and most choices of a multiple question.
	Min           int              `json:"min"`
	Max           int              `json:"max"`
	NotApplicable bool             `json:"not_applicable"`
	Labels        *forms.Anchors   `json:"labels,omitempty"`
	Options       []forms.Option   `json:"options,omitempty"`
	MaxLength     int              `json:"max_length,omitempty"`
	ShowIf        *forms.Condition `json:"show_if,omitempty"`
}

// PublicChannel is a channel a response may come through.
type PublicChannel struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

func publicSurvey(d *surveyDef) PublicSurvey {
	sv := d.Survey
	p := PublicSurvey{Code: sv.Code, Title: sv.Title, Intro: surveyIntro(sv), Organisation: sv.OrgName, Service: sv.ServiceName,
		Status: sv.Status, Version: sv.Version, RequireToken: sv.RequireToken, Questions: []PublicQuestion{}}
	for _, q := range d.Display.Questions {
		pq := PublicQuestion{ID: q.ID, Type: string(q.Type), Text: q.Text, Help: q.Help, Required: q.IsRequired(),
			Min: q.Min, Max: q.Max, NotApplicable: q.NotApplicable, Options: q.Options, ShowIf: q.ShowIf}
		if q.Labels != (forms.Anchors{}) {
			l := q.Labels
			pq.Labels = &l
		}
		if q.Type == forms.Text || q.Type == forms.Textarea {
			pq.MaxLength = q.TextLimit()
		}
		p.Questions = append(p.Questions, pq)
	}
	for _, o := range directory.ServiceChannels {
		p.Channels = append(p.Channels, PublicChannel{Value: o.Value, Label: o.Label})
	}
	if d.Recommend {
		p.Notice = Trademark
	}
	return p
}

// surveyIntro is the survey's introduction, or its questionnaire's when it has none.
func surveyIntro(sv Survey) string {
	if strings.TrimSpace(sv.Intro) != "" {
		return sv.Intro
	}
	return sv.Questionnaire.Intro
}

// placeSet is the set of places a response may name, loaded whole and reloaded, at most every
// placesRefresh, when a request names one it does not hold.
type placeSet struct {
	mu     sync.RWMutex
	ids    map[int64]struct{}
	loaded time.Time
	reload sync.Mutex
}

// knownPlace reports whether id is a place of the directory (not archived).
func (s *Service) knownPlace(ctx context.Context, id int64) (bool, error) {
	if id <= 0 {
		return false, nil
	}
	ps := &s.Cache.places
	fresh := func() (found, recent bool) {
		ps.mu.RLock()
		defer ps.mu.RUnlock()
		_, found = ps.ids[id]
		return found, !ps.loaded.IsZero() && s.Cache.now().Sub(ps.loaded) < placesRefresh
	}
	if found, recent := fresh(); found || recent {
		return found, nil
	}
	ps.reload.Lock()
	defer ps.reload.Unlock()
	if found, recent := fresh(); found || recent {
		return found, nil // another request reloaded while this one waited
	}
	ids := map[int64]struct{}{}
	err := db.Each(ctx, s.DB, "SELECT id FROM places WHERE archived_at IS NULL", nil, func(rows *sql.Rows) error {
		var x int64
		if err := rows.Scan(&x); err != nil {
			return err
		}
		ids[x] = struct{}{}
		return nil
	})
	if err != nil {
		return false, err
	}
	ps.mu.Lock()
	ps.ids, ps.loaded = ids, s.Cache.now()
	ps.mu.Unlock()
	_, found := ids[id]
	return found, nil
}

// pageCache keeps a survey's finished pages (a few: one per kind and language).
type pageCache struct {
	mu    sync.RWMutex
	pages map[pageKey]*finishedPage
}

// finishedPage is a rendered page cut where the per-request parts go: Parts[0], then the
// value of Slots[0], then Parts[1], and so on.
type finishedPage struct {
	Status int
	Parts  [][]byte
	Slots  []slot
	// fixed is the length of the parts (the slots' values are added per request).
	fixed int
}

// slot is a per-request part of a finished page.
type slot int

const (
	slotKey slot = iota // the form key
	slotVia             // the code of the link the page was opened through
)

func (pc *pageCache) get(key pageKey) *finishedPage {
	pc.mu.RLock()
	p := pc.pages[key]
	pc.mu.RUnlock()
	return p
}

// put keeps p unless the cache is full (then the page is simply rendered again next time).
func (pc *pageCache) put(key pageKey, p *finishedPage) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.pages == nil {
		pc.pages = map[pageKey]*finishedPage{}
	}
	if len(pc.pages) < maxPages {
		pc.pages[key] = p
	}
}
