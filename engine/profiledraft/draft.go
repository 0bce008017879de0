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
	"fmt"
	"maps"
	"net/url"
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
}

// Draft is a drafted profile.
type Draft struct {
	Profile client.Profile
	// Notes say where each mapped route came from: capability → "GET /x (operationId)".
	Notes map[string]string
	// Missing are the capabilities left at the reference API's route.
	Missing []Miss
	// Unused are operations no capability took ("GET /health (health)").
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
	base := basePath(doc)
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
		x, why := m.find(ep.ID)
		if x == nil {
			d.Missing = append(d.Missing, Miss{ep.ID, why})
			continue
		}
		x.used = true
		p.Routes[ep.ID] = x.method + " " + route(ep, x)
		d.Notes[ep.ID] = x.String()
	}
	for _, x := range ops {
		if !x.used {
			d.Unused = append(d.Unused, x.String())
		}
	}
	readSchemas(d, m)
	return d, nil
}

func mapsKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// basePath is the path of the first server URL ("" for none or "/").
func basePath(doc *openapi3.T) string {
	if len(doc.Servers) == 0 {
		return ""
	}
	u, err := url.Parse(doc.Servers[0].URL)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(u.Path, "/")
}

// route rewrites the operation's path with the capability's placeholders.
func route(ep *catalog.Endpoint, x *op) string {
	want := ep.Placeholders() // in route order: {userId} before {roleId}
	i := 0
	var b strings.Builder
	for s := range strings.SplitSeq(strings.Trim(x.path, "/"), "/") {
		b.WriteByte('/')
		if strings.HasPrefix(s, "{") && i < len(want) {
			s = want[i]
			i++
		}
		b.WriteString(s)
	}
	return b.String()
}

type matcher struct {
	ops                 []*op
	users, roles, perms []string
}

// shape matches a path against a pattern of segments: a word list, "{}" for a
// parameter, or a literal (any of "a|b").
func (m *matcher) shape(x *op, pattern ...any) bool {
	if len(x.segs) != len(pattern) {
		return false
	}
	for i, p := range pattern {
		s := x.segs[i]
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

// byOpID is the operation whose operationId holds one of the words.
func (m *matcher) byOpID(methods string, words ...string) *op {
	for _, x := range m.ops {
		if !strings.Contains(methods, x.method) {
			continue
		}
		for _, w := range words {
			if strings.Contains(opID(x), w) {
				return x
			}
		}
	}
	return nil
}

// lastWord is an operation whose last segment is one of words.
func (m *matcher) lastWord(methods string, words string, params int) *op {
	for _, x := range m.ops {
		if strings.Contains(methods, x.method) && len(x.params) == params && slices.Contains(strings.Split(words, "|"), x.segs[len(x.segs)-1]) {
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

// find maps one capability to an operation, or says why it could not.
func (m *matcher) find(id string) (*op, string) {
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
		x = or(m.byOpID("POST", "login", "signin", "createsession", "authenticate"), m.lastWord("POST", "login|signin|session|sessions|token|tokens", 0))
		why = "no POST operation named login/sign-in/session/token"
	case catalog.AuthRefresh:
		x = or(m.byOpID("POST", "refresh"), m.lastWord("POST", "refresh", 0))
		why = "no POST operation on a refresh path or with refresh in its operationId"
	case catalog.AuthLogout:
		x = or(m.byOpID("POST|DELETE", "logout", "signout", "deletesession", "endsession"), m.lastWord("POST", "logout|signout", 0), m.lastWord("DELETE", "session|sessions|token|tokens", 0))
		why = "no logout/sign-out operation and no DELETE on a session path"
	case catalog.AuthMe:
		x = or(m.lastWord("GET|POST", "me|whoami|current|self", 0), m.byOpID("GET", "currentuser", "currentaccount", "getme", "whoami"))
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
			if o.method == "GET" && len(o.params) == 1 && strings.Contains(strings.ToLower(o.params[0]), name) {
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
			x = or(m.pick("POST|PUT|PATCH", U, id1, "activate|enable|activation|active"), m.byOpID("POST|PUT|PATCH", "activate", "enable"))
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
			d.Unmatched = append(d.Unmatched, Miss{"paging", why + "; drafted style " + drafted +
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
