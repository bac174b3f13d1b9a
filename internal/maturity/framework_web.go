package maturity

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/api"
	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

const frameworkAPITag = "Self-assessment frameworks"

// frameworkRoutes registers the framework pages and API. Frameworks are published material:
// anyone may read them; site admins and managers of any organisation load new ones.
func (h *Web) frameworkRoutes(rt *web.Router) {
	rt.Page("GET", "/frameworks", web.Public, h.frameworkList)
	rt.Page("GET", "/frameworks/import", web.SignedIn, h.frameworkImportForm)
	rt.Page("POST", "/frameworks/import", web.SignedIn, h.frameworkImportUpload)
	rt.Page("GET", "/frameworks/{id}", web.Public, h.frameworkShow)
	rt.Page("GET", "/frameworks/{id}/download", web.Public, h.frameworkDownload)

	ex := frameworkExample()
	rt.API("GET", "/api/v1/frameworks", web.Public, frameworkAPITag, "List the self-assessment frameworks (every loaded pack version)",
		h.apiFrameworkList, web.Body(nil, api.List[FrameworkSummary]{Items: []FrameworkSummary{fwSummary(ex)}}))
	rt.API("GET", "/api/v1/frameworks/{id}", web.Public, frameworkAPITag, "Get a framework: the whole pack with its levels, answer sets and dimensions",
		h.apiFrameworkGet, web.Body(nil, fwDetail(ex)))
	rt.API("POST", "/api/v1/frameworks", web.SignedIn, frameworkAPITag,
		"Load a framework pack (site admins and managers): the body is the pack itself, as JSON (application/json) or YAML (application/yaml), at most 1 MiB. "+
			"Problems come back as 422 with one message per problem naming the line. The same pack again is 200 with already_loaded; a changed pack needs a new version.",
		h.apiFrameworkImport, web.Body(ex.Pack, ImportResponse{Framework: fwDetail(ex)}))
}

// FrameworkSummary is a framework in a list: what it is, without its content.
type FrameworkSummary struct {
	Framework
	Description string `json:"description,omitempty"`
	Dimensions  int    `json:"dimension_count"`
	Items       int    `json:"item_count"`
	URL         string `json:"url"`
}

// FrameworkDetail is a framework with the whole pack: levels, answer sets and dimensions.
type FrameworkDetail struct {
	Framework
	Description string      `json:"description,omitempty"`
	Levels      []Level     `json:"levels"`
	AnswerSets  []AnswerSet `json:"answer_sets"`
	Dimensions  []Dimension `json:"dimensions"`
	Items       int         `json:"item_count"`
}

// ImportResponse is the answer to loading a pack.
type ImportResponse struct {
	Framework     FrameworkDetail `json:"framework"`
	AlreadyLoaded bool            `json:"already_loaded"`
}

func fwSummary(f Framework) FrameworkSummary {
	s := FrameworkSummary{Framework: f, URL: fmt.Sprintf("/frameworks/%d", f.ID)}
	if f.Pack != nil {
		s.Description, s.Dimensions, s.Items = f.Pack.Description, len(f.Pack.Dimensions), len(f.Pack.Items())
	}
	s.Pack = nil
	return s
}

func fwDetail(f Framework) FrameworkDetail {
	d := FrameworkDetail{Framework: f, Levels: []Level{}, AnswerSets: []AnswerSet{}, Dimensions: []Dimension{}}
	if p := f.Pack; p != nil {
		d.Description, d.Items = p.Description, len(p.Items())
		if p.Levels != nil {
			d.Levels = p.Levels
		}
		if p.AnswerSets != nil {
			d.AnswerSets = p.AnswerSets
		}
		if p.Dimensions != nil {
			d.Dimensions = p.Dimensions
		}
	}
	d.Pack = nil
	return d
}

