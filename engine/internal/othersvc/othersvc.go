// Package othersvc is a user service shaped unlike the reference API, written
// for the engine's tests of API profiles, `trafficsim check` and `profile
// init`: other resource words (accounts, groups, grants), session routes with
// other methods (GET /session/me, DELETE /session), answers in a {data, meta}
// envelope, camelCase fields, UUID ids, pages of its own size (perPage,
// default 25, at most 50), 400 for invalid input, and its own OpenAPI 3.1
// document (GET /rest/openapi.yaml). It keeps everything in memory.
package othersvc

import (
	"crypto/rand"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// OpenAPI is the service's OpenAPI 3.1 document.
//
//go:embed openapi.yaml
var OpenAPI []byte

// Admin is the account the service starts with.
const (
	AdminUsername = "admin"
	AdminEmail    = "admin@othersvc.test"
)

const (
	defaultPerPage = 25
	maxPerPage     = 50
	tokenTTL       = 15 * time.Minute
)

type account struct {
	ID, Username, Email, DisplayName string
	passHash                         string
	Active, Admin                    bool
	Groups                           []string // group ids
	Profile                          *profile
	Created                          time.Time
}

type profile struct {
	Bio, Location, Website, Phone string
}

type group struct {
	ID, Title, Summary string
	Grants             []string
}

type grant struct {
	ID, Key, Note string
}

type session struct {
	account string
	refresh string
	expires time.Time
}

// Service is the user service; it is an http.Handler.
type Service struct {
	mu       sync.Mutex
	accounts map[string]*account
	order    []string // account ids in creation order
	groups   map[string]*group
	gorder   []string
	grants   map[string]*grant
	rorder   []string
	access   map[string]*session // by access token
	refresh  map[string]string   // refresh token → access token
	mux      *http.ServeMux
}

// New returns a service with one admin account.
func New(adminPassword string) *Service {
	s := &Service{accounts: map[string]*account{}, groups: map[string]*group{}, grants: map[string]*grant{},
		access: map[string]*session{}, refresh: map[string]string{}}
	admin := &account{ID: newID(), Username: AdminUsername, Email: AdminEmail, DisplayName: "Administrator",
		passHash: hash(adminPassword), Active: true, Admin: true, Created: time.Now()}
	s.accounts[admin.ID] = admin
	s.order = append(s.order, admin.ID)
	for _, k := range []string{"accounts:read", "accounts:write", "groups:read"} {
		g := &grant{ID: newID(), Key: k, Note: "built in"}
		s.grants[g.ID] = g
		s.rorder = append(s.rorder, g.ID)
	}
	member := &group{ID: newID(), Title: "member", Summary: "everyone", Grants: []string{"accounts:read"}}
	s.groups[member.ID] = member
	s.gorder = append(s.gorder, member.ID)
	s.routes()
	return s
}

func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Service) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /rest/openapi.yaml", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		w.Write(OpenAPI)
	})
	m.HandleFunc("POST /rest/session", s.login)
	m.HandleFunc("POST /rest/session/refresh", s.refreshSession)
	m.HandleFunc("GET /rest/session/me", s.authed(s.me))
	m.HandleFunc("DELETE /rest/session", s.authed(s.logout))

	m.HandleFunc("GET /rest/accounts", s.authed(s.listAccounts))
	m.HandleFunc("POST /rest/accounts", s.signUp)
	m.HandleFunc("GET /rest/accounts/{id}", s.authed(s.getAccount))
	m.HandleFunc("GET /rest/lookup/email/{email}", s.authed(s.accountBy(func(a *account, v string) bool { return strings.EqualFold(a.Email, v) }, "email")))
	m.HandleFunc("GET /rest/lookup/username/{username}", s.authed(s.accountBy(func(a *account, v string) bool { return a.Username == v }, "username")))
	m.HandleFunc("PATCH /rest/accounts/{id}", s.authed(s.updateAccount))
	m.HandleFunc("DELETE /rest/accounts/{id}", s.admin(s.deleteAccount))
	m.HandleFunc("POST /rest/accounts/{id}/activation", s.admin(s.setActive(true)))
	m.HandleFunc("DELETE /rest/accounts/{id}/activation", s.admin(s.setActive(false)))
	m.HandleFunc("POST /rest/accounts/{id}/password", s.authed(s.changePassword))
	m.HandleFunc("POST /rest/accounts/{id}/password-reset", s.admin(s.resetPassword))

	m.HandleFunc("POST /rest/accounts/{id}/profile", s.authed(s.profileOp))
	m.HandleFunc("GET /rest/accounts/{id}/profile", s.authed(s.profileOp))
	m.HandleFunc("PATCH /rest/accounts/{id}/profile", s.authed(s.profileOp))
	m.HandleFunc("DELETE /rest/accounts/{id}/profile", s.authed(s.profileOp))

	m.HandleFunc("GET /rest/accounts/{id}/groups", s.authed(s.accountGroups))
	m.HandleFunc("PUT /rest/accounts/{id}/groups/{groupId}", s.admin(s.assignGroup))
	m.HandleFunc("DELETE /rest/accounts/{id}/groups/{groupId}", s.admin(s.revokeGroup))

	m.HandleFunc("GET /rest/groups", s.authed(s.listGroups))
	m.HandleFunc("POST /rest/groups", s.admin(s.createGroup))
	m.HandleFunc("GET /rest/groups/{id}", s.authed(s.getGroup))
	m.HandleFunc("PATCH /rest/groups/{id}", s.admin(s.updateGroup))
	m.HandleFunc("DELETE /rest/groups/{id}", s.admin(s.deleteGroup))

	m.HandleFunc("GET /rest/grants", s.authed(s.listGrants))
	m.HandleFunc("POST /rest/grants", s.admin(s.createGrant))
	m.HandleFunc("GET /rest/grants/{id}", s.authed(s.getGrant))
	m.HandleFunc("PATCH /rest/grants/{id}", s.admin(s.updateGrant))
	m.HandleFunc("DELETE /rest/grants/{id}", s.admin(s.deleteGrant))
	s.mux = m
}

