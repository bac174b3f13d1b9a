package learning

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// Files: case-study attachments and community library items. Every file is checked here —
// its size, and its type sniffed from its bytes and matched with its extension (what the
// browser claims is not trusted) — then kept in learning_files, and sent back only as a
// download (Content-Disposition: attachment, nosniff) to those who may see a record that
// holds it.

// MaxFileBytes is the largest file accepted (10 MiB).
const MaxFileBytes = 10 << 20

// maxUploadFields bounds the other fields of an upload form (a title, a description…).
const (
	maxUploadFields     = 20
	maxUploadFieldBytes = 64 << 10
)

// fileType is an accepted kind of file: its extensions, the type it is stored and sent with,
// and how its bytes are recognised.
type fileType struct {
	exts        []string
	contentType string
	label       string
	check       func(data []byte, sniffed string) bool
}

var fileTypes = []fileType{
	{[]string{".pdf"}, "application/pdf", "PDF", func(_ []byte, s string) bool { return s == "application/pdf" }},
	{[]string{".docx"}, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word (.docx)", ooxml("word/")},
	{[]string{".xlsx"}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel (.xlsx)", ooxml("xl/")},
	{[]string{".pptx"}, "application/vnd.openxmlformats-officedocument.presentationml.presentation", "PowerPoint (.pptx)", ooxml("ppt/")},
	{[]string{".odt"}, "application/vnd.oasis.opendocument.text", "OpenDocument text (.odt)", odf("application/vnd.oasis.opendocument.text")},
	{[]string{".ods"}, "application/vnd.oasis.opendocument.spreadsheet", "OpenDocument spreadsheet (.ods)", odf("application/vnd.oasis.opendocument.spreadsheet")},
	{[]string{".csv"}, "text/csv; charset=utf-8", "CSV", plainText},
	{[]string{".txt"}, "text/plain; charset=utf-8", "plain text (.txt)", plainText},
	{[]string{".png"}, "image/png", "PNG", func(_ []byte, s string) bool { return s == "image/png" }},
	{[]string{".jpg", ".jpeg"}, "image/jpeg", "JPEG", func(_ []byte, s string) bool { return s == "image/jpeg" }},
}

// FileTypesText lists the accepted types for people ("PDF, Word (.docx), …").
func FileTypesText() string {
	labels := make([]string, len(fileTypes))
	for i, t := range fileTypes {
		labels[i] = t.label
	}
	return strings.Join(labels, ", ")
}

// FileAccept is the accept attribute of a file input.
func FileAccept() string {
	var exts []string
	for _, t := range fileTypes {
		exts = append(exts, t.exts...)
	}
	return strings.Join(exts, ",")
}

// MaxFileText is the size limit for people ("10 MB").
func MaxFileText() string { return fmt.Sprintf("%d MB", MaxFileBytes>>20) }

// ooxml recognises an Office Open XML file: a zip holding [Content_Types].xml and the part
// folder of its kind.
func ooxml(folder string) func([]byte, string) bool {
	return func(data []byte, sniffed string) bool {
		if sniffed != "application/zip" {
			return false
		}
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return false
		}
		var types, part bool
		for _, f := range zr.File {
			types = types || f.Name == "[Content_Types].xml"
			part = part || strings.HasPrefix(f.Name, folder)
		}
		return types && part
	}
}

// odf recognises an OpenDocument file: a zip whose first entry, "mimetype", stored without
// compression, names its type.
func odf(mt string) func([]byte, string) bool {
	return func(data []byte, sniffed string) bool {
		return sniffed == "application/zip" && len(data) > 38+len(mt) &&
			string(data[30:38]) == "mimetype" && string(data[38:38+len(mt)]) == mt
	}
}

// plainText accepts UTF-8 text (CSV or .txt) that no browser would take for HTML or a script.
func plainText(data []byte, sniffed string) bool {
	return strings.HasPrefix(sniffed, "text/plain") && utf8.Valid(data) && !bytes.ContainsRune(data, 0)
}

// File is a stored file, without its bytes.
type File struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	UploadedBy  int64     `json:"uploaded_by,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// URL is the file's download address.
func (f File) URL() string { return "/files/" + strconv.FormatInt(f.ID, 10) }

// SizeText is the size for people ("340 KB").
func (f File) SizeText() string {
	switch {
	case f.Size >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(f.Size)/(1<<20))
	case f.Size >= 1<<10:
		return fmt.Sprintf("%d KB", (f.Size+1<<9)>>10)
	}
	return fmt.Sprintf("%d bytes", f.Size)
}

// ErrFileTooLarge is returned for a file over MaxFileBytes; handlers answer 413.
var ErrFileTooLarge = &api.BadRequest{Status: http.StatusRequestEntityTooLarge,
	Msg:    fmt.Sprintf("The file is too large: send a file of %d MB or less.", MaxFileBytes>>20),
	Errors: map[string]string{"file": fmt.Sprintf("The file is too large: choose a file of %d MB or less.", MaxFileBytes>>20)}}

// CleanFileName makes a client's file name safe to store and send: the last path element,
// without control characters, quotes or separators, at most 200 bytes (keeping the extension).
func CleanFileName(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return ' '
		case unicode.IsControl(r), r == '"', r == '<', r == '>', r == ':', r == '*', r == '?', r == '|', r == ';':
			return -1
		}
		return r
	}, name)
	name = strings.Trim(strings.TrimSpace(name), ".")
	if len(name) > 200 {
		ext := path.Ext(name)
		if len(ext) > 10 {
			ext = ""
		}
		name = valid.Truncate(name[:len(name)-len(ext)], 200-len(ext)) + ext
	}
	return name
}

// CheckFile decides whether a file may be kept, and with which content type: its size, and
// its extension matched with the type its bytes show. Refusals are field errors on "file"
// (ErrFileTooLarge for the size).
func CheckFile(name string, data []byte) (contentType string, err error) {
	if len(data) > MaxFileBytes {
		return "", ErrFileTooLarge
	}
	if name == "" {
		return "", valid.Errors{"file": "Choose a file to upload."}
	}
	if len(data) == 0 {
		return "", valid.Errors{"file": "The file is empty: choose a file with something in it."}
	}
	ext := strings.ToLower(path.Ext(name))
	sniffed := http.DetectContentType(data)
	for _, t := range fileTypes {
		for _, e := range t.exts {
			if e != ext {
				continue
			}
			if !t.check(data, sniffed) {
				return "", valid.Errors{"file": fmt.Sprintf("This file is named %s but is not a %s file: check it, or save it again as %s.", ext, t.label, t.label)}
			}
			return t.contentType, nil
		}
	}
	return "", valid.Errors{"file": "Files of this type cannot be uploaded. Use one of: " + FileTypesText() + "."}
}

// SaveFile checks and stores a file in the caller's transaction tx, uploaded by uploadedBy
// (0: nobody, e.g. the demo). contentType is what the client claimed; it is not trusted: the
// stored type comes from CheckFile. Refusals are field errors on "file" (ErrFileTooLarge,
// which handlers answer with 413, for the size; valid.Errors, 422, for the type).
func SaveFile(ctx context.Context, tx db.Q, name, contentType string, data []byte, uploadedBy int64) (File, error) {
	_ = contentType // the client's claim; the bytes decide
	name = CleanFileName(name)
	ct, err := CheckFile(name, data)
	if err != nil {
		return File{}, err
	}
	sum := sha256.Sum256(data)
	f := File{Name: name, ContentType: ct, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), UploadedBy: uploadedBy, CreatedAt: db.Now()}
	var by any
	if uploadedBy != 0 {
		by = uploadedBy
	}
	err = tx.QueryRow(ctx, `INSERT INTO learning_files (name, content_type, size, sha256, data, uploaded_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, f.Name, f.ContentType, f.Size, f.SHA256, data, by, f.CreatedAt).Scan(&f.ID)
	return f, db.MapError(err)
}