// frameworkExample is the example of the API documentation: a small pack.
func frameworkExample() Framework {
	p := &Pack{Key: "charter-engagement", Version: "1.0", Title: "Charter engagement maturity", Subject: "organisation",
		Description: "How far an agency's engagement practice lives up to the six principles of the APS Charter of Partnerships and Engagement.",
		Source:      "Based on the principles of the APS Charter of Partnerships and Engagement (2023); wording by Joined Up contributors.",
		Licence:     "CC BY 4.0, Joined Up contributors",
		Levels:      []Level{{Label: "Initial", From: 0}, {Label: "Developing", From: 20}, {Label: "Established", From: 40}, {Label: "Advanced", From: 60}, {Label: "Leading", From: 80}},
		AnswerSets: []AnswerSet{{ID: "maturity", NotApplicable: true, DontKnow: true, Options: []Option{
			{Value: 1, Label: "Initial"}, {Value: 2, Label: "Developing"}, {Value: 3, Label: "Established"}, {Value: 4, Label: "Advanced"}, {Value: 5, Label: "Leading"}}}},
		Dimensions: []Dimension{{ID: "open", Title: "Be open", Items: []Item{{ID: "open-early", AnswerSet: "maturity",
			Statement:   "We involve people before the important choices are made.",
			Descriptors: []string{"People hear of decisions once they are made.", "Some teams ask for views, mostly late.", "Engagement plans start at the design stage.", "Options are shaped with the people affected.", "People help frame the problem itself."},
			Evidence:    []string{"Engagement plans with dates against the decision timeline"},
			Guidance:    "Put engagement into the project plan before the options paper."}}}},
	}
	return Framework{ID: 1, Key: p.Key, Version: p.Version, Title: p.Title, Subject: p.Subject, Source: p.Source, Licence: p.Licence,
		Builtin: true, CreatedAt: time.Date(2024, 7, 29, 9, 0, 0, 0, time.UTC), Pack: p}
}

// --- pages ---

type frameworkListData struct {
	Frameworks []FrameworkSummary
	CanImport  bool
}

func (h *Web) frameworkList(w http.ResponseWriter, r *http.Request) error {
	fs, err := h.Svc.Frameworks(r.Context())
	if err != nil {
		return err
	}
	data := frameworkListData{CanImport: CanImportFramework(authz.From(r.Context()))}
	for _, f := range fs {
		data.Frameworks = append(data.Frameworks, fwSummary(f))
	}
	h.Render.OK(w, r, "maturity/framework_list", web.Page{Title: "Self-assessment frameworks", Data: data,
		Breadcrumbs: []web.Crumb{{Label: "Frameworks"}}})
	return nil
}

// frameworkView is a pack laid out for reading: numbered dimensions and items, each item's
// descriptors beside the options they describe.
type frameworkView struct {
	Framework  Framework
	Pack       *Pack
	Items      int
	Levels     []levelView
	Dimensions []dimensionView
	CanImport  bool
}

type levelView struct {
	Level
	Range string
}

type dimensionView struct {
	Dimension
	Number     string
	Sub        bool // a sub-dimension
	Items      []itemView
	Dimensions []dimensionView
}

type itemView struct {
	Item
	Number string
	Set    AnswerSet
	Rows   []descriptorRow
}

type descriptorRow struct {
	Label, Value, Descriptor string
}

