package learning

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/search"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// A community's library of shared tools, templates and guides: a file (checked and kept by
// SaveFile in files.go) or a link, for its members and those who manage it.

// Library item kinds.
var LibraryKinds = []struct{ Value, Label string }{
	{"tool", "Tool"},
	{"template", "Template"},
	{"guide", "Guide"},
	{"other", "Other"},
}

func libraryKindValues() []string {
	out := make([]string, len(LibraryKinds))
	for i, k := range LibraryKinds {
		out[i] = k.Value
	}
	return out
}

// LibraryItem is an item of a community's library.
type LibraryItem struct {
	ID          int64     `json:"id"`
	CommunityID int64     `json:"community_id"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Kind        string    `json:"kind"`
	File        *File     `json:"file,omitempty"`
	URL         string    `json:"url,omitempty"`
	UploadedBy  int64     `json:"uploaded_by,omitempty"`
	Uploader    string    `json:"uploader,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// KindLabel names the kind for people.
func (it LibraryItem) KindLabel() string {
	for _, k := range LibraryKinds {
		if k.Value == it.Kind {
			return k.Label
		}
	}
	return it.Kind
}

// Href is where the item is: its file's download or its link.
func (it LibraryItem) Href() string {
	if it.File != nil {
		return it.File.URL()
	}
	return it.URL
}

// LibraryInput adds an item: a file (Upload) or a link (URL).
type LibraryInput struct {
	Title       string  `json:"title"`
	Description string  `json:"description"`
	Kind        string  `json:"kind"`
	URL         string  `json:"url,omitempty"`
	File        *Upload `json:"-"`
}

const libraryColumns = `li.id, li.community_id, li.title, li.description, li.kind, li.url, COALESCE(li.uploaded_by, 0), COALESCE(u.name, ''), li.created_at,
	COALESCE(f.id, 0), COALESCE(f.name, ''), COALESCE(f.content_type, ''), COALESCE(f.size, 0), COALESCE(f.sha256, ''), f.created_at`

const libraryFrom = ` FROM library_items li LEFT JOIN learning_files f ON f.id = li.file_id LEFT JOIN users u ON u.id = li.uploaded_by`

func scanLibraryItem(row interface{ Scan(...any) error }) (LibraryItem, error) {
	var it LibraryItem
	var f File
	var fileAt sql.NullTime
	err := row.Scan(&it.ID, &it.CommunityID, &it.Title, &it.Description, &it.Kind, &it.URL, &it.UploadedBy, &it.Uploader, &it.CreatedAt,
		&f.ID, &f.Name, &f.ContentType, &f.Size, &f.SHA256, &fileAt)
	if f.ID != 0 {
		f.CreatedAt = fileAt.Time
		f.UploadedBy = it.UploadedBy
		it.File = &f
	}
	return it, db.MapError(err)
}

// Library lists a community's library, newest first, for its members (limit 0: all).
func (s *Service) Library(ctx context.Context, ref string, limit int) (Access, []LibraryItem, error) {
	a, err := s.inside(ctx, ref)
	if err != nil {
		return a, nil, err
	}
	items, err := listLibrary(ctx, s.DB, "li.community_id = ?", []any{a.Community.ID}, limit)
	return a, items, err
}

// LibraryPage lists a community's library for the API, newest first, by ID before the cursor.
func (s *Service) LibraryPage(ctx context.Context, ref string, pg api.Page) ([]LibraryItem, error) {
	a, err := s.inside(ctx, ref)
	if err != nil {
		return nil, err
	}
	where, args := "li.community_id = ?", []any{a.Community.ID}
	if pg.After > 0 {
		where += " AND li.id < ?"
		args = append(args, pg.After)
	}
	return listLibrary(ctx, s.DB, where, args, pg.Limit+1)
}

func listLibrary(ctx context.Context, q db.Q, where string, args []any, limit int) ([]LibraryItem, error) {
	query := "SELECT " + libraryColumns + libraryFrom + " WHERE " + where + " ORDER BY li.id DESC"
	if limit > 0 {
		query += " LIMIT " + cpItoa(int64(limit))
	}
	var out []LibraryItem
	err := db.Each(ctx, q, query, args, func(rows *sql.Rows) error {
		it, err := scanLibraryItem(rows)
		out = append(out, it)
		return err
	})
	return out, err
}

// AddLibraryItem adds a file or a link to a community's library (its members and those who
// manage it). The file is checked by SaveFile: at most MaxFileBytes, of an accepted type
// recognised from its bytes.
func (s *Service) AddLibraryItem(ctx context.Context, ref string, in LibraryInput) (LibraryItem, error) {
	p := authz.From(ctx)
	a, err := s.Community(ctx, ref)
	if err != nil {
		return LibraryItem{}, err
	}
	if !a.Inside() || !p.SignedIn() {
		return LibraryItem{}, audit.Deny(ctx, s.DB, "library.add", "community", a.Community.ID)
	}
	in.Title, in.Description, in.Kind, in.URL = strings.TrimSpace(in.Title), strings.TrimSpace(in.Description), strings.TrimSpace(in.Kind), strings.TrimSpace(in.URL)
	if in.Kind == "" {
		in.Kind = "tool"
	}
	var c valid.Checker
	c.Text("title", in.Title, "a title", maxThreadTitle)
	c.MaxLen("description", in.Description, 5000)
	c.OneOf("kind", in.Kind, libraryKindValues(), "what it is")
	hasFile := in.File != nil && in.File.Name != ""
	switch {
	case hasFile && in.URL != "":
		c.Add("url", "Give a file or a link, not both.")
	case !hasFile && in.URL == "":
		c.Add("file", "Choose a file to upload, or give a link.")
	case in.URL != "":
		c.URL("url", in.URL)
	}
	if err := c.Err(); err != nil {
		return LibraryItem{}, err
	}
	if hasFile {
		// Refuse a bad file before the transaction (the same check runs in SaveFile).
		if _, err := CheckFile(CleanFileName(in.File.Name), in.File.Data); err != nil {
			return LibraryItem{}, err
		}
	}
	var it LibraryItem
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var fileID any
		if hasFile {
			f, err := SaveFile(ctx, tx, in.File.Name, in.File.ContentType, in.File.Data, p.UserID)
			if err != nil {
				return err
			}
			fileID = f.ID
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO library_items (community_id, title, description, kind, file_id, url, uploaded_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, a.Community.ID, in.Title, in.Description, in.Kind, fileID, in.URL, p.UserID, s.Now()).Scan(&id); err != nil {
			return db.MapError(err)
		}
		if it, err = scanLibraryItem(tx.QueryRow(ctx, "SELECT "+libraryColumns+libraryFrom+" WHERE li.id = ?", id)); err != nil {
			return err
		}
		if err := search.Index(ctx, tx, search.Doc{Kind: LibraryKind, RecordID: id, Title: it.Title, Body: it.Description + "\n" + it.KindLabel(),
			URL: "/communities/" + a.Community.Slug + "/library#item-" + cpItoa(id), Visibility: search.VisCommunity, CommunityID: a.Community.ID}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "library.add", TargetKind: "library_item", TargetID: id, Target: it.Title})
	})
	return it, err
}

// A library file may be downloaded by those who may read its community's library.
func init() {
	RegisterFileOwner(func(ctx context.Context, q db.Q, v Viewer, fileID int64) (owned, visible bool, err error) {
		var ids []int64
		err = db.Each(ctx, q, "SELECT DISTINCT community_id FROM library_items WHERE file_id = ?", []any{fileID}, func(rows *sql.Rows) error {
			var id int64
			err := rows.Scan(&id)
			ids = append(ids, id)
			return err
		})
		if err != nil || len(ids) == 0 {
			return false, false, err
		}
		for _, id := range ids {
			if v.Communities[id] || v.P.SiteAdmin {
				return true, true, nil
			}
			var org int64
			if err := q.QueryRow(ctx, "SELECT COALESCE(organisation_id, 0) FROM communities WHERE id = ?", id).Scan(&org); err != nil {
				return true, false, err
			}
			if org != 0 && v.P.Can(authz.Manage, org) {
				return true, true, nil
			}
		}
		return true, false, nil
	})
}
