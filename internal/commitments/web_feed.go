package commitments

import (
	"cmp"
	"encoding/xml"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/joinedup/joinedup/internal/platform/web"
)

// Atom feeds (RFC 4287) of progress updates, per plan and per commitment.
//
// Identifiers are tag URIs (RFC 4151) on the host the feed is served from, e.g.
// "tag:ogp.example.gov.au,2026:update/12": they stay the same whatever the scheme or port, and
// two installations never share one. Links are absolute, built from the request's Host; the
// scheme is https when the site is reached over HTTPS (the request came over TLS, or the server
// runs with --tls behind a load balancer that terminates it); X-Forwarded-Proto is not read,
// since any client can send it. The identifiers do not depend on the scheme.

const feedLimit = 50

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	Sub     string      `xml:"subtitle,omitempty"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomPerson  `xml:"author"`
	Gen     string      `xml:"generator"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomEntry struct {
	Title     string     `xml:"title"`
	ID        string     `xml:"id"`
	Updated   string     `xml:"updated"`
	Published string     `xml:"published"`
	Author    atomPerson `xml:"author"`
	Link      atomLink   `xml:"link"`
	Content   atomText   `xml:"content"`
}

// feedBase is the scheme and host of absolute links, and the host for tag URIs.
func feedBase(r *http.Request) (base, host string) {
	scheme := "http"
	if web.HTTPS(r) {
		scheme = "https"
	}
	host = r.Host
	if host == "" {
		host = "localhost"
	}
	tagHost := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		tagHost = h
	}
	return scheme + "://" + host, strings.Trim(tagHost, "[]")
}

// feedTitle is "AU0019: the first words of the update".
func feedTitle(ref, body string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(body), "\n")
	if utf8.RuneCountInString(line) > 90 {
		r := []rune(line)
		line = strings.TrimSpace(string(r[:89])) + "…"
	}
	return ref + ": " + line
}

// writeFeed answers with the updates as an Atom feed, the most recently recorded first:
// <updated> is when an update was recorded (updates never change), <published> the date it
// reports on.
func writeFeed(w http.ResponseWriter, r *http.Request, title, subtitle, selfPath, pagePath, id, author string, fallback time.Time, us []Update) error {
	base, host := feedBase(r)
	us = slices.Clone(us)
	slices.SortStableFunc(us, func(a, b Update) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	if len(us) > feedLimit {
		us = us[:feedLimit]
	}
	updated := fallback
	if len(us) > 0 {
		updated = us[0].CreatedAt
	}
	f := atomFeed{Title: title, Sub: subtitle, ID: "tag:" + host + ",2026:" + id, Updated: rfc3339(updated),
		Links:  []atomLink{{Rel: "self", Type: "application/atom+xml", Href: base + selfPath}, {Rel: "alternate", Type: "text/html", Href: base + pagePath}},
		Author: atomPerson{Name: cmp.Or(author, "Joined Up")}, Gen: "Joined Up"}
	for _, u := range us {
		body := u.Body
		if len(u.Evidence) > 0 {
			body += "\n\nEvidence:\n" + strings.Join(u.Evidence, "\n")
		}
		f.Entries = append(f.Entries, atomEntry{
			Title: feedTitle(u.Reference, u.Body), ID: "tag:" + host + ",2026:update/" + idStr(u.ID),
			Updated: rfc3339(u.CreatedAt), Published: rfc3339(u.ReportedOn.Time), Author: atomPerson{Name: cmp.Or(u.Author, author, "Joined Up")},
			Link:    atomLink{Rel: "alternate", Type: "text/html", Href: base + commitmentPath(u.Reference) + "#update-" + idStr(u.ID)},
			Content: atomText{Type: "text", Body: body},
		})
	}
	out, err := xml.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write([]byte(xml.Header))
	_, err = w.Write(append(out, '\n'))
	return err
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func (h *Web) planFeed(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	pl, _, err := h.Svc.Plan(r.Context(), id)
	if err != nil {
		return err
	}
	us, err := h.Svc.PlanUpdates(r.Context(), pl, 1000)
	if err != nil {
		return err
	}
	path := "/plans/" + idStr(pl.ID)
	return writeFeed(w, r, pl.Title+": progress updates", "Progress updates on the commitments of "+pl.Title+".",
		path+"/feed.atom", path, "plan/"+idStr(pl.ID), pl.OrgName, pl.UpdatedAt, us)
}

func (h *Web) commitmentFeed(w http.ResponseWriter, r *http.Request) error {
	c, err := h.Svc.Commitment(r.Context(), r.PathValue("ref"))
	if err != nil {
		return err
	}
	us, err := h.Svc.Updates(r.Context(), c)
	if err != nil {
		return err
	}
	path := commitmentPath(c.Reference)
	return writeFeed(w, r, c.Reference+" "+c.Name()+": progress updates", c.Title,
		path+"/feed.atom", path, "commitment/"+c.Reference, cmp.Or(c.LeadOrgName, c.PlanTitle), c.UpdatedAt, us)
}
