// Package check verifies an API profile against a live target before any
// load (`trafficsim check`, and `trafficsim run` first): a handful of safe
// requests under a probe account it creates and removes, one or more per
// capability, each judged with a concrete fix when it fails — a token or list
// that is not where the profile says (and where it is), a route the target does
// not have, a method it refuses (and the ones it takes).
package check

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/client"
	"github.com/trafficsim/trafficsim/engine/transport"
)

// Options say what to check.
type Options struct {
	BaseURL string
	Profile client.Profile
	// ProfileGiven: the profile came from the user (--api-profile or a
	// scenario's api:). Without one, a target that does not answer the
	// reference login is "not the reference API" (Report.Fatal).
	ProfileGiven  bool
	AdminUser     string
	AdminPassword string
	// Network are the network settings (TLS, proxy, HTTP version) of the
	// client made for BaseURL and Profile when Client is nil.
	Network transport.Settings
	// Client, when set, sends the requests (tests, or a client with the run's
	// network settings); else one is made for BaseURL, Profile and Network.
	Client *client.Client
}

// Verdicts.
const (
	Pass = "ok"
	Fail = "FAIL"
	Skip = "skipped"
)

// Row is one request of the check.
type Row struct {
	Capability string `json:"capability"`     // catalog id, with a note: "auth.login (admin)"
	Method     string `json:"method"`         // under the profile
	Path       string `json:"path"`           // route template under the profile
	Status     int    `json:"status"`         // 0: no answer
	Verdict    string `json:"verdict"`        // ok, FAIL, skipped
	Fix        string `json:"fix,omitempty"`  // what to change, for a failure
	Note       string `json:"note,omitempty"` // why skipped, or what was checked
}

// Report is the outcome of a check.
type Report struct {
	Rows []Row `json:"rows"`
	// Fatal is why a run must not start (login, token path, not the reference
	// API); "" when it may.
	Fatal string `json:"fatal,omitempty"`
	// Left names what the check created and could not verify removed (an
	// interrupt, a target that stopped answering): the probe account, its
	// role and permission. RunID is the id in their names (sim_<id>_…), for
	// trafficsim cleanup --run; BaseURL the target.
	Left    []string `json:"left,omitempty"`
	RunID   string   `json:"run_id,omitempty"`
	BaseURL string   `json:"base_url,omitempty"`
}

// LeftText says what the check left on the target and how to remove it;
// "" when it left nothing.
func (r *Report) LeftText() string {
	if len(r.Left) == 0 {
		return ""
	}
	return fmt.Sprintf("the check's records may be left on the target (not verified removed): %s; remove them with trafficsim cleanup --base-url %s --run %s",
		strings.Join(r.Left, ", "), r.BaseURL, r.RunID)
}

// Failed reports whether any row failed.
func (r *Report) Failed() bool {
	return r.Fatal != "" || slices.ContainsFunc(r.Rows, func(x Row) bool { return x.Verdict == Fail })
}

// Failures are the failed rows.
func (r *Report) Failures() []Row {
	var out []Row
	for _, x := range r.Rows {
		if x.Verdict == Fail {
			out = append(out, x)
		}
	}
	return out
}

