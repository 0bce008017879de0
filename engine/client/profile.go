package client

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/trafficsim/trafficsim/engine/catalog"
)

// Profile maps the reference API (docs/api.md) onto a user service shaped
// differently: another path prefix or routes, login by email, tokens and ids
// elsewhere in the JSON, a response envelope. The zero Profile is the reference
// API. Scenario files carry it under `api:`; `--api-profile FILE` loads one alone
// (docs/scenarios.md).
type Profile struct {
	// BasePath replaces the "/api/v1" prefix of every route ("" keeps it; "/" drops it).
	BasePath string `yaml:"base_path" json:"base_path,omitempty"`
	// Routes replaces the path (after BasePath) of endpoints by id, e.g.
	// users.search: /users/find. Placeholders: {id} {userId} {roleId} {email} {username}.
	Routes map[string]string `yaml:"routes" json:"routes,omitempty"`
	// Login says how to log in.
	Login LoginProfile `yaml:"login" json:"login"`
	// Token says where the tokens sit in the login and refresh answers and how
	// the access token is sent.
	Token TokenProfile `yaml:"token" json:"token"`
	// Object is the path of the object in a single-object answer ("" = the root;
	// "data" for {"data": {...}}).
	Object string `yaml:"object" json:"object,omitempty"`
	// ID is the field of an object holding its id (default "id").
	ID string `yaml:"id" json:"id,omitempty"`
	// Items is the path of the list in a page answer (default "data").
	Items string `yaml:"items" json:"items,omitempty"`
	// Envelope wraps every request body: {"<envelope>": body} ("" = none).
	Envelope string `yaml:"envelope" json:"envelope,omitempty"`
	// Fields renames request body fields, e.g. name: full_name.
	Fields map[string]string `yaml:"fields" json:"fields,omitempty"`
}

// LoginProfile is how a VU logs in.
type LoginProfile struct {
	// With is the identifier sent: "username" (default) or "email".
	With string `yaml:"with" json:"with,omitempty"`
	// Field is the body field of the identifier (default: the value of With).
	Field string `yaml:"field" json:"field,omitempty"`
	// PasswordField is the body field of the password (default "password").
	PasswordField string `yaml:"password_field" json:"password_field,omitempty"`
}

// TokenProfile is where tokens sit and how they are sent.
type TokenProfile struct {
	Access    string `yaml:"access" json:"access,omitempty"`         // default "access_token"
	Refresh   string `yaml:"refresh" json:"refresh,omitempty"`       // default "refresh_token"; "" answers mean no refresh
	ExpiresIn string `yaml:"expires_in" json:"expires_in,omitempty"` // default "expires_in" (seconds)
	// RefreshField is the body field carrying the refresh token to refresh and
	// logout (default "refresh_token").
	RefreshField string `yaml:"refresh_field" json:"refresh_field,omitempty"`
	Header       string `yaml:"header" json:"header,omitempty"` // default "Authorization"
	Scheme       string `yaml:"scheme" json:"scheme,omitempty"` // default "Bearer"; "-" sends the bare token
}

const referencePrefix = "/api/v1"

// withDefaults fills the reference API's values.
func (p Profile) withDefaults() Profile {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&p.Login.With, "username")
	def(&p.Login.Field, p.Login.With)
	def(&p.Login.PasswordField, "password")
	def(&p.Token.Access, "access_token")
	def(&p.Token.Refresh, "refresh_token")
	def(&p.Token.ExpiresIn, "expires_in")
	def(&p.Token.RefreshField, "refresh_token")
	def(&p.Token.Header, "Authorization")
	def(&p.Token.Scheme, "Bearer")
	def(&p.ID, "id")
	def(&p.Items, "data")
	return p
}

// IsZero reports whether p is the reference API.
func (p Profile) IsZero() bool {
	return p.BasePath == "" && len(p.Routes) == 0 && p.Login == (LoginProfile{}) && p.Token == (TokenProfile{}) &&
		p.Object == "" && p.ID == "" && p.Items == "" && p.Envelope == "" && len(p.Fields) == 0
}

// FieldError is a mistake in a profile: Field is its path, e.g. "routes.users.find".
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

var placeholders = []string{"{id}", "{userId}", "{roleId}", "{email}", "{username}"}

// Validate checks the profile; the error is a *FieldError.
func (p Profile) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
	}
	if p.BasePath != "" && !strings.HasPrefix(p.BasePath, "/") {
		return bad("base_path", "%q must start with /, e.g. /api/v2", p.BasePath)
	}
	for _, id := range slices.Sorted(maps.Keys(p.Routes)) {
		ep := catalog.Lookup(id)
		if ep == nil {
			return bad("routes."+id, "unknown endpoint id; use one of docs/scenarios.md (e.g. users.search)")
		}
		r := p.Routes[id]
		if !strings.HasPrefix(r, "/") {
			return bad("routes."+id, "%q must start with /", r)
		}
		for _, ph := range placeholders {
			if strings.Contains(ep.Route, ph) != strings.Contains(r, ph) {
				return bad("routes."+id, "%q must contain exactly the placeholders of %s", r, ep.Route)
			}
		}
	}
	switch p.Login.With {
	case "", "username", "email":
	default:
		return bad("login.with", "%q: use username or email", p.Login.With)
	}
	if p.Token.Scheme != "" && strings.ContainsAny(p.Token.Scheme, " \t") {
		return bad("token.scheme", "%q must be one word (or - for none)", p.Token.Scheme)
	}
	for k, v := range p.Fields {
		if k == "" || v == "" {
			return bad("fields", "field names must not be empty")
		}
	}
	return nil
}

// routeOf returns the endpoint's route template under the profile.
func (p *Profile) routeOf(ep *catalog.Endpoint) string {
	rest := strings.TrimPrefix(ep.Route, referencePrefix)
	if r, ok := p.Routes[ep.ID]; ok {
		rest = r
	}
	base := referencePrefix
	if p.BasePath != "" {
		base = strings.TrimSuffix(p.BasePath, "/")
	}
	return base + rest
}

// lookup walks a dotted path ("data.token", "items.0.id") through decoded JSON.
func lookup(v any, path string) (any, bool) {
	if path == "" {
		return v, true
	}
	for part := range strings.SplitSeq(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[part]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// asString renders a JSON scalar as text ("12" for the number 12).
func asString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, x != ""
	case json.Number:
		return x.String(), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	}
	return "", false
}