const fileColumns = "id, name, content_type, size, sha256, COALESCE(uploaded_by, 0), created_at"

func scanFile(row interface{ Scan(...any) error }) (File, error) {
	var f File
	err := row.Scan(&f.ID, &f.Name, &f.ContentType, &f.Size, &f.SHA256, &f.UploadedBy, &f.CreatedAt)
	return f, db.MapError(err)
}

// LoadFile reads a file's details (without its bytes).
func LoadFile(ctx context.Context, q db.Q, id int64) (File, error) {
	return scanFile(q.QueryRow(ctx, "SELECT "+fileColumns+" FROM learning_files WHERE id = ?", id))
}

// FileData reads a file's bytes.
func FileData(ctx context.Context, q db.Q, id int64) ([]byte, error) {
	var data []byte
	err := q.QueryRow(ctx, "SELECT data FROM learning_files WHERE id = ?", id).Scan(&data)
	return data, db.MapError(err)
}

// FileOwner tells whether records of one kind hold a file (owned) and whether the viewer may
// see at least one of them (visible). Each area that attaches files registers one with
// RegisterFileOwner from an init function; the download checks them all.
type FileOwner func(ctx context.Context, q db.Q, v Viewer, fileID int64) (owned, visible bool, err error)

// fileOwners is filled by init functions only, and read-only afterwards.
var fileOwners []FileOwner

// RegisterFileOwner adds a kind of record that holds files (call it from init).
func RegisterFileOwner(f FileOwner) { fileOwners = append(fileOwners, f) }

