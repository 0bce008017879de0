// Package profiledraft drafts an API profile (docs/api-profile.md) from a
// target's OpenAPI 3.0/3.1 document, read with getkin/kin-openapi
// (`trafficsim profile init`). It matches operations to the 33 capabilities by
// path words, methods, operationIds and parameters, and reads from the schemas
// the login fields, the token paths of the login answer, the envelope, the id
// kind, the paging parameters and field names; what it cannot match it lists
// with the reason. The draft is a starting point: `trafficsim check` verifies
// it against the live target.
package profiledraft

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/client"
)

// Load reads an OpenAPI document from data; location (a file path or URL, for
// messages) is not followed: external references are refused.
func Load(ctx context.Context, data []byte) (*openapi3.T, error) {
	l := openapi3.NewLoader()
	l.Context = ctx
	l.IsExternalRefsAllowed = false
	doc, err := l.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("read the OpenAPI document: %w", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		return nil, fmt.Errorf("openapi %q: want an OpenAPI 3.0 or 3.1 document", doc.OpenAPI)
	}
	return doc, nil
}

// Miss is a capability the draft could not map, and why.
type Miss struct {
	Capability string
	Why        string
	// Write is, for a capability left out (Draft.LeftOut), the route to write
	// by hand once the parameters the engine does not fill have their values
	// ("GET /orgs/acme/members/{id}").
	Write string
}

// Draft is a drafted profile.
type Draft struct {
	Profile client.Profile
	// Notes say where each mapped route came from: capability → "GET /x (operationId)".
	Notes map[string]string
	// Missing are the capabilities left at the reference API's route.
	Missing []Miss
	// LeftOut are capabilities the document has only under a parent's path
	// (GET /orgs/{orgId}/members/{memberId} for users.get): a profile's route
	// holds no path parameter but the capability's own (docs/api-profile.md),
	// so the draft leaves them out and says what to write by hand. They keep
	// the reference route until then.
	LeftOut []Miss
	// Unused are operations no capability took ("GET /health (health)"),
	// but those named in LeftOut.
	Unused []string
	// Settings note what was read from the schemas.
	Settings []string
	// Unmatched are settings (paging) the document asks for but the draft
	// could not express, and why: the drafted value needs editing.
	Unmatched []Miss
}

// op is one operation of the document.
type op struct {
	method string
	path   string   // as in the document, without the base path
	segs   []string // path segments; parameters as "{}"
	params []string // path parameter names, in order
	o      *openapi3.Operation
	item   *openapi3.PathItem
	used   bool
	// leftOut: a capability's only operation, under a parent's path
	// (Draft.LeftOut); not listed as unused.
	leftOut bool
}

func (x *op) String() string {
	s := x.method + " " + x.path
	if x.o.OperationID != "" {
		s += " (" + x.o.OperationID + ")"
	}
	return s
}

// Resource words: the default synonyms of users, roles and permissions;
// --map adds one (users=accounts).
var defaultWords = map[string][]string{
	"users":       {"users", "user", "accounts", "account", "members", "people"},
	"roles":       {"roles", "role", "groups", "group"},
	"permissions": {"permissions", "permission", "grants", "grant", "scopes", "privileges"},
}