// ---- plumbing

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

var uuidRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func token() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func hash(pw string) string {
	h := sha256.Sum256([]byte("othersvc:" + pw))
	return hex.EncodeToString(h[:])
}

func send(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

func one(w http.ResponseWriter, status int, data any) {
	send(w, status, map[string]any{"data": data, "meta": map[string]any{}})
}

func fail(w http.ResponseWriter, status int, code, msg string) {
	send(w, status, map[string]any{"error": map[string]any{"code": code, "message": msg}})
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(v); err != nil {
		fail(w, 400, "invalid_body", "the body must be a JSON object: "+err.Error())
		return false
	}
	return true
}

type caller struct{ acc *account }

type handler func(w http.ResponseWriter, r *http.Request, c caller)

// authed needs a valid access token; it holds the service's lock while the
// handler runs.
func (s *Service) authed(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		s.mu.Lock()
		defer s.mu.Unlock()
		sess := s.access[tok]
		if !ok || sess == nil || time.Now().After(sess.expires) {
			fail(w, 401, "unauthenticated", "a valid bearer token is required")
			return
		}
		acc := s.accounts[sess.account]
		if acc == nil || !acc.Active {
			fail(w, 401, "unauthenticated", "the account is gone or inactive")
			return
		}
		h(w, r, caller{acc})
	}
}

func (s *Service) admin(h handler) http.HandlerFunc {
	return s.authed(func(w http.ResponseWriter, r *http.Request, c caller) {
		if !c.acc.Admin {
			fail(w, 403, "forbidden", "administrators only")
			return
		}
		h(w, r, c)
	})
}

// pathID reads a UUID path value: malformed is 400, unknown is the caller's.
func pathID(w http.ResponseWriter, r *http.Request, name string) (string, bool) {
	id := r.PathValue(name)
	if !uuidRe.MatchString(id) {
		fail(w, 400, "invalid_id", name+" must be a UUID")
		return "", false
	}
	return id, true
}

func (s *Service) target(w http.ResponseWriter, r *http.Request) *account {
	id, ok := pathID(w, r, "id")
	if !ok {
		return nil
	}
	a := s.accounts[id]
	if a == nil {
		fail(w, 404, "not_found", "no such account")
	}
	return a
}

// self allows the account itself and admins.
func self(w http.ResponseWriter, c caller, a *account) bool {
	if c.acc.Admin || c.acc.ID == a.ID {
		return true
	}
	fail(w, 403, "forbidden", "only the account itself or an administrator")
	return false
}