// CanSeeFile reports whether the viewer may download a file: when a record holding it is
// visible to them; a file no record holds yet only to the person who uploaded it and site
// admins.
func (s *Service) CanSeeFile(ctx context.Context, v Viewer, f File) (bool, error) {
	if v.P.SiteAdmin {
		return true, nil
	}
	anyOwner := false
	for _, owner := range fileOwners {
		owned, visible, err := owner(ctx, s.DB, v, f.ID)
		if err != nil {
			return false, err
		}
		if visible {
			return true, nil
		}
		anyOwner = anyOwner || owned
	}
	return !anyOwner && f.UploadedBy != 0 && f.UploadedBy == v.P.UserID, nil
}

// Upload is a file read from a multipart form.
type Upload struct {
	Name        string // as the client named it (cleaned)
	ContentType string // as the client claimed it (not trusted)
	Data        []byte
}

// ReadUpload reads a multipart form holding one file in field and small text fields
// (returned as values), streaming it with a limit: a file over MaxFileBytes is
// ErrFileTooLarge (413), a form that is not multipart or is malformed a 400, a form without
// a file a field error on "file". Size and type are checked again by SaveFile.
func ReadUpload(w http.ResponseWriter, r *http.Request, field string) (Upload, url.Values, error) {
	values := url.Values{}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return Upload{}, values, &api.BadRequest{Msg: "Send the file as multipart/form-data, from the page's upload form."}
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxFileBytes+maxUploadFields*maxUploadFieldBytes+(64<<10))
	mr, err := r.MultipartReader()
	if err != nil {
		return Upload{}, values, &api.BadRequest{Msg: "The upload could not be read: send it again from the page."}
	}
	var up Upload
	found := false
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Upload{}, values, uploadError(err)
		}
		if n > maxUploadFields+1 {
			part.Close()
			return Upload{}, values, &api.BadRequest{Msg: "The upload form has too many fields."}
		}
		name := part.FormName()
		if name == field && part.FileName() != "" && !found {
			data, err := io.ReadAll(io.LimitReader(part, MaxFileBytes+1))
			if err != nil {
				part.Close()
				return Upload{}, values, uploadError(err)
			}
			if len(data) > MaxFileBytes {
				part.Close()
				return Upload{}, values, ErrFileTooLarge
			}
			up = Upload{Name: CleanFileName(part.FileName()), ContentType: part.Header.Get("Content-Type"), Data: data}
			found = true
		} else if part.FileName() == "" && name != "" {
			b, err := io.ReadAll(io.LimitReader(part, maxUploadFieldBytes+1))
			if err != nil {
				part.Close()
				return Upload{}, values, uploadError(err)
			}
			if len(b) > maxUploadFieldBytes {
				part.Close()
				return Upload{}, values, valid.Errors{name: fmt.Sprintf("Use %d characters or fewer.", maxUploadFieldBytes)}
			}
			values.Add(name, strings.ToValidUTF8(string(b), "\uFFFD"))
		}
		part.Close()
	}
	if !found {
		return Upload{}, values, valid.Errors{"file": "Choose a file to upload."}
	}
	return up, values, nil
}

func uploadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return ErrFileTooLarge
	}
	return &api.BadRequest{Msg: "The upload could not be read: send it again from the page."}
}

// fileDownload serves GET /files/{id}: the file, as an attachment, to those who may see a
// record holding it; 404 to everyone else.
func (h *Web) fileDownload(w http.ResponseWriter, r *http.Request) error {
	id, err := api.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	f, err := LoadFile(ctx, h.Svc.DB, id)
	if err != nil {
		return err
	}
	v, err := h.Svc.ViewerOf(ctx)
	if err != nil {
		return err
	}
	ok, err := h.Svc.CanSeeFile(ctx, v, f)
	if err != nil {
		return err
	}
	if !ok {
		return db.ErrNotFound
	}
	data, err := FileData(ctx, h.Svc.DB, id)
	if err != nil {
		return err
	}
	hd := w.Header()
	hd.Set("Content-Type", f.ContentType)
	hd.Set("Content-Disposition", contentDisposition(f.Name))
	hd.Set("Content-Length", strconv.Itoa(len(data)))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	hd.Set("ETag", `"`+f.SHA256+`"`)
	if authz.From(ctx).SignedIn() {
		hd.Set("Cache-Control", "private, no-store")
	} else {
		hd.Set("Cache-Control", "public, max-age=300")
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(data)
	}
	return nil
}

// contentDisposition is an attachment header with an ASCII fallback name and the UTF-8 name
// (RFC 6266 / RFC 5987).
func contentDisposition(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	if ascii == "" {
		ascii = "file"
	}
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, url.PathEscape(name))
}