// Build drafts a profile from doc; words maps a resource (users, roles,
// permissions) to the target's word for it.
func Build(doc *openapi3.T, words map[string]string) (*Draft, error) {
	for k := range words {
		if _, ok := defaultWords[k]; !ok {
			return nil, fmt.Errorf("--map %s=…: map users, roles or permissions", k)
		}
	}
	d := &Draft{Notes: map[string]string{}}
	p := &d.Profile
	base, vars := basePath(doc)
	if len(vars) > 0 {
		d.Unmatched = append(d.Unmatched, Miss{Capability: "base_path", Why: fmt.Sprintf("the server URL %s holds %s, which a profile's base_path cannot hold (the engine fills no path parameter there); drafted %s with the variables' defaults: write base_path with your value",
			doc.Servers[0].URL, strings.Join(vars, " and "), base)})
	}
	if base != "" && base != "/api/v1" {
		p.BasePath = base
	} else if base == "" {
		p.BasePath = "/"
	}
	var ops []*op
	for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) {
		item := doc.Paths.Map()[path]
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			o := item.GetOperation(m)
			if o == nil {
				continue
			}
			x := &op{method: m, path: path, o: o, item: item}
			for s := range strings.SplitSeq(strings.Trim(path, "/"), "/") {
				if strings.HasPrefix(s, "{") {
					x.params = append(x.params, strings.Trim(s, "{}"))
					s = "{}"
				}
				x.segs = append(x.segs, strings.ToLower(s))
			}
			ops = append(ops, x)
		}
	}
	word := func(res string) []string {
		if w, ok := words[res]; ok {
			return []string{strings.ToLower(w)}
		}
		return defaultWords[res]
	}
	m := &matcher{ops: ops, users: word("users"), roles: word("roles"), perms: word("permissions")}
	p.Routes = map[string]string{}
	for i := range catalog.All() {
		ep := &catalog.All()[i]
		x, why := m.find(ep, false)
		if x == nil {
			// Only under a parent's path? Then say what to write by hand.
			if n, _ := m.find(ep, true); n != nil {
				n.leftOut = true
				d.LeftOut = append(d.LeftOut, leftOut(ep, n))
			} else {
				d.Missing = append(d.Missing, Miss{Capability: ep.ID, Why: why})
			}
			continue
		}
		x.used = true
		p.Routes[ep.ID] = x.method + " " + route(ep, x)
		d.Notes[ep.ID] = x.String()
	}
	for _, x := range ops {
		if !x.used && !x.leftOut {
			d.Unused = append(d.Unused, x.String())
		}
	}
	readSchemas(d, m)
	keepValid(d)
	return d, nil
}

// keepValid leaves out of the draft any route the profile validator would
// refuse (client.Profile.Validate), moving it to Missing with the
// validator's words: a draft is never a profile trafficsim refuses. The
// matching above drafts only routes with the capability's own placeholders;
// this is the net under it.
func keepValid(d *Draft) {
	for {
		var fe *client.FieldError
		if !errors.As(d.Profile.Validate(), &fe) {
			return
		}
		id, ok := strings.CutPrefix(fe.Field, "routes.")
		if !ok || d.Profile.Routes[id] == "" {
			return
		}
		d.Missing = append(d.Missing, Miss{Capability: id, Why: "the drafted route " + d.Notes[id] + " is not one a profile can hold: " + fe.Message})
		delete(d.Profile.Routes, id)
		delete(d.Notes, id)
	}
}

// leftOut says why the capability's only operation, x, under a parent's
// path, is left out of the draft, and what to write by hand: the route with
// the capability's placeholders in its last path parameters and a value
// ("acme") in each parent's.
func leftOut(ep *catalog.Endpoint, x *op) Miss {
	want := ep.Placeholders()
	n := len(parent(x, len(want)))
	under := "/" + strings.Join(strings.Split(strings.Trim(x.path, "/"), "/")[:n], "/")
	takes := "takes no path parameter"
	if len(want) > 0 {
		takes = "fills only " + strings.Join(want, " and ")
	}
	return Miss{
		Capability: ep.ID,
		Why: fmt.Sprintf("the document has it only as %s, under the parent path %s, whose path parameters a profile cannot hold (%s %s); write the route by hand with your values in %s",
			x, under, ep.ID, takes, under),
		Write: x.method + " " + route(ep, x),
	}
}

func mapsKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// basePath is the path of the first server URL ("" for none or "/"), its
// variables ({org}) replaced by their defaults; vars names those replaced.
func basePath(doc *openapi3.T) (path string, vars []string) {
	if len(doc.Servers) == 0 {
		return "", nil
	}
	srv := doc.Servers[0]
	u, err := url.Parse(srv.URL)
	if err != nil {
		return "", nil
	}
	path = placeholderRe.ReplaceAllStringFunc(u.Path, func(ph string) string {
		vars = append(vars, ph)
		if v := srv.Variables[strings.Trim(ph, "{}")]; v != nil && v.Default != "" && !strings.ContainsAny(v.Default, "/{}") {
			return url.PathEscape(v.Default)
		}
		return "acme"
	})
	return strings.TrimSuffix(path, "/"), vars
}

var placeholderRe = regexp.MustCompile(`\{[^{}/]*\}`)

// route rewrites the operation's path with the capability's placeholders,
// in its last path parameters; a parent's before them (a nested route, left
// out of the draft) gets the example value "acme".
func route(ep *catalog.Endpoint, x *op) string {
	want := ep.Placeholders() // in route order: {userId} before {roleId}
	i := len(want) - len(x.params)
	var b strings.Builder
	for s := range strings.SplitSeq(strings.Trim(x.path, "/"), "/") {
		b.WriteByte('/')
		if strings.HasPrefix(s, "{") {
			if i >= 0 && i < len(want) {
				s = want[i]
			} else if i < 0 {
				s = "acme"
			}
			i++
		}
		b.WriteString(s)
	}
	return b.String()
}

type matcher struct {
	ops                 []*op
	users, roles, perms []string
	// want is how many path parameters the capability being matched takes;
	// nested: match operations under a parent's path instead, which take
	// more (/orgs/{orgId}/members/{memberId} for users.get's {id}).
	want   int
	nested bool
}

// fits says whether operation x takes the path parameters the capability
// does: as many, or, when matching nested, more, the parent's first — a
// parent that is none of the resources (an organisation, a tenant): under
// /users/{userId}, /roles/{roleId} is a user's roles, not roles.
func (m *matcher) fits(x *op) bool {
	if !m.nested {
		return len(x.params) == m.want
	}
	if len(x.params) <= m.want {
		return false
	}
	for _, s := range parent(x, m.want) {
		if slices.Contains(m.users, s) || slices.Contains(m.roles, s) || slices.Contains(m.perms, s) {
			return false
		}
		for _, words := range defaultWords {
			if slices.Contains(words, s) {
				return false
			}
		}
	}
	return true
}

// parent is the segments of x's path up to its last path parameter beyond
// the want a capability takes (/orgs/{orgId} of
// /orgs/{orgId}/members/{memberId} for one id).
func parent(x *op, want int) []string {
	extra := len(x.params) - want
	for i, s := range x.segs {
		if s == "{}" {
			if extra--; extra == 0 {
				return x.segs[:i+1]
			}
		}
	}
	return nil
}

// shape matches a path against a pattern of segments: a word list, "{}" for a
// parameter, or a literal (any of "a|b"). When matching nested, the pattern
// matches the path's last segments and a parent's path comes before them.
func (m *matcher) shape(x *op, pattern ...any) bool {
	segs := x.segs
	if m.nested && len(segs) > len(pattern) {
		segs = segs[len(segs)-len(pattern):]
	}
	if len(segs) != len(pattern) || !m.fits(x) {
		return false
	}
	for i, p := range pattern {
		s := segs[i]
		switch p := p.(type) {
		case []string:
			if !slices.Contains(p, s) {
				return false
			}
		case string:
			if !slices.Contains(strings.Split(p, "|"), s) {
				return false
			}
		}
	}
	return true
}

// pick is the first unused operation of the methods matching the shape.
func (m *matcher) pick(methods string, pattern ...any) *op {
	for _, x := range m.ops {
		if strings.Contains(methods, x.method) && m.shape(x, pattern...) {
			return x
		}
	}
	return nil
}

func opID(x *op) string {
	return strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(x.o.OperationID))
}