// page answers one page of items in the {data, meta} envelope.
func page[T any](w http.ResponseWriter, r *http.Request, items []T) {
	q := r.URL.Query()
	n, per := 1, defaultPerPage
	if v := q.Get("page"); v != "" {
		if x, err := strconv.Atoi(v); err == nil && x >= 1 {
			n = x
		} else {
			fail(w, 400, "invalid_query", "page must be a number from 1")
			return
		}
	}
	if v := q.Get("perPage"); v != "" {
		if x, err := strconv.Atoi(v); err == nil && x >= 1 {
			per = min(x, maxPerPage)
		} else {
			fail(w, 400, "invalid_query", "perPage must be a number from 1")
			return
		}
	}
	lo := min((n-1)*per, len(items))
	hi := min(lo+per, len(items))
	send(w, 200, map[string]any{"data": items[lo:hi], "meta": map[string]any{"page": n, "perPage": per, "total": len(items)}})
}

// ---- session

type tokens struct {
	AccessToken  string `json:"accessToken"`
	RefreshToken string `json:"refreshToken"`
	ExpiresIn    int    `json:"expiresIn"`
	TokenType    string `json:"tokenType"`
}

func (s *Service) issue(acc *account) tokens {
	t := tokens{AccessToken: token(), RefreshToken: token(), ExpiresIn: int(tokenTTL / time.Second), TokenType: "Bearer"}
	s.access[t.AccessToken] = &session{account: acc.ID, refresh: t.RefreshToken, expires: time.Now().Add(tokenTTL)}
	s.refresh[t.RefreshToken] = t.AccessToken
	return t
}

