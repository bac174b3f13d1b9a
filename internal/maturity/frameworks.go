package maturity

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/search"
)

// builtinPacks are the packs every installation carries, in our own words.
//
//go:embed packs/*.yaml
var builtinPacks embed.FS

// FrameworkSearchKind is the search kind of framework documents, with its label.
const (
	FrameworkSearchKind  = "framework"
	FrameworkSearchLabel = "Self-assessment framework"
)

// BuiltinPack returns the file of a built-in pack by file name (charter.yaml, …).
func BuiltinPack(name string) ([]byte, error) {
	return builtinPacks.ReadFile(path.Join("packs", name))
}

// BuiltinPackNames lists the file names of the built-in packs.
func BuiltinPackNames() []string {
	entries, err := fs.ReadDir(builtinPacks, "packs")
	if err != nil {
		return nil
	}
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// CanImportFramework reports whether p may load framework packs: site admins and managers of
// any organisation.
func CanImportFramework(p authz.Principal) bool { return p.CanAny(authz.Manage) }

// ImportResult is what an import did.
type ImportResult struct {
	Framework Framework `json:"framework"`
	// AlreadyLoaded is true when this very pack (same id, version and content) was loaded
	// before: nothing was written.
	AlreadyLoaded bool `json:"already_loaded"`
}

// --- Store ---

const frameworkColumns = `f.id, f.key, f.version, f.title, f.subject, f.source, f.licence, f.builtin, f.created_at, f.pack,
	EXISTS (SELECT 1 FROM maturity_assessments a WHERE a.framework_id = f.id)`

func scanFramework(row interface{ Scan(...any) error }) (Framework, error) {
	var f Framework
	var pack string
	if err := row.Scan(&f.ID, &f.Key, &f.Version, &f.Title, &f.Subject, &f.Source, &f.Licence, &f.Builtin, &f.CreatedAt, &pack, &f.InUse); err != nil {
		return Framework{}, db.MapError(err)
	}
	f.CreatedAt = f.CreatedAt.UTC()
	f.Pack = &Pack{}
	if err := json.Unmarshal([]byte(pack), f.Pack); err != nil {
		return Framework{}, fmt.Errorf("framework %d: stored pack: %w", f.ID, err)
	}
	return f, nil
}

// Framework loads one framework with its pack.
func (Store) Framework(ctx context.Context, q db.Q, id int64) (Framework, error) {
	return scanFramework(q.QueryRow(ctx, "SELECT "+frameworkColumns+" FROM frameworks f WHERE f.id = ?", id))
}

// FrameworkByKey loads a framework by its pack id and version; the newest loaded version
// when version is "".
func (Store) FrameworkByKey(ctx context.Context, q db.Q, key, version string) (Framework, error) {
	if version == "" {
		return scanFramework(q.QueryRow(ctx, "SELECT "+frameworkColumns+" FROM frameworks f WHERE f.key = ? ORDER BY f.id DESC LIMIT 1", key))
	}
	return scanFramework(q.QueryRow(ctx, "SELECT "+frameworkColumns+" FROM frameworks f WHERE f.key = ? AND f.version = ?", key, version))
}

// Frameworks lists every framework with its pack, by title then newest version first.
func (Store) Frameworks(ctx context.Context, q db.Q) ([]Framework, error) {
	rows, err := q.Query(ctx, "SELECT "+frameworkColumns+" FROM frameworks f ORDER BY lower(f.title), f.key, f.id DESC")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Framework
	for rows.Next() {
		f, err := scanFramework(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// FrameworkOriginal is the file a framework was loaded from.
func (Store) FrameworkOriginal(ctx context.Context, q db.Q, id int64) (string, error) {
	var s string
	err := q.QueryRow(ctx, "SELECT original FROM frameworks WHERE id = ?", id).Scan(&s)
	return s, db.MapError(err)
}

// FrameworkUses counts the assessments that use a framework.
func (Store) FrameworkUses(ctx context.Context, q db.Q, id int64) (int, error) {
	var n int
	err := q.QueryRow(ctx, "SELECT COUNT(*) FROM maturity_assessments WHERE framework_id = ?", id).Scan(&n)
	return n, err
}

// InsertFramework stores a validated pack.
func (Store) InsertFramework(ctx context.Context, q db.Q, p *Pack, packJSON, original string, builtin bool, by int64) (int64, error) {
	var id int64
	var createdBy any
	if by != 0 {
		createdBy = by
	}
	err := q.QueryRow(ctx, `INSERT INTO frameworks (key, version, title, subject, source, licence, pack, original, builtin, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		p.Key, p.Version, p.Title, p.Subject, p.Source, p.Licence, packJSON, original, builtin, createdBy, db.Now()).Scan(&id)
	return id, db.MapError(err)
}

// --- Service ---

// Frameworks lists every loaded framework with its pack. Frameworks are published material:
// everyone may read them.
func (s *Service) Frameworks(ctx context.Context) ([]Framework, error) {
	return s.Store.Frameworks(ctx, s.DB)
}

// Framework loads one framework with its pack.
func (s *Service) Framework(ctx context.Context, id int64) (Framework, error) {
	return s.Store.Framework(ctx, s.DB, id)
}

// FrameworkByKey loads a framework by pack id and version ("" for the newest loaded).
func (s *Service) FrameworkByKey(ctx context.Context, key, version string) (Framework, error) {
	return s.Store.FrameworkByKey(ctx, s.DB, key, version)
}

// FrameworkOriginal returns the framework with the file it was loaded from.
func (s *Service) FrameworkOriginal(ctx context.Context, id int64) (Framework, string, error) {
	f, err := s.Store.Framework(ctx, s.DB, id)
	if err != nil {
		return Framework{}, "", err
	}
	text, err := s.Store.FrameworkOriginal(ctx, s.DB, id)
	return f, text, err
}

// InUse reports whether an assessment uses the framework: it can then never change.
func (s *Service) InUse(ctx context.Context, id int64) (bool, error) {
	if _, err := s.Store.Framework(ctx, s.DB, id); err != nil {
		return false, err
	}
	n, err := s.Store.FrameworkUses(ctx, s.DB, id)
	return n > 0, err
}

// Import validates a pack file and loads it as a new framework. Loading the same pack again
// changes nothing (AlreadyLoaded); a changed pack must carry a new version, since assessments
// must keep the wording they were answered against. Problems come back as PackErrors naming
// the line.
func (s *Service) Import(ctx context.Context, name string, data []byte) (ImportResult, error) {
	if !CanImportFramework(authz.From(ctx)) {
		return ImportResult{}, audit.Deny(ctx, s.DB, "framework.import", "framework", 0)
	}
	return s.load(ctx, name, data, false)
}

// EnsureBuiltins loads the built-in packs that are not yet loaded (by id and version). It is
// idempotent and asks for no permission: the application and the demo call it.
func (s *Service) EnsureBuiltins(ctx context.Context) error {
	for _, name := range BuiltinPackNames() {
		data, err := BuiltinPack(name)
		if err != nil {
			return err
		}
		p, err := ParsePack(name, data)
		if err != nil {
			return fmt.Errorf("built-in pack: %w", err)
		}
		if _, err := s.Store.FrameworkByKey(ctx, s.DB, p.Key, p.Version); err == nil {
			continue
		} else if !errors.Is(err, db.ErrNotFound) {
			return err
		}
		if _, err := s.load(ctx, name, data, true); err != nil {
			if _, ok := AsPackErrors(err); ok {
				// Loaded meanwhile by another server: same id and version.
				continue
			}
			return fmt.Errorf("built-in pack %s: %w", name, err)
		}
	}
	return nil
}

// isBuiltin reports whether a pack, as canonical JSON, is one of the built-in packs.
func isBuiltin(canonical []byte) bool {
	for _, name := range BuiltinPackNames() {
		data, err := BuiltinPack(name)
		if err != nil {
			continue
		}
		p, err := ParsePack(name, data)
		if err != nil {
			continue
		}
		if b, err := json.Marshal(p); err == nil && bytes.Equal(b, canonical) {
			return true
		}
	}
	return false
}

func frameworkDoc(f Framework) search.Doc {
	var body []string
	if f.Pack != nil {
		body = append(body, f.Pack.Description, f.Source)
		var walk func(ds []Dimension)
		walk = func(ds []Dimension) {
			for _, d := range ds {
				body = append(body, d.Title, d.Description)
				for _, it := range d.Items {
					body = append(body, it.Statement)
				}
				walk(d.Dimensions)
			}
		}
		walk(f.Pack.Dimensions)
	}
	return search.Doc{Kind: FrameworkSearchKind, RecordID: f.ID, Title: f.Title + " (version " + f.Version + ")",
		Body: strings.Join(body, " "), URL: fmt.Sprintf("/frameworks/%d", f.ID), Public: true}
}

// load parses, compares with what is loaded and inserts, in one transaction.
func (s *Service) load(ctx context.Context, name string, data []byte, builtin bool) (ImportResult, error) {
	p, lines, err := parsePack(name, data)
	if err != nil {
		return ImportResult{}, err
	}
	canonical, err := json.Marshal(p)
	if err != nil {
		return ImportResult{}, err
	}
	// A built-in pack loaded by hand (or from a copy of its file) is still the built-in one.
	builtin = builtin || isBuiltin(canonical)
	versionTaken := func(existing Framework, uses int) error {
		problem := fmt.Sprintf("version %s of %q is already loaded with different content: give the changed pack a new version (assessments keep the version they were answered against)", p.Version, p.Key)
		if uses > 0 {
			problem = fmt.Sprintf("version %s of %q is used by %d assessments and can never change: give the changed pack a new version", p.Version, p.Key, uses)
		}
		return PackErrors{{File: name, Line: max(lines["version"], 1), Path: "version", Problem: problem}}
	}
	var res ImportResult
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		existing, err := s.Store.FrameworkByKey(ctx, tx, p.Key, p.Version)
		switch {
		case err == nil:
			same, err := json.Marshal(existing.Pack)
			if err != nil {
				return err
			}
			if bytes.Equal(same, canonical) {
				res = ImportResult{Framework: existing, AlreadyLoaded: true}
				return nil
			}
			uses, err := s.Store.FrameworkUses(ctx, tx, existing.ID)
			if err != nil {
				return err
			}
			return versionTaken(existing, uses)
		case !errors.Is(err, db.ErrNotFound):
			return err
		}
		id, err := s.Store.InsertFramework(ctx, tx, p, string(canonical), string(data), builtin, authz.From(ctx).UserID)
		if errors.Is(err, db.ErrConflict) {
			return versionTaken(Framework{}, 0)
		} else if err != nil {
			return err
		}
		f, err := s.Store.Framework(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := search.Index(ctx, tx, frameworkDoc(f)); err != nil {
			return err
		}
		detail := fmt.Sprintf("%s %s: %d items from %s", p.Key, p.Version, len(p.Items()), name)
		if builtin {
			detail += " (built in)"
		}
		e := audit.Entry{Action: "framework.import", TargetKind: "framework", TargetID: id, Target: f.Title, Detail: detail}
		if p := authz.From(ctx); !p.SignedIn() && p.Name == "" {
			e.Actor = "system"
		}
		res = ImportResult{Framework: f}
		return audit.Record(ctx, tx, e)
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}