// byOpID is the operation whose operationId holds one of the words (is the
// word, for one ending in "$": getme$ is not getMembers), and none of the
// words starting with "-" (activate, -deactivate).
func (m *matcher) byOpID(methods string, words ...string) *op {
	holds := func(id, w string) bool {
		if exact, ok := strings.CutSuffix(w, "$"); ok {
			return id == exact
		}
		return strings.Contains(id, w)
	}
	for _, x := range m.ops {
		if !strings.Contains(methods, x.method) || !m.fits(x) ||
			slices.ContainsFunc(words, func(w string) bool { return strings.HasPrefix(w, "-") && holds(opID(x), w[1:]) }) {
			continue
		}
		for _, w := range words {
			if !strings.HasPrefix(w, "-") && holds(opID(x), w) {
				return x
			}
		}
	}
	return nil
}

// lastWord is an operation whose last segment is one of words.
func (m *matcher) lastWord(methods string, words string) *op {
	for _, x := range m.ops {
		if strings.Contains(methods, x.method) && m.fits(x) && slices.Contains(strings.Split(words, "|"), x.segs[len(x.segs)-1]) {
			return x
		}
	}
	return nil
}

func hasQuery(x *op, names ...string) bool {
	for _, p := range append(x.item.Parameters, x.o.Parameters...) {
		if p.Value != nil && p.Value.In == "query" && slices.Contains(names, strings.ToLower(p.Value.Name)) {
			return true
		}
	}
	return false
}

var searchParams = []string{"search", "q", "query", "term", "filter"}