func (s *Service) login(w http.ResponseWriter, r *http.Request) {
	var in struct{ Email, Password string }
	if !decode(w, r, &in) {
		return
	}
	if in.Email == "" || in.Password == "" {
		fail(w, 400, "invalid_input", "email and password are required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, acc := range s.accounts {
		if strings.EqualFold(acc.Email, in.Email) && acc.passHash == hash(in.Password) && acc.Active {
			one(w, 201, s.issue(acc))
			return
		}
	}
	fail(w, 401, "invalid_credentials", "wrong email or password")
}

func (s *Service) refreshSession(w http.ResponseWriter, r *http.Request) {
	var in struct {
		RefreshToken string `json:"refreshToken"`
	}
	if !decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.refresh[in.RefreshToken]
	sess := s.access[old]
	if !ok || sess == nil || s.accounts[sess.account] == nil {
		fail(w, 401, "invalid_refresh", "unknown or used refresh token")
		return
	}
	delete(s.refresh, in.RefreshToken)
	delete(s.access, old)
	one(w, 200, s.issue(s.accounts[sess.account]))
}

func (s *Service) me(w http.ResponseWriter, _ *http.Request, c caller) { one(w, 200, view(c.acc)) }

func (s *Service) logout(w http.ResponseWriter, r *http.Request, _ caller) {
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if sess := s.access[tok]; sess != nil {
		delete(s.refresh, sess.refresh)
	}
	delete(s.access, tok)
	w.WriteHeader(204)
}

// ---- accounts

func view(a *account) map[string]any {
	return map[string]any{"id": a.ID, "username": a.Username, "email": a.Email, "displayName": a.DisplayName,
		"active": a.Active, "createdAt": a.Created.UTC().Format(time.RFC3339)}
}

var usernameRe = regexp.MustCompile(`^[A-Za-z0-9_]{3,64}$`)

func validPassword(p string) bool { return len(p) >= 10 && strings.ContainsAny(p, "0123456789") }

func (s *Service) signUp(w http.ResponseWriter, r *http.Request) {
	var in struct{ Username, Email, Password, DisplayName string }
	if !decode(w, r, &in) {
		return
	}
	if !usernameRe.MatchString(in.Username) || !strings.Contains(in.Email, "@") || !strings.Contains(in.Email, ".") ||
		!validPassword(in.Password) || strings.TrimSpace(in.DisplayName) == "" {
		fail(w, 400, "invalid_input", "username (3–64 letters, digits, _), email, password (10+ with a digit) and displayName are required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.accounts {
		if a.Username == in.Username || strings.EqualFold(a.Email, in.Email) {
			fail(w, 409, "taken", "username or email already taken")
			return
		}
	}
	a := &account{ID: newID(), Username: in.Username, Email: in.Email, DisplayName: in.DisplayName, passHash: hash(in.Password),
		Active: true, Created: time.Now()}
	s.accounts[a.ID] = a
	s.order = append(s.order, a.ID)
	one(w, 201, view(a))
}

func (s *Service) listAccounts(w http.ResponseWriter, r *http.Request, _ caller) {
	q := r.URL.Query()
	term, searching := strings.ToLower(q.Get("search")), q.Has("search")
	if searching && term == "" {
		fail(w, 400, "invalid_query", "search must not be empty")
		return
	}
	out := []map[string]any{}
	for _, id := range s.order {
		a := s.accounts[id]
		if searching && !strings.Contains(strings.ToLower(a.Username+" "+a.Email+" "+a.DisplayName), term) {
			continue
		}
		out = append(out, view(a))
	}
	page(w, r, out)
}

func (s *Service) getAccount(w http.ResponseWriter, r *http.Request, _ caller) {
	if a := s.target(w, r); a != nil {
		one(w, 200, view(a))
	}
}

func (s *Service) accountBy(match func(*account, string) bool, name string) handler {
	return func(w http.ResponseWriter, r *http.Request, _ caller) {
		v := r.PathValue(name)
		for _, a := range s.accounts {
			if match(a, v) {
				one(w, 200, view(a))
				return
			}
		}
		fail(w, 404, "not_found", "no account with that "+name)
	}
}

func (s *Service) updateAccount(w http.ResponseWriter, r *http.Request, c caller) {
	a := s.target(w, r)
	if a == nil || !self(w, c, a) {
		return
	}
	var in struct {
		DisplayName *string `json:"displayName"`
		Email       *string `json:"email"`
	}
	if !decode(w, r, &in) {
		return
	}
	if in.DisplayName != nil {
		if strings.TrimSpace(*in.DisplayName) == "" {
			fail(w, 400, "invalid_input", "displayName must not be empty")
			return
		}
		a.DisplayName = *in.DisplayName
	}
	if in.Email != nil {
		a.Email = *in.Email
	}
	one(w, 200, view(a))
}

func (s *Service) deleteAccount(w http.ResponseWriter, r *http.Request, c caller) {
	a := s.target(w, r)
	if a == nil {
		return
	}
	if a.ID == c.acc.ID {
		fail(w, 409, "conflict", "an administrator cannot delete itself")
		return
	}
	delete(s.accounts, a.ID)
	s.order = slices.DeleteFunc(s.order, func(id string) bool { return id == a.ID })
	for tok, sess := range s.access {
		if sess.account == a.ID {
			delete(s.refresh, sess.refresh)
			delete(s.access, tok)
		}
	}
	w.WriteHeader(204)
}

func (s *Service) setActive(active bool) handler {
	return func(w http.ResponseWriter, r *http.Request, _ caller) {
		if a := s.target(w, r); a != nil {
			a.Active = active
			one(w, 200, view(a))
		}
	}
}

func (s *Service) changePassword(w http.ResponseWriter, r *http.Request, c caller) {
	a := s.target(w, r)
	if a == nil || !self(w, c, a) {
		return
	}
	var in struct{ CurrentPassword, NewPassword string }
	if !decode(w, r, &in) {
		return
	}
	if a.passHash != hash(in.CurrentPassword) || !validPassword(in.NewPassword) {
		fail(w, 400, "invalid_input", "currentPassword is wrong or newPassword too weak")
		return
	}
	a.passHash = hash(in.NewPassword)
	w.WriteHeader(204)
}

func (s *Service) resetPassword(w http.ResponseWriter, r *http.Request, _ caller) {
	a := s.target(w, r)
	if a == nil {
		return
	}
	var in struct{ NewPassword string }
	if !decode(w, r, &in) {
		return
	}
	if !validPassword(in.NewPassword) {
		fail(w, 400, "invalid_input", "newPassword too weak")
		return
	}
	a.passHash = hash(in.NewPassword)
	w.WriteHeader(204)
}

// ---- profile

var phoneRe = regexp.MustCompile(`^\+?[0-9 ]{6,20}$`)

func (s *Service) profileOp(w http.ResponseWriter, r *http.Request, c caller) {
	a := s.target(w, r)
	if a == nil {
		return
	}
	if r.Method != http.MethodGet && !self(w, c, a) {
		return
	}
	switch r.Method {
	case http.MethodGet:
		if a.Profile == nil {
			fail(w, 404, "not_found", "the account has no profile")
			return
		}
		one(w, 200, a.Profile)
		return
	case http.MethodDelete:
		if a.Profile == nil {
			fail(w, 404, "not_found", "the account has no profile")
			return
		}
		a.Profile = nil
		w.WriteHeader(204)
		return
	}
	var in struct{ Bio, Location, Website, Phone *string }
	if !decode(w, r, &in) {
		return
	}
	if in.Phone != nil && !phoneRe.MatchString(*in.Phone) || in.Website != nil && !strings.HasPrefix(*in.Website, "http") {
		fail(w, 400, "invalid_input", "phone must be digits, website an http(s) URL")
		return
	}
	status := 200
	if r.Method == http.MethodPost {
		if a.Profile != nil {
			fail(w, 409, "conflict", "the profile exists; PATCH it")
			return
		}
		a.Profile, status = &profile{}, 201
	} else if a.Profile == nil {
		fail(w, 404, "not_found", "the account has no profile; POST it")
		return
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&a.Profile.Bio, in.Bio)
	set(&a.Profile.Location, in.Location)
	set(&a.Profile.Website, in.Website)
	set(&a.Profile.Phone, in.Phone)
	one(w, status, a.Profile)
}

// ---- groups and grants

func groupView(g *group) map[string]any {
	return map[string]any{"id": g.ID, "title": g.Title, "summary": g.Summary, "grants": g.Grants}
}

func grantView(g *grant) map[string]any {
	return map[string]any{"id": g.ID, "key": g.Key, "note": g.Note}
}

func filtered[T any](r *http.Request, ids []string, get func(string) T, text func(T) string, view func(T) map[string]any) []map[string]any {
	term := strings.ToLower(r.URL.Query().Get("search"))
	out := []map[string]any{}
	for _, id := range ids {
		x := get(id)
		if term == "" || strings.Contains(strings.ToLower(text(x)), term) {
			out = append(out, view(x))
		}
	}
	return out
}

func (s *Service) listGroups(w http.ResponseWriter, r *http.Request, _ caller) {
	page(w, r, filtered(r, s.gorder, func(id string) *group { return s.groups[id] }, func(g *group) string { return g.Title }, groupView))
}

func (s *Service) listGrants(w http.ResponseWriter, r *http.Request, _ caller) {
	page(w, r, filtered(r, s.rorder, func(id string) *grant { return s.grants[id] }, func(g *grant) string { return g.Key }, grantView))
}

func (s *Service) createGroup(w http.ResponseWriter, r *http.Request, _ caller) {
	var in struct {
		Title, Summary string
		Grants         []string
	}
	if !decode(w, r, &in) {
		return
	}
	if strings.TrimSpace(in.Title) == "" {
		fail(w, 400, "invalid_input", "title is required")
		return
	}
	for _, g := range s.groups {
		if g.Title == in.Title {
			fail(w, 409, "taken", "a group has that title")
			return
		}
	}
	g := &group{ID: newID(), Title: in.Title, Summary: in.Summary, Grants: in.Grants}
	s.groups[g.ID] = g
	s.gorder = append(s.gorder, g.ID)
	one(w, 201, groupView(g))
}

func (s *Service) createGrant(w http.ResponseWriter, r *http.Request, _ caller) {
	var in struct{ Key, Note string }
	if !decode(w, r, &in) {
		return
	}
	if strings.TrimSpace(in.Key) == "" {
		fail(w, 400, "invalid_input", "key is required")
		return
	}
	for _, g := range s.grants {
		if g.Key == in.Key {
			fail(w, 409, "taken", "a grant has that key")
			return
		}
	}
	g := &grant{ID: newID(), Key: in.Key, Note: in.Note}
	s.grants[g.ID] = g
	s.rorder = append(s.rorder, g.ID)
	one(w, 201, grantView(g))
}

func lookupID[T any](w http.ResponseWriter, r *http.Request, m map[string]T, what string) (T, bool) {
	var zero T
	id, ok := pathID(w, r, "id")
	if !ok {
		return zero, false
	}
	x, ok := m[id]
	if !ok {
		fail(w, 404, "not_found", "no such "+what)
	}
	return x, ok
}

func (s *Service) getGroup(w http.ResponseWriter, r *http.Request, _ caller) {
	if g, ok := lookupID(w, r, s.groups, "group"); ok {
		one(w, 200, groupView(g))
	}
}

func (s *Service) getGrant(w http.ResponseWriter, r *http.Request, _ caller) {
	if g, ok := lookupID(w, r, s.grants, "grant"); ok {
		one(w, 200, grantView(g))
	}
}

// patchText sets the text fields of a group or grant the body names.
func patchText[T any](w http.ResponseWriter, r *http.Request, m map[string]T, what string, set func(x T, field, value string), view func(T) map[string]any) {
	x, ok := lookupID(w, r, m, what)
	if !ok {
		return
	}
	var in map[string]any
	if !decode(w, r, &in) {
		return
	}
	for k, v := range in {
		if text, isText := v.(string); isText {
			set(x, k, text)
		}
	}
	one(w, 200, view(x))
}

func (s *Service) updateGroup(w http.ResponseWriter, r *http.Request, _ caller) {
	patchText(w, r, s.groups, "group", func(g *group, field, v string) {
		switch field {
		case "title":
			g.Title = v
		case "summary":
			g.Summary = v
		}
	}, groupView)
}

func (s *Service) updateGrant(w http.ResponseWriter, r *http.Request, _ caller) {
	patchText(w, r, s.grants, "grant", func(g *grant, field, v string) {
		switch field {
		case "key":
			g.Key = v
		case "note":
			g.Note = v
		}
	}, grantView)
}

// remove deletes the record the path names from m and order.
func remove[T any](w http.ResponseWriter, r *http.Request, m map[string]T, order *[]string, what string) (string, bool) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return "", false
	}
	if _, ok := m[id]; !ok {
		fail(w, 404, "not_found", "no such "+what)
		return "", false
	}
	delete(m, id)
	*order = slices.DeleteFunc(*order, func(x string) bool { return x == id })
	w.WriteHeader(204)
	return id, true
}

