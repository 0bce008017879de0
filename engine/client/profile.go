package client

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
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
	// users.search: /users/find, and optionally the method before it:
	// auth.me: GET /session/me. Placeholders: {id} {userId} {roleId} {email} {username}.
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
	// ResourceFields renames fields of one resource only (users, profile,
	// roles, permissions, auth), over Fields: roles: {name: title}.
	ResourceFields map[string]map[string]string `yaml:"resource_fields" json:"resource_fields,omitempty"`
	// Query names the query parameters of list and search requests.
	Query QueryProfile `yaml:"query" json:"query"`
	// Paging says how list answers are paged.
	Paging PagingProfile `yaml:"paging" json:"paging"`
	// IDKind is the kind of the target's ids: integer (default), uuid or
	// string; deliberate "unknown id" mistakes send a well-formed one.
	IDKind string `yaml:"id_kind" json:"id_kind,omitempty"`
	// Statuses are the codes the target answers the deliberate mistakes with.
	Statuses StatusProfile `yaml:"statuses" json:"statuses"`
}

// QueryProfile names query parameters.
type QueryProfile struct {
	Search string `yaml:"search" json:"search,omitempty"` // default "q"
	Page   string `yaml:"page" json:"page,omitempty"`     // default "page" (paging style page)
	Size   string `yaml:"size" json:"size,omitempty"`     // default "per_page"
	Offset string `yaml:"offset" json:"offset,omitempty"` // default "offset" (paging style offset)
	Cursor string `yaml:"cursor" json:"cursor,omitempty"` // default "cursor" (paging style cursor)
}

// Paging styles.
const (
	PagingPage     = "page"      // ?page=N&size=S
	PagingOffset   = "offset"    // ?offset=(N-1)*S&size=S
	PagingCursor   = "cursor"    // ?cursor=<next>&size=S, <next> read from the answer
	PagingNextLink = "next_link" // the answer holds the URL of the next page
)

// PagingProfile is how list answers are paged.
type PagingProfile struct {
	Style string `yaml:"style" json:"style,omitempty"` // page (default), offset, cursor or next_link
	// Total is the path of the total count in a list answer ("" = not given).
	Total string `yaml:"total" json:"total,omitempty"`
	// Next is the path of the next cursor (cursor) or next page's URL
	// (next_link); "" or an empty value ends the list.
	Next string `yaml:"next" json:"next,omitempty"`
}

// StatusProfile is the status the target answers each kind of deliberate
// mistake with; 0 keeps the reference API's.
type StatusProfile struct {
	Validation   int `yaml:"validation" json:"validation,omitempty"`     // invalid input (default 422)
	Conflict     int `yaml:"conflict" json:"conflict,omitempty"`         // a taken username (default 409)
	NotFound     int `yaml:"not_found" json:"not_found,omitempty"`       // an unknown id (default 404)
	Unauthorized int `yaml:"unauthorized" json:"unauthorized,omitempty"` // a bad password or token (default 401)
	Forbidden    int `yaml:"forbidden" json:"forbidden,omitempty"`       // missing permission (default 403)
}

// Id kinds.
const (
	IDInteger = "integer"
	IDUUID    = "uuid"
	IDString  = "string"
)

// Resources are the keys of ResourceFields.
var Resources = []string{"users", "profile", "roles", "permissions", "auth"}

// resourceOf is the resource an endpoint's bodies and answers belong to.
func resourceOf(ep *catalog.Endpoint) string {
	r, _, _ := strings.Cut(ep.ID, ".")
	if r == "user_roles" {
		return "roles"
	}
	return r
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
	def(&p.Query.Search, "q")
	def(&p.Query.Page, "page")
	def(&p.Query.Size, "per_page")
	def(&p.Query.Offset, "offset")
	def(&p.Query.Cursor, "cursor")
	def(&p.Paging.Style, PagingPage)
	def(&p.IDKind, IDInteger)
	code := func(c *int, v int) {
		if *c == 0 {
			*c = v
		}
	}
	code(&p.Statuses.Validation, 422)
	code(&p.Statuses.Conflict, 409)
	code(&p.Statuses.NotFound, 404)
	code(&p.Statuses.Unauthorized, 401)
	code(&p.Statuses.Forbidden, 403)
	return p
}