// find maps one capability to an operation that takes its path parameters,
// or says why it could not; nested: to one under a parent's path instead,
// which takes more (and is never marked used).
func (m *matcher) find(ep *catalog.Endpoint, nested bool) (*op, string) {
	id := ep.ID
	m.want, m.nested = len(ep.Placeholders()), nested
	U, G, P := m.users, m.roles, m.perms
	const id1 = "{}"
	or := func(xs ...*op) *op {
		for _, x := range xs {
			if x != nil {
				return x
			}
		}
		return nil
	}
	var x *op
	var why string
	crud := func(words []string, kind string) {
		res := kind + " (" + strings.Join(words, "|") + ")"
		switch {
		case strings.HasSuffix(id, ".list"):
			x, why = m.pick("GET", words), "no GET /"+res
		case strings.HasSuffix(id, ".create"):
			x, why = m.pick("POST", words), "no POST /"+res
		case strings.HasSuffix(id, ".get"):
			x, why = m.pick("GET", words, id1), "no GET /"+res+"/{id}"
		case strings.HasSuffix(id, ".update"):
			x, why = or(m.pick("PATCH", words, id1), m.pick("PUT", words, id1)), "no PATCH or PUT /"+res+"/{id}"
		case strings.HasSuffix(id, ".delete"):
			x, why = m.pick("DELETE", words, id1), "no DELETE /"+res+"/{id}"
		}
	}
	switch id {
	case catalog.AuthLogin:
		x = or(m.byOpID("POST", "login", "signin", "createsession", "authenticate"), m.lastWord("POST", "login|signin|session|sessions|token|tokens"))
		why = "no POST operation named login/sign-in/session/token"
	case catalog.AuthRefresh:
		x = or(m.byOpID("POST", "refresh"), m.lastWord("POST", "refresh"))
		why = "no POST operation on a refresh path or with refresh in its operationId"
	case catalog.AuthLogout:
		x = or(m.byOpID("POST|DELETE", "logout", "signout", "deletesession", "endsession"), m.lastWord("POST", "logout|signout"), m.lastWord("DELETE", "session|sessions|token|tokens"))
		why = "no logout/sign-out operation and no DELETE on a session path"
	case catalog.AuthMe:
		x = or(m.lastWord("GET|POST", "me|whoami|current|self"), m.byOpID("GET", "currentuser", "currentaccount", "getme$", "whoami"))
		why = "no GET …/me, …/whoami or …/current"
	case catalog.UsersList, catalog.UsersCreate, catalog.UsersGet, catalog.UsersUpdate, catalog.UsersDelete:
		crud(U, "users")
	case catalog.UsersSearch:
		x = m.pick("GET", U, "search|find")
		if x == nil {
			// Search as a query parameter of the list.
			if l := m.pick("GET", U); l != nil && hasQuery(l, searchParams...) {
				x = l
			}
		}
		why = "no GET /users/search and no search parameter (" + strings.Join(searchParams, ", ") + ") on the list"
	case catalog.UsersByEmail, catalog.UsersByUsername:
		name := "email"
		if id == catalog.UsersByUsername {
			name = "username"
		}
		for _, o := range m.ops {
			if o.method == "GET" && m.fits(o) && strings.Contains(strings.ToLower(o.params[len(o.params)-1]), name) {
				x = o
				break
			}
		}
		why = "no GET operation with a path parameter named like " + name
	case catalog.UsersActivate, catalog.UsersDeactivate:
		de := id == catalog.UsersDeactivate
		if de {
			x = or(m.byOpID("POST|PUT|PATCH|DELETE", "deactivate", "disable", "suspend"), m.pick("POST|PUT|PATCH", U, id1, "deactivate|disable|suspend"), m.pick("DELETE", U, id1, "activation|active|enabled"))
		} else {
			x = or(m.pick("POST|PUT|PATCH", U, id1, "activate|enable|activation|active"), m.byOpID("POST|PUT|PATCH", "activate", "enable", "-deactivate"))
		}
		why = "no operation on /users/{id}/activate (or activation, enable, disable) and none with that operationId"
	case catalog.UsersChangePasswd:
		x = or(m.byOpID("POST|PUT|PATCH", "changepassword", "updatepassword"), m.pick("POST|PUT|PATCH", U, id1, "password|change-password|change_password"))
		why = "no operation on /users/{id}/password or change-password"
	case catalog.UsersResetPassword:
		x = or(m.byOpID("POST|PUT|PATCH", "resetpassword"), m.pick("POST|PUT|PATCH", U, id1, "reset-password|password-reset|reset_password|reset"))
		why = "no operation on /users/{id}/reset-password or password-reset"
	case catalog.ProfileCreate:
		x, why = or(m.pick("POST", U, id1, "profile"), m.pick("PUT", U, id1, "profile")), "no POST /users/{id}/profile"
	case catalog.ProfileGet:
		x, why = m.pick("GET", U, id1, "profile"), "no GET /users/{id}/profile"
	case catalog.ProfileUpdate:
		x, why = or(m.pick("PATCH", U, id1, "profile"), m.pick("PUT", U, id1, "profile")), "no PATCH or PUT /users/{id}/profile"
	case catalog.ProfileDelete:
		x, why = m.pick("DELETE", U, id1, "profile"), "no DELETE /users/{id}/profile"
	case catalog.RolesList, catalog.RolesCreate, catalog.RolesGet, catalog.RolesUpdate, catalog.RolesDelete:
		crud(G, "roles")
	case catalog.PermissionsList, catalog.PermissionsCreate, catalog.PermissionsGet, catalog.PermissionsUpdate, catalog.PermissionsDelete:
		crud(P, "permissions")
	case catalog.UserRolesList:
		x, why = m.pick("GET", U, id1, G), "no GET /users/{id}/roles"
	case catalog.UserRolesAssign:
		x, why = or(m.pick("POST|PUT", U, id1, G, id1)), "no POST or PUT /users/{id}/roles/{roleId}"
	case catalog.UserRolesRevoke:
		x, why = m.pick("DELETE", U, id1, G, id1), "no DELETE /users/{id}/roles/{roleId}"
	}
	if x == nil {
		return nil, why
	}
	// users.search may share the list's operation; nothing else shares one.
	if x.used && id != catalog.UsersSearch {
		return nil, why + " (the only candidate, " + x.String() + ", is taken)"
	}
	return x, ""
}