// Write prints the table, then the fix of each failure.
func (r *Report) Write(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if len(r.Rows) > 0 { // a preflight failure has no rows: no empty table
		fmt.Fprintln(tw, "CAPABILITY\tMETHOD\tPATH\tSTATUS\tVERDICT")
	}
	for _, x := range r.Rows {
		status := "-"
		if x.Status > 0 {
			status = strconv.Itoa(x.Status)
		} else if x.Verdict != Skip {
			status = "none"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", x.Capability, x.Method, x.Path, status, x.Verdict)
	}
	tw.Flush()
	fails := r.Failures()
	if len(fails) > 0 {
		fmt.Fprintf(w, "\n%d of %d checks failed:\n", len(fails), len(r.Rows))
		for _, x := range fails {
			fmt.Fprintf(w, "  ✗ %s: %s\n", x.Capability, x.Fix)
		}
	}
	if r.Fatal != "" {
		fmt.Fprintf(w, "\n%s\n", r.Fatal)
	}
	if !r.Failed() {
		fmt.Fprintf(w, "\nall %d checks passed\n", len(r.Rows))
	}
	if text := r.LeftText(); text != "" {
		fmt.Fprintf(w, "\n%s\n", text)
	}
}

// checker is one check's state.
type checker struct {
	o      Options
	c      *client.Client
	p      client.Profile // defaults filled
	rep    Report
	admin  string // admin access token
	probe  probe
	prefix string // sim_<id>_
}

type probe struct {
	username, email, password string
	id                        string
	access, refresh           string
}

// Run checks the target. The error is for options that cannot work (a bad base
// URL or profile); everything the target answers is in the report.
func Run(ctx context.Context, o Options) (*Report, error) {
	c := o.Client
	if c == nil {
		var err error
		c, err = client.New(client.Options{BaseURL: o.BaseURL, Profile: o.Profile, Conns: 4, Network: o.Network})
		if err != nil {
			return nil, err
		}
		defer c.Close()
		// A certificate failure is one clear reason, not a table of failed rows.
		if err := c.Preflight(ctx); err != nil {
			return &Report{Fatal: err.Error()}, nil
		}
	}
	id := probeRunID()
	k := &checker{o: o, c: c, p: c.Profile(), prefix: "sim_" + id + "_"}
	k.rep.RunID, k.rep.BaseURL = id, o.BaseURL
	k.run(ctx)
	return &k.rep, nil
}

// pending notes a record about to be created: left until done says it is gone.
func (k *checker) pending(name string) { k.rep.Left = append(k.rep.Left, name) }

// done notes that the record named name is not on the target (deleted, or
// its creation refused).
func (k *checker) done(name string) {
	k.rep.Left = slices.DeleteFunc(k.rep.Left, func(x string) bool { return x == name })
}

// refused reports whether an answer says for certain that nothing was done.
func refused(res client.Result) bool { return res.Status >= 400 && res.Status < 500 }

// probeRunID is a run id for the probe's names, so `trafficsim cleanup` and
// the engine's own rules recognise them.
func probeRunID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func (k *checker) run(ctx context.Context) {
	if !k.adminLogin(ctx) {
		return
	}
	defer k.logoutAdmin(ctx)
	// Deferred before the sign-up: one cut short may have created the probe.
	defer k.deleteProbe(ctx)
	if !k.signUp(ctx) {
		return
	}
	if !k.probeLogin(ctx) {
		return
	}
	k.self(ctx)
	k.adminActions(ctx)
}

// do sends a call (with the token unless the capability is public) and
// records its row: a pass is a 1xx–3xx answer.
func (k *checker) do(ctx context.Context, id, note string, call *client.Call, token string) (client.Result, *Row) {
	ep := catalog.MustLookup(id)
	call.Endpoint = ep
	call.Decode = true
	if !ep.Public {
		call.Token = token
	}
	res := k.send(ctx, call)
	name := id
	if note != "" {
		name += " (" + note + ")"
	}
	row := Row{Capability: name, Method: k.c.Method(ep), Path: k.c.Route(ep), Status: res.Status, Verdict: Pass}
	if fix := k.judge(ep, &res, token); fix != "" {
		row.Verdict, row.Fix = Fail, fix
	}
	k.rep.Rows = append(k.rep.Rows, row)
	return res, &k.rep.Rows[len(k.rep.Rows)-1]
}

// send sends the call, again up to twice after a 5xx, a 429 or no answer: a
// target injecting faults, or busy, is not a wrong profile.
func (k *checker) send(ctx context.Context, call *client.Call) client.Result {
	res := k.c.Do(ctx, call)
	for attempt := 1; attempt < 3 && (res.Status >= 500 || res.Status == 429 || res.Status == 0 && res.ErrKind != client.KindCanceled); attempt++ {
		wait := time.Duration(attempt*attempt) * 100 * time.Millisecond
		if res.RetryAfter > 0 {
			wait = min(res.RetryAfter, 2*time.Second)
		}
		select {
		case <-ctx.Done():
			return res
		case <-time.After(wait):
		}
		res = k.c.Do(ctx, call)
	}
	return res
}

func (k *checker) skip(id, why string) {
	ep := catalog.MustLookup(id)
	k.rep.Rows = append(k.rep.Rows, Row{Capability: id, Method: k.c.Method(ep), Path: k.c.Route(ep), Verdict: Skip, Note: why})
}

// judge names the fix of a failed answer, "" when it passed.
func (k *checker) judge(ep *catalog.Endpoint, res *client.Result, token string) string {
	route := fmt.Sprintf("routes.%s (now %s %s)", ep.ID, k.c.Method(ep), k.c.Route(ep))
	var redirect *client.RedirectError
	switch {
	case res.ErrKind != "" && res.Status == 0:
		return fmt.Sprintf("no answer (%s: %v); is --base-url right and the target up?", res.ErrKind, res.Err)
	case errors.As(res.Err, &redirect):
		return redirectFix(redirect, k.basePath())
	case res.Status == 404:
		return "the target has no such route (404): set " + route + " to the target's path"
	case res.Status == 405:
		if res.Allow != "" {
			m := strings.TrimSpace(strings.Split(res.Allow, ",")[0])
			return fmt.Sprintf("the target refuses %s here (405; it allows %s): write routes.%s: \"%s %s\"",
				k.c.Method(ep), res.Allow, ep.ID, m, strings.TrimPrefix(k.c.Route(ep), k.basePath()))
		}
		return "the target refuses the method (405): give the method in " + route + ", e.g. \"GET /path\""
	case res.Status == 401 && token != "":
		return fmt.Sprintf("the token was refused (401): check token.header (%s) and token.scheme (%s)", k.p.Token.Header, k.p.Token.Scheme)
	case res.Status == 403:
		return "forbidden (403): the probe or admin lacks the right; check --admin-user"
	case res.Status >= 400 && res.Status < 500:
		return fmt.Sprintf("the target refused the request (%d%s): check the body fields (fields, resource_fields.%s) and envelope",
			res.Status, errorText(res), resourceOf(ep))
	case res.Status >= 500:
		return fmt.Sprintf("the target failed (%d%s)", res.Status, errorText(res))
	case res.ErrKind != "":
		return fmt.Sprintf("the answer could not be read (%v)", res.Err)
	}
	return ""
}

func (k *checker) basePath() string {
	if k.p.BasePath == "" {
		return "/api/v1"
	}
	return strings.TrimSuffix(k.p.BasePath, "/")
}

func resourceOf(ep *catalog.Endpoint) string {
	r, _, _ := strings.Cut(ep.ID, ".")
	if r == "user_roles" {
		return "roles"
	}
	return r
}

// errorText is a short quote of an error answer.
func errorText(res *client.Result) string {
	if res.JSON == nil {
		return ""
	}
	for _, p := range []string{"error.message", "message", "error", "detail", "title"} {
		if v, ok := client.JSONPath(res.JSON, p); ok {
			if s, ok := v.(string); ok && s != "" {
				if len(s) > 120 {
					s = s[:120] + "…"
				}
				return ": " + strconv.Quote(s)
			}
		}
	}
	return ""
}

// ---- steps

func (k *checker) loginBody(ident, password string) client.Body {
	return client.Body{{Name: k.p.Login.Field, Value: ident}, {Name: k.p.Login.PasswordField, Value: password}}
}

func (k *checker) adminLogin(ctx context.Context) bool {
	call := &client.Call{Body: k.loginBody(k.o.AdminUser, k.o.AdminPassword)}
	res, row := k.do(ctx, catalog.AuthLogin, "admin", call, "")
	if row.Verdict == Fail {
		switch {
		case !k.o.ProfileGiven && (res.Status == 404 || res.Status == 405 || res.Status == 0 && res.ErrKind == ""):
			k.rep.Fatal = fmt.Sprintf("the target does not look like the reference API (%s %s answered %d): give its API profile with --api-profile FILE "+
				"(draft one with trafficsim profile init --openapi URL) and verify it with trafficsim check", row.Method, row.Path, res.Status)
		case res.Status == 401 || res.Status == 403:
			row.Fix = fmt.Sprintf("the admin login was refused (%d): check --admin-user (%q) and --admin-password, and login.with/field/password_field", res.Status, k.o.AdminUser)
			// The one line a refused run prints: it names what to fix, as the row does.
			k.rep.Fatal = fmt.Sprintf("the admin login was refused (%d); the run needs it (admin journeys, cleanup): check --admin-user (%q) and --admin-password", res.Status, k.o.AdminUser)
		default:
			k.rep.Fatal = "the admin login failed; the run needs it (admin journeys, cleanup)"
		}
		return false
	}
	t, ok := k.tokens(ctx, call, &res, row)
	k.admin = t.Access
	return ok
}

// tokens reads a login answer's tokens; without an access token the row
// fails with where the token is, and no run may start.
func (k *checker) tokens(ctx context.Context, call *client.Call, res *client.Result, row *Row) (client.Tokens, bool) {
	t, ok := k.c.Tokens(res)
	if !ok {
		fix, cookies := k.tokenFix(ctx, call, res)
		row.Verdict, row.Fix = Fail, fix
		k.rep.Fatal = "no VU could hold a token: fix token.access before a run"
		if len(cookies) > 0 {
			k.rep.Fatal = (&client.CookieSessionError{Cookies: cookies}).Error()
		}
	}
	return t, ok
}

// tokenFix says where the login answer has its token; with none in the body
// of a 2xx answer to login, a call that sets cookies (sent again: the run's
// transport keeps no Set-Cookie), that the API is a cookie-session one,
// naming its cookies. A nil login is not sent again.
func (k *checker) tokenFix(ctx context.Context, login *client.Call, res *client.Result) (fix string, cookies []string) {
	fix = fmt.Sprintf("no token at %s", k.p.Token.Access)
	if cand := candidates(res.JSON, tokenScore); len(cand) > 0 {
		return fix + fmt.Sprintf("; the login answer has %s: set token.access: %s", cand[0], cand[0]), nil
	}
	if login != nil && res.Status >= 200 && res.Status < 300 {
		if cookies, _ = k.c.LoginCookies(ctx, login); len(cookies) > 0 {
			return fix + fmt.Sprintf("; the login answer sets a cookie instead (Set-Cookie: %s): cookie-based sessions are not supported. "+
				"trafficsim sends a bearer token (token.header %s, token.scheme %s) that it reads from the login answer's JSON body: the API must return one there. "+
				"If it does, elsewhere in the body, set token.access (and token.refresh, token.expires_in) to its dotted path, e.g. token.access: data.token",
				strings.Join(cookies, ", "), k.p.Token.Header, k.p.Token.Scheme), cookies
		}
	}
	return fix + fmt.Sprintf("; the login answer has no string that looks like a token (its fields: %s)", strings.Join(leaves(res.JSON), ", ")), nil
}

func (k *checker) signUp(ctx context.Context) bool {
	pr := &k.probe
	pr.username = k.prefix + "probe"
	pr.email = pr.username + "@simulation.test"
	pr.password = "Probe-" + probeRunID()[:6] + "-9"
	k.pending(pr.username)
	res, row := k.do(ctx, catalog.UsersCreate, "probe sign-up", &client.Call{Body: client.Body{
		{Name: "username", Value: pr.username}, {Name: "email", Value: pr.email},
		{Name: "password", Value: pr.password}, {Name: "name", Value: "Trafficsim Probe"}}}, "")
	if row.Verdict == Fail {
		if refused(res) {
			k.done(pr.username)
		}
		return false
	}
	if obj, ok := k.c.Object(&res); ok {
		pr.id, _ = k.c.ID(obj)
	}
	if pr.id == "" {
		row.Verdict = Fail
		row.Fix = fmt.Sprintf("no id at %s", joinPath(k.p.Object, k.p.ID))
		if cand := candidates(res.JSON, idScore); len(cand) > 0 {
			row.Fix += fmt.Sprintf("; the answer has %s: set object and id accordingly (object: %s, id: %s)", cand[0], parent(cand[0]), last(cand[0]))
		} else {
			row.Fix += "; the answer body holds no id (an id given only in a Location header is not read)"
		}
		// A run could not tell which accounts it created: it could neither track
		// nor clean them up, and every session would sign up again.
		k.rep.Fatal = fmt.Sprintf("the answer of creating a user carries no id the profile can read (%s): a run could not track, nor so clean up, the accounts it creates. "+
			"The probe account %s was created and is left: remove it with trafficsim cleanup", row.Fix, pr.username)
		return false
	}
	row.Note = "id " + pr.id
	return true
}

func (k *checker) probeLogin(ctx context.Context) bool {
	pr := &k.probe
	ident := pr.username
	if k.p.Login.With == "email" {
		ident = pr.email
	}
	call := &client.Call{Body: k.loginBody(ident, pr.password)}
	res, row := k.do(ctx, catalog.AuthLogin, "probe", call, "")
	if row.Verdict == Fail {
		k.rep.Fatal = "a new account could not log in: VUs would hold no token"
		return false
	}
	t, ok := k.tokens(ctx, call, &res, row)
	if !ok {
		return false
	}
	pr.access, pr.refresh = t.Access, t.Refresh
	if t.Refresh == "" {
		row.Note = "no refresh token at " + k.p.Token.Refresh
	}
	return true
}

// self checks what the probe does to itself.
func (k *checker) self(ctx context.Context) {
	pr := &k.probe
	tok := func() string { return pr.access }
	k.do(ctx, catalog.AuthMe, "", &client.Call{}, tok())
	if pr.refresh != "" {
		res, row := k.do(ctx, catalog.AuthRefresh, "", &client.Call{Body: client.Body{{Name: k.p.Token.RefreshField, Value: pr.refresh}}}, "")
		if row.Verdict == Pass {
			if t, ok := k.c.Tokens(&res); ok {
				pr.access, pr.refresh = t.Access, t.Refresh
			} else {
				row.Verdict = Fail
				row.Fix, _ = k.tokenFix(ctx, nil, &res) // a refresh token is not sent twice
			}
		}
	} else {
		k.skip(catalog.AuthRefresh, "the login answer has no refresh token at "+k.p.Token.Refresh)
	}
	k.list(ctx, catalog.UsersList, tok())
	k.paging(ctx, tok())
	res, row := k.do(ctx, catalog.UsersSearch, "", &client.Call{Query: k.c.ListQuery(pr.username, 1, 10)}, tok())
	if row.Verdict == Pass && k.itemsFix(row, &res) && !slices.ContainsFunc(k.c.Items(&res), func(o map[string]any) bool {
		id, _ := k.c.ID(o)
		return id == pr.id
	}) {
		row.Verdict = Fail
		row.Fix = fmt.Sprintf("searching %s=%s did not find the probe account: check query.search (now %q)", k.p.Query.Search, pr.username, k.p.Query.Search)
	}
	k.do(ctx, catalog.UsersGet, "", &client.Call{Params: [2]string{pr.id}}, tok())
	k.do(ctx, catalog.UsersByEmail, "", &client.Call{Params: [2]string{pr.email}}, tok())
	k.do(ctx, catalog.UsersByUsername, "", &client.Call{Params: [2]string{pr.username}}, tok())
	k.do(ctx, catalog.UsersUpdate, "", &client.Call{Params: [2]string{pr.id}, Body: client.Body{{Name: "name", Value: "Trafficsim Probe II"}}}, tok())
	prof := client.Body{{Name: "bio", Value: "probe"}, {Name: "location", Value: "Lisbon"}, {Name: "website", Value: "https://example.org/probe"}, {Name: "phone", Value: "+4915112345678"}}
	k.do(ctx, catalog.ProfileCreate, "", &client.Call{Params: [2]string{pr.id}, Body: prof}, tok())
	k.do(ctx, catalog.ProfileGet, "", &client.Call{Params: [2]string{pr.id}}, tok())
	k.do(ctx, catalog.ProfileUpdate, "", &client.Call{Params: [2]string{pr.id}, Body: prof[:1]}, tok())
	k.do(ctx, catalog.ProfileDelete, "", &client.Call{Params: [2]string{pr.id}}, tok())
	k.list(ctx, catalog.RolesList, tok())
	k.list(ctx, catalog.PermissionsList, tok())
	k.do(ctx, catalog.UserRolesList, "", &client.Call{Params: [2]string{pr.id}}, tok())
	next := pr.password + "x"
	if _, row := k.do(ctx, catalog.UsersChangePasswd, "", &client.Call{Params: [2]string{pr.id},
		Body: client.Body{{Name: "current_password", Value: pr.password}, {Name: "new_password", Value: next}}}, tok()); row.Verdict == Pass {
		pr.password = next
	}
	body := client.Body(nil)
	if pr.refresh != "" {
		body = client.Body{{Name: k.p.Token.RefreshField, Value: pr.refresh}}
	}
	k.do(ctx, catalog.AuthLogout, "", &client.Call{Body: body}, tok())
}

// list checks a list answer: its items where the profile says.
func (k *checker) list(ctx context.Context, id, token string) {
	res, row := k.do(ctx, id, "", &client.Call{Query: k.c.ListQuery("", 1, 10)}, token)
	if row.Verdict == Pass {
		k.itemsFix(row, &res)
	}
}

// itemsFix fails the row when the answer has no list at the items path.
func (k *checker) itemsFix(row *Row, res *client.Result) bool {
	v, ok := client.JSONPath(res.JSON, k.p.Items)
	if _, isList := v.([]any); ok && isList {
		return true
	}
	row.Verdict = Fail
	row.Fix = fmt.Sprintf("no list at %s", k.p.Items)
	if cand := candidates(res.JSON, listScore); len(cand) > 0 {
		row.Fix += fmt.Sprintf("; the answer has a list at %s: set items: %s", cand[0], cand[0])
	}
	return false
}

// paging asks for pages of one record: the size parameter must be honoured,
// the total found where the profile says, and the second page must differ.
func (k *checker) paging(ctx context.Context, token string) {
	q1 := k.c.ListQuery("", 1, 1)
	res, row := k.do(ctx, catalog.UsersList, "paging", &client.Call{Query: q1}, token)
	if row.Verdict != Pass || !k.itemsFix(row, &res) {
		return
	}
	items := k.c.Items(&res)
	row.Note = "page 1 of size 1"
	if len(items) > 1 {
		row.Verdict = Fail
		row.Fix = fmt.Sprintf("asked for 1 record with %s=1 and got %d: set query.size to the target's page size parameter", k.p.Query.Size, len(items))
		return
	}
	if k.p.Paging.Total != "" {
		if _, ok := k.c.Total(&res); !ok {
			row.Verdict = Fail
			row.Fix = fmt.Sprintf("no total at %s", k.p.Paging.Total)
			if cand := candidates(res.JSON, totalScore); len(cand) > 0 {
				row.Fix += fmt.Sprintf("; the answer has %s: set paging.total: %s", cand[0], cand[0])
			}
			return
		}
	}
	q2, more := k.c.NextQuery(&res, q1)
	if !more {
		if k.p.Paging.Style == client.PagingCursor || k.p.Paging.Style == client.PagingNextLink {
			row.Verdict = Fail
			row.Fix = fmt.Sprintf("no next %s at %s although the probe and admin make two accounts: check paging.next", k.p.Paging.Style, k.p.Paging.Next)
		}
		return
	}
	res2, row2 := k.do(ctx, catalog.UsersList, "paging", &client.Call{Query: q2}, token)
	if row2.Verdict != Pass || !k.itemsFix(row2, &res2) {
		return
	}
	row2.Note = "page 2 of size 1"
	items2 := k.c.Items(&res2)
	if len(items) == 1 && len(items2) == 1 {
		id1, _ := k.c.ID(items[0])
		id2, _ := k.c.ID(items2[0])
		if id1 == id2 {
			row2.Verdict = Fail
			row2.Fix = fmt.Sprintf("page 2 (%s) repeats page 1: check paging.style (%s) and query.page/query.offset/query.cursor", q2, k.p.Paging.Style)
		}
	}
}

// adminActions creates a sim_ permission and role, reads, updates, assigns,
// revokes and deletes them, and administers the probe account.
func (k *checker) adminActions(ctx context.Context) {
	pr := &k.probe
	created := func(id, kind string, body client.Body) string {
		name, _ := body[0].Value.(string)
		k.pending(name)
		res, row := k.do(ctx, id, "", &client.Call{Body: body}, k.admin)
		if row.Verdict != Pass {
			if refused(res) {
				k.done(name)
			}
			return ""
		}
		if obj, ok := k.c.Object(&res); ok {
			if x, ok := k.c.ID(obj); ok {
				return x
			}
		}
		row.Verdict, row.Fix = Fail, fmt.Sprintf("no id at %s in the answer of creating a %s", joinPath(k.p.Object, k.p.ID), kind)
		return ""
	}
	permName, roleName := k.prefix+"perm", k.prefix+"role"
	perm := created(catalog.PermissionsCreate, "permission", client.Body{{Name: "name", Value: permName}, {Name: "description", Value: "trafficsim check"}})
	role := created(catalog.RolesCreate, "role", client.Body{{Name: "name", Value: roleName}, {Name: "description", Value: "trafficsim check"},
		{Name: "permissions", Value: []string{permName}}})
	for _, s := range []struct {
		get, update, del, id string
	}{{catalog.PermissionsGet, catalog.PermissionsUpdate, catalog.PermissionsDelete, perm}, {catalog.RolesGet, catalog.RolesUpdate, catalog.RolesDelete, role}} {
		if s.id == "" {
			for _, id := range []string{s.get, s.update} {
				k.skip(id, "nothing was created to read")
			}
			continue
		}
		k.do(ctx, s.get, "", &client.Call{Params: [2]string{s.id}}, k.admin)
		k.do(ctx, s.update, "", &client.Call{Params: [2]string{s.id}, Body: client.Body{{Name: "description", Value: "checked"}}}, k.admin)
	}
	if role != "" {
		k.do(ctx, catalog.UserRolesAssign, "", &client.Call{Params: [2]string{pr.id, role}}, k.admin)
		k.do(ctx, catalog.UserRolesRevoke, "", &client.Call{Params: [2]string{pr.id, role}}, k.admin)
		if res, row := k.do(ctx, catalog.RolesDelete, "", &client.Call{Params: [2]string{role}}, k.admin); row.Verdict == Pass || res.Status == 404 {
			k.done(roleName)
		}
	} else {
		for _, id := range []string{catalog.UserRolesAssign, catalog.UserRolesRevoke, catalog.RolesDelete} {
			k.skip(id, "no role was created")
		}
	}
	if perm != "" {
		if res, row := k.do(ctx, catalog.PermissionsDelete, "", &client.Call{Params: [2]string{perm}}, k.admin); row.Verdict == Pass || res.Status == 404 {
			k.done(permName)
		}
	} else {
		k.skip(catalog.PermissionsDelete, "no permission was created")
	}
	if !k.owned(ctx, catalog.UsersGet, pr.id, "username", pr.username) {
		return // the id no longer holds the probe: nothing more is done to it
	}
	k.do(ctx, catalog.UsersDeactivate, "", &client.Call{Params: [2]string{pr.id}}, k.admin)
	k.do(ctx, catalog.UsersActivate, "", &client.Call{Params: [2]string{pr.id}}, k.admin)
	k.do(ctx, catalog.UsersResetPassword, "", &client.Call{Params: [2]string{pr.id}, Body: client.Body{{Name: "new_password", Value: pr.password + "r"}}}, k.admin)
}

// deleteProbe removes the probe account (and with it its profile and roles).
func (k *checker) deleteProbe(ctx context.Context) {
	// Even when the check was interrupted: the probe is the check's to remove.
	// Bounded so that a run interrupted during its check ends within its
	// budget (runner.InterruptBudget) against a slow target.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ProbeCleanupTimeout)
	defer cancel()
	pr := &k.probe
	if pr.username == "" || !slices.Contains(k.rep.Left, pr.username) {
		return // not created, or already gone
	}
	if pr.id == "" && k.admin != "" {
		// The sign-up was cut short: the probe may exist all the same, or
		// be created still by the request the target is working on. Its
		// name, read back (twice: a 404 may come before that request lands),
		// says whether it is there. Not found, it stays in Left: not verified.
		ep := catalog.MustLookup(catalog.UsersByUsername)
		for try := 0; try < 2 && pr.id == "" && ctx.Err() == nil; try++ {
			res := k.c.Do(ctx, &client.Call{Endpoint: ep, Params: [2]string{pr.username}, Token: k.admin, Decode: true})
			if obj, ok := k.c.Object(&res); ok && res.Status == 200 && k.c.Str(ep, obj, "username") == pr.username {
				pr.id, _ = k.c.ID(obj)
			}
		}
		if pr.id == "" {
			return
		}
	} else if !k.owned(ctx, catalog.UsersGet, pr.id, "username", pr.username) {
		return
	}
	res, row := k.do(ctx, catalog.UsersDelete, "probe", &client.Call{Params: [2]string{pr.id}}, k.admin)
	if row.Verdict == Pass || res.Status == 404 {
		k.done(pr.username)
		return
	}
	row.Fix += fmt.Sprintf("; remove the probe account %s with trafficsim cleanup --run %s", pr.username, k.rep.RunID)
}

// ProbeCleanupTimeout bounds the removal of the probe account after the
// check, also when the check was interrupted.
const ProbeCleanupTimeout = 5 * time.Second

// owned reads the record id (not a row of the table) and reports whether it
// is still the one the check created, named name: the engine changes and
// deletes only its own records, and a target that lost its data may hand the
// id to someone else's.
func (k *checker) owned(ctx context.Context, get, id, field, name string) bool {
	if id == "" || k.admin == "" {
		return false
	}
	ep := catalog.MustLookup(get)
	res := k.send(ctx, &client.Call{Endpoint: ep, Params: [2]string{id}, Token: k.admin, Decode: true})
	obj, ok := k.c.Object(&res)
	return ok && res.Status == 200 && k.c.Str(ep, obj, field) == name
}

func (k *checker) logoutAdmin(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	k.do(ctx, catalog.AuthLogout, "admin", &client.Call{}, k.admin)
}

// ---- where things are in an answer

func joinPath(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

func parent(p string) string {
	i := strings.LastIndexByte(p, '.')
	if i < 0 {
		return `""`
	}
	return p[:i]
}

func last(p string) string { return p[strings.LastIndexByte(p, '.')+1:] }

// walk visits every member of decoded JSON with its dotted path (lists are
// not descended into).
func walk(v any, prefix string, visit func(path, key string, v any)) {
	m, ok := v.(map[string]any)
	if !ok {
		return
	}
	for key, x := range m {
		p := joinPath(prefix, key)
		visit(p, key, x)
		walk(x, p, visit)
	}
}

// candidates are the paths scoring above 0, best first.
func candidates(v any, score func(key string, v any) int) []string {
	type c struct {
		path string
		s    int
	}
	var cs []c
	walk(v, "", func(path, key string, x any) {
		if s := score(key, x); s > 0 {
			cs = append(cs, c{path, s})
		}
	})
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].s != cs[j].s {
			return cs[i].s > cs[j].s
		}
		return cs[i].path < cs[j].path
	})
	out := make([]string, len(cs))
	for i, x := range cs {
		out[i] = x.path
	}
	return out
}