// IsZero reports whether p is the reference API.
func (p Profile) IsZero() bool {
	return p.BasePath == "" && len(p.Routes) == 0 && p.Login == (LoginProfile{}) && p.Token == (TokenProfile{}) &&
		p.Object == "" && p.ID == "" && p.Items == "" && p.Envelope == "" && len(p.Fields) == 0 &&
		len(p.ResourceFields) == 0 && p.Query == (QueryProfile{}) && p.Paging == (PagingProfile{}) &&
		p.IDKind == "" && p.Statuses == (StatusProfile{})
}

// FieldError is a mistake in a profile: Field is its path, e.g. "routes.users.find".
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// Validate checks the profile; the error is a *FieldError.
func (p Profile) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
	}
	if p.BasePath != "" && !strings.HasPrefix(p.BasePath, "/") {
		return bad("base_path", "%q must start with /, e.g. /api/v2", p.BasePath)
	}
	if p.BasePath != "/" {
		if msg := pathError(p.BasePath, false); msg != "" {
			return bad("base_path", "%s", msg)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(p.Routes)) {
		ep := catalog.Lookup(id)
		if ep == nil {
			return bad("routes."+id, "unknown endpoint id; use one of docs/scenarios.md (e.g. users.search)")
		}
		_, r, err := splitRoute(p.Routes[id])
		if err != nil {
			return bad("routes."+id, "%v", err)
		}
		if msg := pathError(r, true); msg != "" {
			return bad("routes."+id, "%s", msg)
		}
		if err := checkPlaceholders(ep, r); err != nil {
			return bad("routes."+id, "%v", err)
		}
	}
	switch p.Login.With {
	case "", "username", "email":
	default:
		return bad("login.with", "%q: use username or email", p.Login.With)
	}
	if p.Token.Header != "" {
		if msg := headerNameError(p.Token.Header); msg != "" {
			return bad("token.header", "%s", msg)
		}
	}
	if msg := headerValueError(p.Token.Scheme); msg != "" {
		return bad("token.scheme", "%s", msg)
	}
	if p.Token.Scheme != "" && strings.ContainsAny(p.Token.Scheme, " \t") {
		return bad("token.scheme", "%q must be one word (or - for none)", p.Token.Scheme)
	}
	for _, q := range []struct{ field, name string }{{"query.search", p.Query.Search}, {"query.page", p.Query.Page},
		{"query.size", p.Query.Size}, {"query.offset", p.Query.Offset}, {"query.cursor", p.Query.Cursor}} {
		if msg := queryNameError(q.name); msg != "" {
			return bad(q.field, "%s", msg)
		}
	}
	for k, v := range p.Fields {
		if k == "" || v == "" {
			return bad("fields", "field names must not be empty")
		}
	}
	for _, res := range slices.Sorted(maps.Keys(p.ResourceFields)) {
		if !slices.Contains(Resources, res) {
			return bad("resource_fields."+res, "unknown resource; use %s", strings.Join(Resources, ", "))
		}
		for k, v := range p.ResourceFields[res] {
			if k == "" || v == "" {
				return bad("resource_fields."+res, "field names must not be empty")
			}
		}
	}
	switch p.Paging.Style {
	case "", PagingPage, PagingOffset:
	case PagingCursor, PagingNextLink:
		if p.Paging.Next == "" {
			return bad("paging.next", "paging style %s needs the path of the next %s in a list answer, e.g. meta.next", p.Paging.Style,
				map[bool]string{true: "cursor", false: "page's URL"}[p.Paging.Style == PagingCursor])
		}
	default:
		return bad("paging.style", "%q: use page, offset, cursor or next_link", p.Paging.Style)
	}
	switch p.IDKind {
	case "", IDInteger, IDUUID, IDString:
	default:
		return bad("id_kind", "%q: use integer, uuid or string", p.IDKind)
	}
	for name, c := range map[string]int{"validation": p.Statuses.Validation, "conflict": p.Statuses.Conflict,
		"not_found": p.Statuses.NotFound, "unauthorized": p.Statuses.Unauthorized, "forbidden": p.Statuses.Forbidden} {
		if c != 0 && (c < 400 || c > 499) {
			return bad("statuses."+name, "%d: a deliberate mistake is answered with a 4xx code", c)
		}
	}
	return nil
}