// ---- schemas

// requestSchema is the JSON schema of an operation's request body.
func requestSchema(x *op) *openapi3.Schema {
	if x == nil || x.o.RequestBody == nil || x.o.RequestBody.Value == nil {
		return nil
	}
	return mediaSchema(x.o.RequestBody.Value.Content)
}

// answerSchema is the JSON schema of an operation's first 2xx answer.
func answerSchema(x *op) *openapi3.Schema {
	if x == nil || x.o.Responses == nil {
		return nil
	}
	for _, code := range slices.Sorted(maps.Keys(x.o.Responses.Map())) {
		r := x.o.Responses.Map()[code]
		if strings.HasPrefix(code, "2") && r.Value != nil {
			if s := mediaSchema(r.Value.Content); s != nil {
				return s
			}
		}
	}
	return nil
}

func mediaSchema(c openapi3.Content) *openapi3.Schema {
	for _, mt := range []string{"application/json", "*/*"} {
		if m := c.Get(mt); m != nil && m.Schema != nil && m.Schema.Value != nil {
			return m.Schema.Value
		}
	}
	for _, m := range c {
		if m.Schema != nil && m.Schema.Value != nil {
			return m.Schema.Value
		}
	}
	return nil
}

func props(s *openapi3.Schema) []string {
	if s == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(s.Properties))
}

func prop(s *openapi3.Schema, name string) *openapi3.Schema {
	if s == nil || s.Properties[name] == nil {
		return nil
	}
	return s.Properties[name].Value
}

// maxSchemaDepth bounds how deep findPath looks into nested objects: a token,
// a list or a total sits a few levels down, never dozens.
const maxSchemaDepth = 16

// findPath is the dotted path of the first property (depth first, sorted)
// whose name fits. It walks each schema once: a schema that refers to itself
// (directly, through another schema) is not entered again, and nothing
// deeper than maxSchemaDepth objects is looked at.
func findPath(s *openapi3.Schema, fits func(name string, s *openapi3.Schema) bool) string {
	return findPathIn(s, fits, map[*openapi3.Schema]bool{}, 0)
}

func findPathIn(s *openapi3.Schema, fits func(name string, s *openapi3.Schema) bool, seen map[*openapi3.Schema]bool, depth int) string {
	if s == nil || seen[s] || depth >= maxSchemaDepth {
		return ""
	}
	seen[s] = true
	for _, name := range props(s) {
		v := prop(s, name)
		if v != nil && fits(name, v) {
			return name
		}
	}
	for _, name := range props(s) {
		if v := prop(s, name); v != nil && isType(v, "object") {
			if sub := findPathIn(v, fits, seen, depth+1); sub != "" {
				return name + "." + sub
			}
		}
	}
	return ""
}

func norm(s string) string {
	return strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(s))
}

// isType says whether schema s is of type typ, an OpenAPI 3.1 type list with
// "null" (type: [integer, "null"]) counting as its one other type: the
// engine reads the value when it is there.
func isType(s *openapi3.Schema, typ string) bool {
	if s == nil || s.Type == nil {
		return false
	}
	types := slices.DeleteFunc(slices.Clone(s.Type.Slice()), func(t string) bool { return t == openapi3.TypeNull })
	return len(types) == 1 && types[0] == typ
}

// linkHeader says whether a success answer of the operation declares a Link
// header (RFC 8288 paging).
func linkHeader(x *op) bool {
	if x.o.Responses == nil {
		return false
	}
	for code, r := range x.o.Responses.Map() {
		if r == nil || r.Value == nil || !strings.HasPrefix(code, "2") {
			continue
		}
		for name := range r.Value.Headers {
			if strings.EqualFold(name, "link") {
				return true
			}
		}
	}
	return false
}

