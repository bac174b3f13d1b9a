package learning

import (
	"bytes"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/db/dbtest"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// TestLibraryUploads checks the library's uploads through files.go: the size limit, types
// recognised from the bytes, links, who may add, and who may download.
func TestLibraryUploads(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newCPFixture(t, d)
		c := f.community(t, "Library practice", JoinOpen, "member1")
		csv := []byte("step,who,what\n1,resident,calls the service centre\n")
		cases := []struct {
			name    string
			who     string
			in      LibraryInput
			wantErr string // "" ok; "forbidden"; "too large"; or a field
		}{
			{"a CSV template", "member1", LibraryInput{Title: "Journey map", Kind: "template", File: &Upload{Name: "journey.csv", ContentType: "text/csv", Data: csv}}, ""},
			{"a link", "manager-a", LibraryInput{Title: "The CMT", Kind: "tool", URL: "https://example.gov.au/cmt"}, ""},
			{"too large", "member1", LibraryInput{Title: "Big", File: &Upload{Name: "big.txt", Data: bytes.Repeat([]byte("a"), MaxFileBytes+1)}}, "too large"},
			{"HTML named .txt", "member1", LibraryInput{Title: "Sneaky", File: &Upload{Name: "notes.txt", ContentType: "text/plain", Data: []byte("<html><script>alert(1)</script></html>")}}, "file"},
			{"a program", "member1", LibraryInput{Title: "Tool", File: &Upload{Name: "tool.exe", Data: []byte("MZ\x90\x00binary")}}, "file"},
			{"PNG claimed as PDF", "member1", LibraryInput{Title: "Fake", File: &Upload{Name: "report.pdf", ContentType: "application/pdf", Data: []byte("\x89PNG\r\n\x1a\n0000")}}, "file"},
			{"an empty file", "member1", LibraryInput{Title: "Empty", File: &Upload{Name: "empty.csv", Data: nil}}, "file"},
			{"neither file nor link", "member1", LibraryInput{Title: "Nothing"}, "file"},
			{"both", "member1", LibraryInput{Title: "Both", URL: "https://x.example", File: &Upload{Name: "a.csv", Data: csv}}, "url"},
			{"a script link", "member1", LibraryInput{Title: "Bad link", URL: "javascript:alert(1)"}, "url"},
			{"no title", "member1", LibraryInput{URL: "https://x.example"}, "title"},
			{"an outsider", "outsider", LibraryInput{Title: "Mine", URL: "https://x.example"}, "forbidden"},
			{"B's manager", "manager-b", LibraryInput{Title: "Mine", URL: "https://x.example"}, "forbidden"},
		}
		var fileID int64
		for _, tc := range cases {
			it, err := f.s.AddLibraryItem(f.as(tc.who), c.Slug, tc.in)
			switch tc.wantErr {
			case "":
				if err != nil {
					t.Errorf("%s: %v", tc.name, err)
				} else if tc.in.File != nil {
					if it.File == nil || it.File.ContentType != "text/csv; charset=utf-8" || it.File.Size != int64(len(csv)) {
						t.Errorf("%s: stored file %+v", tc.name, it.File)
					} else {
						fileID = it.File.ID
					}
				}
			case "forbidden":
				if !errors.Is(err, authz.ErrForbidden) {
					t.Errorf("%s: %v, want forbidden", tc.name, err)
				}
			case "too large":
				if !errors.Is(err, ErrFileTooLarge) {
					t.Errorf("%s: %v, want too large", tc.name, err)
				}
			default:
				if ve, ok := valid.As(err); !ok || ve[tc.wantErr] == "" {
					t.Errorf("%s: %v, want a message on %s", tc.name, err, tc.wantErr)
				}
			}
		}
		var items, files int
		if err := d.QueryRow(f.as("site-admin"), "SELECT (SELECT COUNT(*) FROM library_items), (SELECT COUNT(*) FROM learning_files)").Scan(&items, &files); err != nil {
			t.Fatal(err)
		}
		if items != 2 || files != 1 {
			t.Errorf("stored %d items and %d files, want 2 and 1 (refusals change nothing)", items, files)
		}
		// Reading the library and downloading its files: members and those who run it.
		for who, want := range map[string]bool{"member1": true, "manager-a": true, "site-admin": true, "outsider": false, "viewer-a": false, "anonymous": false} {
			_, list, err := f.s.Library(f.as(who), c.Slug, 0)
			if want && (err != nil || len(list) != 2) {
				t.Errorf("%s reads the library: %d items, %v", who, len(list), err)
			}
			if !want && !errors.Is(err, authz.ErrForbidden) {
				t.Errorf("%s reads the library: %v", who, err)
			}
			v, err := f.s.ViewerOf(f.as(who))
			if err != nil {
				t.Fatal(err)
			}
			file, err := LoadFile(f.as(who), d, fileID)
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := f.s.CanSeeFile(f.as(who), v, file); err != nil || ok != want {
				t.Errorf("%s downloads the library file: %v %v, want %v", who, ok, err, want)
			}
		}
	})
}

// TestLibraryUploadPage posts the multipart form: a good file lands in the library; a file
// over the limit gets 413 with the message beside the field; a wrong type 422.
func TestLibraryUploadPage(t *testing.T) {
	d := dbtest.SQLite(t)
	f := newCPFixture(t, d)
	c := f.community(t, "Upload practice", JoinOpen, "member1")
	h := f.handler(t)
	post := func(who, name string, data []byte, fields map[string]string) cpResp {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for k, v := range fields {
			_ = mw.WriteField(k, v)
		}
		if name != "" {
			fw, _ := mw.CreateFormFile("file", name)
			_, _ = fw.Write(data)
		}
		mw.Close()
		req := httptest.NewRequest("POST", c.URL()+"/library", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("X-Test-As", who)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return cpResp{code: rec.Code, body: rec.Body.String(), hdr: rec.Header()}
	}
	r := post("member1", "plan.csv", []byte("a,b\n1,2\n"), map[string]string{"title": "Engagement plan", "kind": "template"})
	if r.code != http.StatusSeeOther || !strings.HasPrefix(r.hdr.Get("Location"), c.URL()+"/library#item-") {
		t.Fatalf("upload: %d %s", r.code, r.hdr.Get("Location"))
	}
	r = post("member1", "big.csv", bytes.Repeat([]byte("a,b\n"), MaxFileBytes/4+1), map[string]string{"title": "Big"})
	if r.code != http.StatusRequestEntityTooLarge {
		t.Fatalf("too large: %d", r.code)
	}
	cpHas(t, "the too-large page", r.body, "The file is too large", `id="f-file-error"`, `value="Big"`)
	r = post("member1", "page.txt", []byte("<!DOCTYPE html><html><body>x</body></html>"), map[string]string{"title": "Page"})
	if r.code != http.StatusUnprocessableEntity {
		t.Fatalf("HTML as text: %d", r.code)
	}
	cpHas(t, "the wrong-type page", r.body, "is not a plain text (.txt) file", "There is a problem")
	r = post("outsider", "plan.csv", []byte("a,b\n"), map[string]string{"title": "Mine"})
	if r.code != http.StatusForbidden {
		t.Errorf("outsider uploads: %d", r.code)
	}
	// The library lists the file as a download.
	r = cpDo(t, h, "member1", "GET", c.URL()+"/library", nil)
	cpHas(t, "the library", r.body, "Engagement plan", "plan.csv", "Template", " download>")
}