// Methods a route may name.
var methods = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}

// splitRoute reads a Routes value: "/path" or "METHOD /path".
func splitRoute(v string) (method, path string, err error) {
	v = strings.TrimSpace(v)
	if m, rest, found := strings.Cut(v, " "); found {
		method, v = strings.ToUpper(m), strings.TrimSpace(rest)
		if !slices.Contains(methods, method) {
			return "", "", fmt.Errorf("method %q: use one of %s, e.g. GET /session/me", m, strings.Join(methods, ", "))
		}
	}
	if !strings.HasPrefix(v, "/") {
		return "", "", fmt.Errorf("%q must start with / (write \"/path\" or \"METHOD /path\")", v)
	}
	return method, v, nil
}

// checkPlaceholders checks that a route holds exactly the endpoint's placeholders.
func checkPlaceholders(ep *catalog.Endpoint, r string) error {
	have := placeholderRe.FindAllString(r, -1)
	want := placeholderRe.FindAllString(ep.Route, -1)
	for i, ph := range have {
		if slices.Contains(have[:i], ph) {
			return fmt.Errorf("%q holds %s twice: the engine fills it with one value, so both would get the same id; keep %s where the %s's id goes and write the other path parameter as its value (e.g. /orgs/acme/members/%s)",
				r, ph, ph, strings.SplitN(ep.ID, ".", 2)[0], ph)
		}
	}
	allWanted := !slices.ContainsFunc(want, func(w string) bool { return !slices.Contains(have, w) })
	for _, ph := range have {
		if !slices.Contains(want, ph) {
			literal := strings.Replace(r, ph, "acme", 1)
			switch {
			case len(want) == 0:
				return fmt.Errorf("%s is not a placeholder of %s, which takes none: remove it, or write the path parameter as its value (e.g. %s)", ph, ep.ID, literal)
			case allWanted:
				// The route holds the capability's own: ph is another path
				// parameter (an organisation, a tenant), not a renamed id.
				return fmt.Errorf("%s is not a placeholder the engine fills: %s takes %s (the engine fills only %s); write any other path parameter as its value, e.g. %s",
					ph, ep.ID, strings.Join(want, " and "), strings.Join(catalog.Placeholders, " "), literal)
			}
			return fmt.Errorf("%s is not a placeholder of %s: write %s instead (the engine fills only %s; any other path parameter is written as its value)",
				ph, ep.ID, strings.Join(want, " and "), strings.Join(catalog.Placeholders, " "))
		}
	}
	for _, ph := range want {
		if !slices.Contains(have, ph) {
			return fmt.Errorf("%q lacks the placeholder %s: the path of %s must hold %s", r, ph, ep.ID, strings.Join(want, " and "))
		}
	}
	return nil
}

var placeholderRe = regexp.MustCompile(`\{[^{}/]*\}`)

// routeOf returns the endpoint's method and route template under the profile.
func (p *Profile) routeOf(ep *catalog.Endpoint) (string, string) {
	method, rest := ep.Method, strings.TrimPrefix(ep.Route, referencePrefix)
	if r, ok := p.Routes[ep.ID]; ok {
		m, path, _ := splitRoute(r) // validated
		rest = path
		if m != "" {
			method = m
		}
	}
	base := referencePrefix
	if p.BasePath != "" {
		base = strings.TrimSuffix(p.BasePath, "/")
	}
	return method, base + rest
}

// fieldsOf is the renaming of body and answer fields for the resource: the
// global Fields with the resource's over them (nil when nothing is renamed).
func (p *Profile) fieldsOf(resource string) map[string]string {
	rf := p.ResourceFields[resource]
	if len(rf) == 0 {
		return p.Fields
	}
	m := maps.Clone(p.Fields)
	if m == nil {
		m = map[string]string{}
	}
	maps.Copy(m, rf)
	return m
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

// JSONPath walks a dotted path ("data.accessToken", "items.0.id") through an
// answer decoded with Call.Decode.
func JSONPath(v any, path string) (any, bool) { return lookup(v, path) }