func fwNumber(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func viewFramework(f Framework) frameworkView {
	p := f.Pack
	v := frameworkView{Framework: f, Pack: p, Items: len(p.Items())}
	for i, l := range p.Levels {
		to := "100"
		if i+1 < len(p.Levels) {
			to = "under " + fwNumber(p.Levels[i+1].From)
		}
		v.Levels = append(v.Levels, levelView{Level: l, Range: fwNumber(l.From) + " to " + to})
	}
	var dims func(ds []Dimension, prefix string) []dimensionView
	dims = func(ds []Dimension, prefix string) []dimensionView {
		var out []dimensionView
		for i, d := range ds {
			dv := dimensionView{Dimension: d, Number: prefix + strconv.Itoa(i+1), Sub: prefix != ""}
			for j, it := range d.Items {
				iv := itemView{Item: it, Number: dv.Number + "." + strconv.Itoa(j+1)}
				iv.Set, _ = p.AnswerSetOf(it)
				for k, o := range iv.Set.Options {
					row := descriptorRow{Label: o.Label, Value: o.Key()}
					if k < len(it.Descriptors) {
						row.Descriptor = it.Descriptors[k]
					}
					iv.Rows = append(iv.Rows, row)
				}
				dv.Items = append(dv.Items, iv)
			}
			dv.Dimensions = dims(d.Dimensions, dv.Number+".")
			out = append(out, dv)
		}
		return out
	}
	v.Dimensions = dims(p.Dimensions, "")
	return v
}

func (h *Web) frameworkShow(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	f, err := h.Svc.Framework(r.Context(), id)
	if err != nil {
		return err
	}
	v := viewFramework(f)
	v.CanImport = CanImportFramework(authz.From(r.Context()))
	h.Render.OK(w, r, "maturity/framework_show", web.Page{Title: f.Title + " (version " + f.Version + ")", Data: v,
		Breadcrumbs: []web.Crumb{{Label: "Frameworks", URL: "/frameworks"}, {Label: f.Title}}})
	return nil
}

func (h *Web) frameworkDownload(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	f, text, err := h.Svc.FrameworkOriginal(r.Context(), id)
	if err != nil {
		return err
	}
	ext, ct := ".yaml", "application/yaml; charset=utf-8"
	if t := strings.TrimSpace(text); strings.HasPrefix(t, "{") {
		ext, ct = ".json", "application/json; charset=utf-8"
	}
	hd := w.Header()
	hd.Set("Content-Type", ct)
	hd.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s%s"`, f.Key, f.Version, ext))
	hd.Set("X-Content-Type-Options", "nosniff")
	_, _ = io.WriteString(w, text)
	return nil
}

// --- the upload page ---

type frameworkImportData struct {
	Problems PackErrors
	FileName string
}

func (h *Web) frameworkImportPage(w http.ResponseWriter, r *http.Request, status int, f *web.Form, data frameworkImportData) {
	h.Render.Render(w, r, status, "maturity/framework_import", web.Page{Title: "Load a framework", Form: f, Data: data,
		Breadcrumbs: []web.Crumb{{Label: "Frameworks", URL: "/frameworks"}, {Label: "Load a framework"}}})
}

func (h *Web) frameworkImportForm(w http.ResponseWriter, r *http.Request) error {
	if !CanImportFramework(authz.From(r.Context())) {
		return authz.ErrForbidden
	}
	h.frameworkImportPage(w, r, http.StatusOK, &web.Form{}, frameworkImportData{})
	return nil
}

func (h *Web) frameworkImportUpload(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if !CanImportFramework(authz.From(ctx)) {
		return audit.Deny(ctx, h.Svc.DB, "framework.import", "framework", 0)
	}
	// The file plus the form's other fields; the global limit leaves multipart bodies alone.
	r.Body = http.MaxBytesReader(w, r.Body, MaxPackBytes+64<<10)
	tooLarge := "The file is larger than 1 MiB: a pack must be smaller."
	invalid := func(status int, msg string) error {
		h.frameworkImportPage(w, r, status, &web.Form{Errors: valid.Errors{"file": msg}}, frameworkImportData{})
		return nil
	}
	if err := r.ParseMultipartForm(MaxPackBytes + 64<<10); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return invalid(http.StatusRequestEntityTooLarge, tooLarge)
		}
		return invalid(http.StatusUnprocessableEntity, "Choose the pack file to load (YAML or JSON).")
	}
	defer r.MultipartForm.RemoveAll()
	file, hdr, err := r.FormFile("file")
	if err != nil {
		return invalid(http.StatusUnprocessableEntity, "Choose the pack file to load (YAML or JSON).")
	}
	defer file.Close()
	name := path.Base(strings.ReplaceAll(hdr.Filename, "\\", "/"))
	switch strings.ToLower(path.Ext(name)) {
	case ".yaml", ".yml", ".json":
	default:
		return invalid(http.StatusUnprocessableEntity, "Choose a pack file ending in .yaml, .yml or .json.")
	}
	data, err := io.ReadAll(io.LimitReader(file, MaxPackBytes+1))
	if err != nil {
		return err
	}
	if len(data) > MaxPackBytes {
		return invalid(http.StatusRequestEntityTooLarge, tooLarge)
	}
	res, err := h.Svc.Import(ctx, name, data)
	if pe, ok := AsPackErrors(err); ok {
		f := &web.Form{Errors: valid.Errors{"file": fmt.Sprintf("%s was not loaded: %s listed below.", name, fwPlural(len(pe), "problem is", "problems are"))}}
		h.frameworkImportPage(w, r, http.StatusUnprocessableEntity, f, frameworkImportData{Problems: pe, FileName: name})
		return nil
	} else if err != nil {
		return err
	}
	to := fmt.Sprintf("/frameworks/%d", res.Framework.ID)
	if res.AlreadyLoaded {
		return web.Redirect(w, r, to, fmt.Sprintf("%s version %s was already loaded: nothing changed.", res.Framework.Title, res.Framework.Version))
	}
	return web.Redirect(w, r, to, fmt.Sprintf("%s version %s was loaded: %s.", res.Framework.Title, res.Framework.Version,
		fwPlural(len(res.Framework.Pack.Items()), "item", "items")))
}