// readSchemas fills the profile's login, token, object, id, items, paging,
// query, field names and statuses from the matched operations' schemas.
func readSchemas(d *Draft, m *matcher) {
	p := &d.Profile
	get := func(id string) *op {
		for _, x := range m.ops {
			if x.used && strings.HasPrefix(p.Routes[id], x.method+" ") && d.Notes[id] == x.String() {
				return x
			}
		}
		return nil
	}
	note := func(format string, args ...any) { d.Settings = append(d.Settings, fmt.Sprintf(format, args...)) }

	// Login fields and tokens.
	if login := get(catalog.AuthLogin); login != nil {
		req := requestSchema(login)
		for _, name := range props(req) {
			v := prop(req, name)
			n := norm(name)
			switch {
			case strings.Contains(n, "password") || strings.Contains(n, "secret") || v.Format == "password":
				p.Login.PasswordField = name
			case strings.Contains(n, "email") || v.Format == "email":
				p.Login.With, p.Login.Field = "email", name
			case strings.Contains(n, "user") || strings.Contains(n, "login") || n == "name":
				p.Login.With, p.Login.Field = "username", name
			}
		}
		note("login: %s with %q, password in %q (from %s)", p.Login.With, p.Login.Field, p.Login.PasswordField, login)
		ans := answerSchema(login)
		p.Token.Access = findPath(ans, func(n string, s *openapi3.Schema) bool {
			n = norm(n)
			return isType(s, "string") && strings.Contains(n, "token") && !strings.Contains(n, "refresh") && !strings.Contains(n, "type")
		})
		p.Token.Refresh = findPath(ans, func(n string, s *openapi3.Schema) bool {
			return isType(s, "string") && strings.Contains(norm(n), "refresh")
		})
		p.Token.ExpiresIn = findPath(ans, func(n string, s *openapi3.Schema) bool {
			n = norm(n)
			return (isType(s, "integer") || isType(s, "number")) && (strings.Contains(n, "expire") || strings.Contains(n, "ttl"))
		})
		note("tokens: access %q, refresh %q, lifetime %q (from the answer of %s)", p.Token.Access, p.Token.Refresh, p.Token.ExpiresIn, login)
	}
	if refresh := get(catalog.AuthRefresh); refresh != nil {
		if f := findPath(requestSchema(refresh), func(n string, _ *openapi3.Schema) bool { return strings.Contains(norm(n), "refresh") }); f != "" {
			p.Token.RefreshField = f
		}
	}

	// Single objects: the envelope member holding the object, its id.
	if one := get(catalog.UsersGet); one != nil {
		ans := answerSchema(one)
		obj := ans
		for _, env := range []string{"data", "result", "item", "user", "account"} {
			if v := prop(ans, env); v != nil && isType(v, "object") && v.Properties != nil {
				p.Object, obj = env, v
				break
			}
		}
		for _, name := range []string{"id", "uuid", "uid", "_id"} {
			if v := prop(obj, name); v != nil {
				p.ID = name
				switch {
				case v.Format == "uuid":
					p.IDKind = client.IDUUID
				case isType(v, "integer") || isType(v, "number"):
					p.IDKind = client.IDInteger
				default:
					p.IDKind = client.IDString
				}
				break
			}
		}
		note("objects at %q, id %q of kind %s (from the answer of %s)", p.Object, p.ID, p.IDKind, one)
	}

	// Lists: items, total, paging and search parameters.
	if list := get(catalog.UsersList); list != nil {
		ans := answerSchema(list)
		p.Items = findPath(ans, func(_ string, s *openapi3.Schema) bool { return isType(s, "array") })
		p.Paging.Total = findPath(ans, func(n string, s *openapi3.Schema) bool {
			return (isType(s, "integer") || isType(s, "number")) && strings.Contains(norm(n), "total")
		})
		p.Paging.Next = findPath(ans, func(n string, s *openapi3.Schema) bool {
			n = norm(n)
			return isType(s, "string") && (strings.Contains(n, "next") || strings.Contains(n, "cursor"))
		})
		var names []string
		for _, prm := range append(list.item.Parameters, list.o.Parameters...) {
			if prm.Value != nil && prm.Value.In == "query" {
				names = append(names, prm.Value.Name)
			}
		}
		for _, name := range names {
			switch n := norm(name); {
			case slices.Contains(searchParams, n):
				p.Query.Search = name
			case n == "page" || n == "pagenumber":
				p.Query.Page = name
			case n == "perpage" || n == "pagesize" || n == "size" || n == "limit":
				p.Query.Size = name
			case n == "offset" || n == "skip":
				p.Query.Offset, p.Paging.Style = name, client.PagingOffset
			case n == "cursor" || n == "after" || n == "pagetoken":
				p.Query.Cursor, p.Paging.Style = name, client.PagingCursor
			}
		}
		if p.Paging.Style != client.PagingCursor {
			p.Paging.Next = ""
		} else if p.Paging.Next == "" {
			// The engine reads the next cursor from the answer's body only.
			why := fmt.Sprintf("the list takes a cursor (%q) but its answer's schema has no next-cursor field", p.Query.Cursor)
			if linkHeader(list) {
				why = fmt.Sprintf("the list takes a cursor (%q) and gives the next page in a Link header, which the engine does not follow (it reads the next cursor or link from the answer's body)", p.Query.Cursor)
			}
			drafted := ""
			if p.Query.Offset != "" {
				p.Paging.Style, drafted = client.PagingOffset, "offset with "+strconv.Quote(p.Query.Offset)
			} else {
				p.Paging.Style, drafted = client.PagingPage, "page with "+strconv.Quote(or(p.Query.Page, "page"))
			}
			d.Unmatched = append(d.Unmatched, Miss{Capability: "paging", Why: why + "; drafted style " + drafted +
				": edit paging (and query) to a style the API also takes (page, offset, cursor or next_link with paging.next), or the engine sees only the first page"})
		}
		note("lists: items at %q, total at %q, query %v (from %s)", p.Items, p.Paging.Total, names, list)
	}

	// Field names per resource, from the request bodies.
	synonyms := map[string][]string{
		"name":        {"displayname", "fullname", "title", "label", "key"},
		"description": {"summary", "note", "details", "about"},
		"permissions": {"grants", "scopes", "privileges"},
	}
	rename := func(res string, fields []string, ids ...string) {
		var have []string
		for _, id := range ids {
			have = append(have, props(requestSchema(get(id)))...)
		}
		if len(have) == 0 {
			return
		}
		for _, f := range fields {
			if slices.Contains(have, f) {
				continue
			}
			for _, h := range have {
				if norm(h) == norm(f) || slices.Contains(synonyms[f], norm(h)) {
					if p.ResourceFields == nil {
						p.ResourceFields = map[string]map[string]string{}
					}
					if p.ResourceFields[res] == nil {
						p.ResourceFields[res] = map[string]string{}
					}
					p.ResourceFields[res][f] = h
					break
				}
			}
		}
	}
	rename("users", []string{"username", "email", "password", "name", "current_password", "new_password"},
		catalog.UsersCreate, catalog.UsersUpdate, catalog.UsersChangePasswd, catalog.UsersResetPassword)
	rename("profile", []string{"bio", "location", "website", "phone"}, catalog.ProfileCreate, catalog.ProfileUpdate)
	rename("roles", []string{"name", "description", "permissions"}, catalog.RolesCreate, catalog.RolesUpdate)
	rename("permissions", []string{"name", "description"}, catalog.PermissionsCreate, catalog.PermissionsUpdate)

	// The status of invalid input.
	if create := get(catalog.UsersCreate); create != nil && create.o.Responses != nil {
		codes := create.o.Responses.Map()
		if codes["422"] == nil && codes["400"] != nil {
			p.Statuses.Validation = 400
			note("invalid input is answered 400 (the responses of %s)", create)
		}
	}
	sort.Strings(d.Settings)
}