// leaves lists the paths of an answer (for a message when nothing fits).
func leaves(v any) []string {
	var out []string
	walk(v, "", func(path, _ string, _ any) { out = append(out, path) })
	sort.Strings(out)
	return out
}

func tokenScore(key string, v any) int {
	s, ok := v.(string)
	if !ok || len(s) < 8 {
		return 0
	}
	k := strings.ToLower(key)
	switch {
	case strings.Contains(k, "refresh") || strings.Contains(k, "type"):
		return 0
	case strings.Contains(k, "access") && strings.Contains(k, "token"):
		return 3
	case strings.Contains(k, "token") || k == "jwt":
		return 2
	}
	return 0
}

func idScore(key string, v any) int {
	switch v.(type) {
	case string, float64, int, int64:
	default:
		if _, ok := v.(interface{ String() string }); !ok {
			return 0
		}
	}
	switch k := strings.ToLower(key); {
	case k == "id":
		return 3
	case k == "uuid" || k == "uid" || k == "_id":
		return 2
	}
	return 0
}

func listScore(key string, v any) int {
	list, ok := v.([]any)
	if !ok {
		return 0
	}
	if len(list) > 0 {
		if _, obj := list[0].(map[string]any); obj {
			return 2
		}
	}
	return 1
}

func totalScore(key string, v any) int {
	k := strings.ToLower(key)
	if _, obj := v.(map[string]any); obj {
		return 0
	}
	switch {
	case strings.Contains(k, "total"):
		return 2
	case k == "count":
		return 1
	}
	return 0
}

// redirectFix names a redirect's fix: the base URL the Location points at
// (the Location up to the API's base path), given as --base-url.
func redirectFix(r *client.RedirectError, basePath string) string {
	if r.Location == "" {
		return fmt.Sprintf("the target answered %d %s without a Location (redirects are not followed); is --base-url right?", r.Status, http.StatusText(r.Status))
	}
	base := r.Location
	if i := strings.Index(base, basePath+"/"); i >= 0 {
		base = base[:i]
	} else if strings.HasSuffix(base, basePath) {
		base = strings.TrimSuffix(base, basePath)
	}
	return fmt.Sprintf("the target answered %d %s to %s; use %s as --base-url (redirects are not followed)", r.Status, http.StatusText(r.Status), r.Location, base)
}