func fwPlural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// --- API ---

func (h *Web) apiFrameworkList(w http.ResponseWriter, r *http.Request) error {
	fs, err := h.Svc.Frameworks(r.Context())
	if err != nil {
		return err
	}
	out := make([]FrameworkSummary, 0, len(fs))
	for _, f := range fs {
		out = append(out, fwSummary(f))
	}
	return api.JSON(w, http.StatusOK, api.List[FrameworkSummary]{Items: out})
}

func (h *Web) apiFrameworkGet(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	f, err := h.Svc.Framework(r.Context(), id)
	if err != nil {
		return err
	}
	return api.JSON(w, http.StatusOK, fwDetail(f))
}

// packProblem turns refused-pack errors into a 422 problem: one message per path.
func packProblem(pe PackErrors) error {
	fields := map[string]string{}
	for _, e := range pe {
		key := e.Path
		if key == "" {
			key = "pack"
		}
		msg := e.Problem
		if e.Line > 0 {
			msg = fmt.Sprintf("line %d: %s", e.Line, e.Problem)
		}
		if old, ok := fields[key]; ok {
			msg = old + "; " + msg
		}
		fields[key] = msg
	}
	return &api.BadRequest{Status: http.StatusUnprocessableEntity, Msg: "The pack was not loaded:\n" + pe.Error(), Errors: fields}
}

func (h *Web) apiFrameworkImport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if !CanImportFramework(authz.From(ctx)) {
		return audit.Deny(ctx, h.Svc.DB, "framework.import", "framework", 0)
	}
	name := "request body"
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		switch {
		case err != nil:
			return &api.BadRequest{Status: http.StatusUnsupportedMediaType, Msg: "Send the pack as application/json or application/yaml."}
		case mt == "application/json" || strings.HasSuffix(mt, "+json"):
			name = "request body (JSON)"
		case mt == "application/yaml" || mt == "application/x-yaml" || mt == "text/yaml" || mt == "text/x-yaml":
			name = "request body (YAML)"
		default:
			return &api.BadRequest{Status: http.StatusUnsupportedMediaType, Msg: "Send the pack as application/json or application/yaml."}
		}
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(r.Body, MaxPackBytes+1)); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &api.BadRequest{Status: http.StatusRequestEntityTooLarge, Msg: fmt.Sprintf("The pack is larger than %d bytes (1 MiB).", MaxPackBytes)}
		}
		return &api.BadRequest{Msg: "The body could not be read."}
	}
	if buf.Len() > MaxPackBytes {
		return &api.BadRequest{Status: http.StatusRequestEntityTooLarge, Msg: fmt.Sprintf("The pack is larger than %d bytes (1 MiB).", MaxPackBytes)}
	}
	res, err := h.Svc.Import(ctx, name, buf.Bytes())
	if pe, ok := AsPackErrors(err); ok {
		return packProblem(pe)
	} else if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/frameworks/%d", res.Framework.ID))
	status := http.StatusCreated
	if res.AlreadyLoaded {
		status = http.StatusOK
	}
	return api.JSON(w, status, ImportResponse{Framework: fwDetail(res.Framework), AlreadyLoaded: res.AlreadyLoaded})
}