func (s *Service) deleteGroup(w http.ResponseWriter, r *http.Request, _ caller) {
	if id, ok := remove(w, r, s.groups, &s.gorder, "group"); ok {
		for _, a := range s.accounts {
			a.Groups = slices.DeleteFunc(a.Groups, func(x string) bool { return x == id })
		}
	}
}

func (s *Service) deleteGrant(w http.ResponseWriter, r *http.Request, _ caller) {
	remove(w, r, s.grants, &s.rorder, "grant")
}

func (s *Service) accountGroups(w http.ResponseWriter, r *http.Request, _ caller) {
	a := s.target(w, r)
	if a == nil {
		return
	}
	out := []map[string]any{}
	for _, id := range a.Groups {
		if g := s.groups[id]; g != nil {
			out = append(out, groupView(g))
		}
	}
	page(w, r, out)
}

func (s *Service) assignGroup(w http.ResponseWriter, r *http.Request, _ caller) {
	a := s.target(w, r)
	if a == nil {
		return
	}
	gid, ok := pathID(w, r, "groupId")
	if !ok {
		return
	}
	if s.groups[gid] == nil {
		fail(w, 404, "not_found", "no such group")
		return
	}
	if !slices.Contains(a.Groups, gid) {
		a.Groups = append(a.Groups, gid)
	}
	w.WriteHeader(204)
}

