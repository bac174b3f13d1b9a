// Package directory is the spine shared by every capability: organisations, people and their
// memberships, places, services, programs, the taxonomy and typed links between records.
package directory

import (
	"slices"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/valid"
	"github.com/joinedup/joinedup/internal/platform/web"
)

// OrgTypes are the kinds of organisation.
var OrgTypes = []web.Option{
	{Value: "government_agency", Label: "Government agency"},
	{Value: "local_government", Label: "Local government"},
	{Value: "community_organisation", Label: "Community organisation"},
	{Value: "first_nations_organisation", Label: "First Nations organisation"},
	{Value: "business", Label: "Business"},
	{Value: "academic", Label: "Academic"},
	{Value: "other", Label: "Other"},
}

// Label returns the label of value in opts (or value itself).
func Label(opts []web.Option, value string) string {
	for _, o := range opts {
		if o.Value == value {
			return o.Label
		}
	}
	return value
}

func values(opts []web.Option) []string {
	out := make([]string, len(opts))
	for i, o := range opts {
		out[i] = o.Value
	}
	return out
}

// Organisation is an agency or partner.
type Organisation struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	ShortName    string    `json:"short_name,omitempty"`
	Type         string    `json:"type"`
	Jurisdiction string    `json:"jurisdiction,omitempty"`
	ParentID     int64     `json:"parent_id,omitempty"`
	ParentName   string    `json:"parent_name,omitempty"`
	Description  string    `json:"description,omitempty"`
	Website      string    `json:"website,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	Archived     bool      `json:"archived"`
}

// TypeLabel is the organisation type's label.
func (o Organisation) TypeLabel() string { return Label(OrgTypes, o.Type) }

// DisplayName is the name with the short name, if any.
func (o Organisation) DisplayName() string {
	if o.ShortName != "" && o.ShortName != o.Name {
		return o.Name + " (" + o.ShortName + ")"
	}
	return o.Name
}

// OrgInput is what a person submits to create or edit an organisation.
type OrgInput struct {
	Name         string `json:"name"`
	ShortName    string `json:"short_name"`
	Type         string `json:"type"`
	Jurisdiction string `json:"jurisdiction"`
	ParentID     int64  `json:"parent_id"`
	Description  string `json:"description"`
	Website      string `json:"website"`
}

// Normalize trims the input.
func (in *OrgInput) Normalize() {
	in.Name = strings.TrimSpace(in.Name)
	in.ShortName = strings.TrimSpace(in.ShortName)
	in.Type = strings.TrimSpace(in.Type)
	in.Jurisdiction = strings.TrimSpace(in.Jurisdiction)
	in.Description = strings.TrimSpace(in.Description)
	in.Website = strings.TrimSpace(in.Website)
}

// Validate checks the input.
func (in OrgInput) Validate() error {
	var c valid.Checker
	c.Text("name", in.Name, "the organisation's name", 200)
	c.MaxLen("short_name", in.ShortName, 40)
	c.OneOf("type", in.Type, values(OrgTypes), "a type")
	c.MaxLen("jurisdiction", in.Jurisdiction, 100)
	c.MaxLen("description", in.Description, 5000)
	c.URL("website", in.Website)
	c.Check(in.ParentID >= 0, "parent_id", "Choose a parent organisation from the list.")
	return c.Err()
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
