package learning

import (
	"archive/zip"
	"bytes"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// zipOf builds a zip with the named entries (stored, in order).
func zipOf(t testing.TB, entries ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range entries {
		body := "<x/>"
		if name == "mimetype" {
			body = "application/vnd.oasis.opendocument.text"
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var pngHeader = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

func TestCheckFile(t *testing.T) {
	docx := zipOf(t, "[Content_Types].xml", "word/document.xml")
	xlsxAsDocx := zipOf(t, "[Content_Types].xml", "xl/workbook.xml")
	odt := zipOf(t, "mimetype", "content.xml")
	cases := []struct {
		name   string
		data   []byte
		wantCT string // "" when refused
		tooBig bool
	}{
		{"report.pdf", []byte("%PDF-1.7\n..."), "application/pdf", false},
		{"REPORT.PDF", []byte("%PDF-1.4\n"), "application/pdf", false},
		{"notes.txt", []byte("plain notes\n"), "text/plain; charset=utf-8", false},
		{"data.csv", []byte("place,period,value\nLogan,2019,3\n"), "text/csv; charset=utf-8", false},
		{"chart.png", pngHeader, "image/png", false},
		{"photo.jpeg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF"), "image/jpeg", false},
		{"photo.jpg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF"), "image/jpeg", false},
		{"paper.docx", docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", false},
		{"sheet.xlsx", xlsxAsDocx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", false},
		{"paper.odt", odt, "application/vnd.oasis.opendocument.text", false},
		// Refused: the bytes do not match the name, or the type is not accepted.
		{"paper.docx", xlsxAsDocx, "", false},
		{"paper.docx", []byte("%PDF-1.7"), "", false},
		{"paper.ods", odt, "", false},
		{"page.txt", []byte("<html><script>alert(1)</script></html>"), "", false},
		{"page.html", []byte("<p>hi</p>"), "", false},
		{"image.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), "", false},
		{"run.exe", []byte("MZ\x90\x00"), "", false},
		{"notes.txt", []byte("bad \xff\xfe utf-8"), "", false},
		{"notes.txt", []byte("nul\x00byte"), "", false},
		{"chart.png", []byte("%PDF-1.7"), "", false},
		{"noextension", []byte("text"), "", false},
		{"empty.txt", nil, "", false},
		{"big.txt", bytes.Repeat([]byte("a"), MaxFileBytes+1), "", true},
	}
	for _, tc := range cases {
		ct, err := CheckFile(tc.name, tc.data)
		switch {
		case tc.tooBig:
			if !errors.Is(err, ErrFileTooLarge) {
				t.Errorf("%s: %v, want ErrFileTooLarge", tc.name, err)
			}
		case tc.wantCT == "":
			if ve, ok := valid.As(err); !ok || ve["file"] == "" {
				t.Errorf("%s (%q…): %q, %v; want a refusal on file", tc.name, clip(tc.data), ct, err)
			}
		default:
			if err != nil || ct != tc.wantCT {
				t.Errorf("%s: %q, %v; want %q", tc.name, ct, err, tc.wantCT)
			}
		}
	}
	// Exactly the limit is accepted.
	if _, err := CheckFile("max.txt", bytes.Repeat([]byte("a"), MaxFileBytes)); err != nil {
		t.Errorf("a file of exactly %d bytes: %v", MaxFileBytes, err)
	}
}

func clip(b []byte) string {
	if len(b) > 12 {
		b = b[:12]
	}
	return string(b)
}

func TestCleanFileName(t *testing.T) {
	for in, want := range map[string]string{
		"report.pdf":                      "report.pdf",
		`C:\Users\me\report.pdf`:          "report.pdf",
		"../../etc/passwd":                "passwd",
		"a\"b<c>d.txt":                    "abcd.txt",
		"line\nbreak.txt":                 "line break.txt",
		"..hidden.":                       "hidden",
		"Ōtara notes.txt":                 "Ōtara notes.txt",
		strings.Repeat("x", 300) + ".pdf": strings.Repeat("x", 196) + ".pdf",
	} {
		if got := CleanFileName(in); got != want {
			t.Errorf("CleanFileName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := contentDisposition("Ōtara \"notes\".txt"); got != `attachment; filename="_tara _notes_.txt"; filename*=UTF-8''%C5%8Ctara%20%22notes%22.txt` {
		t.Errorf("content disposition %s", got)
	}
}

// multipartBody builds an upload form with a file of size n (filled with 'a') in field.
func multipartBody(t testing.TB, field, name string, data []byte, extra map[string]string) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range extra {
		mw.WriteField(k, v)
	}
	if name != "" {
		w, err := mw.CreateFormFile(field, name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func TestReadUploadLimits(t *testing.T) {
	read := func(body *bytes.Buffer, ct string) (Upload, map[string][]string, error) {
		r := httptest.NewRequest("POST", "/x", body)
		r.Header.Set("Content-Type", ct)
		up, vals, err := ReadUpload(httptest.NewRecorder(), r, "file")
		return up, vals, err
	}
	// A file at the limit, with a title.
	body, ct := multipartBody(t, "file", "notes.txt", bytes.Repeat([]byte("a"), MaxFileBytes), map[string]string{"title": "Notes"})
	up, vals, err := read(body, ct)
	if err != nil || len(up.Data) != MaxFileBytes || up.Name != "notes.txt" || vals["title"][0] != "Notes" {
		t.Fatalf("at the limit: %v (%d bytes, %q, %v)", err, len(up.Data), up.Name, vals)
	}
	// One byte over: 413.
	body, ct = multipartBody(t, "file", "notes.txt", bytes.Repeat([]byte("a"), MaxFileBytes+1), nil)
	_, _, err = read(body, ct)
	var bad *api.BadRequest
	if !errors.As(err, &bad) || bad.Status != http.StatusRequestEntityTooLarge || !strings.Contains(bad.Msg, "10 MB") {
		t.Errorf("over the limit: %v", err)
	}
	// No file: a field error.
	body, ct = multipartBody(t, "file", "", nil, map[string]string{"title": "x"})
	if _, _, err = read(body, ct); err == nil {
		t.Error("no file: accepted")
	} else if ve, ok := valid.As(err); !ok || ve["file"] == "" {
		t.Errorf("no file: %v", err)
	}
	// Not multipart: 400.
	if _, _, err = read(bytes.NewBufferString("a=b"), "application/x-www-form-urlencoded"); !errors.As(err, &bad) || bad.Status != 0 {
		t.Errorf("not multipart: %v", err)
	}
	// A text field over its limit.
	body, ct = multipartBody(t, "file", "a.txt", []byte("a"), map[string]string{"title": strings.Repeat("t", maxUploadFieldBytes+1)})
	if _, _, err = read(body, ct); err == nil {
		t.Error("a huge text field: accepted")
	}
}

func FuzzCleanFileName(f *testing.F) {
	for _, s := range []string{"report.pdf", "../../x", "a\x00b.txt", "Ōtara.csv", strings.Repeat("é", 150) + ".docx"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got := CleanFileName(name)
		if len(got) > 200 || strings.ContainsAny(got, "/\\\"\r\n\x00<>") {
			t.Fatalf("CleanFileName(%q) = %q", name, got)
		}
		_ = contentDisposition(got)
		_, _ = CheckFile(got, []byte(name))
	})
}