func (s *Service) revokeGroup(w http.ResponseWriter, r *http.Request, _ caller) {
	a := s.target(w, r)
	if a == nil {
		return
	}
	gid, ok := pathID(w, r, "groupId")
	if !ok {
		return
	}
	if !slices.Contains(a.Groups, gid) {
		fail(w, 404, "not_found", "the account is not in that group")
		return
	}
	a.Groups = slices.DeleteFunc(a.Groups, func(id string) bool { return id == gid })
	w.WriteHeader(204)
}

// Count is how many accounts, groups and grants have a name starting with
// prefix (tests: what a run left behind).
func (s *Service) Count(prefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, a := range s.accounts {
		if strings.HasPrefix(a.Username, prefix) {
			n++
		}
	}
	for _, g := range s.groups {
		if strings.HasPrefix(g.Title, prefix) {
			n++
		}
	}
	for _, g := range s.grants {
		if strings.HasPrefix(g.Key, prefix) {
			n++
		}
	}
	return n
}

// Server is a Service listening on a loopback port.
type Server struct {
	*Service
	URL string // http://127.0.0.1:PORT
	srv *http.Server
}

// Start serves a new Service on an ephemeral loopback port.
func Start(adminPassword string) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start othersvc: %w", err)
	}
	s := &Server{Service: New(adminPassword), URL: "http://" + ln.Addr().String()}
	s.srv = &http.Server{Handler: s.Service, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the server.
func (s *Server) Close() { _ = s.srv.Close() }
