package scenario

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/catalog"
)

func TestBuiltinsLoad(t *testing.T) {
	infos := Builtins()
	if len(infos) != 8 {
		t.Fatalf("%d built-ins, want 8", len(infos))
	}
	for _, info := range infos {
		s, err := Load(info.Name)
		if err != nil {
			t.Fatalf("%s: %v", info.Name, err)
		}
		if s.Name != info.Name || s.Description == "" || s.Source != "built-in" {
			t.Errorf("%s: name %q, description %q, source %q", info.Name, s.Name, s.Description, s.Source)
		}
		var sum float64
		for _, w := range s.Mix {
			sum += w
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Errorf("%s: mix sums to %v", info.Name, sum)
		}
	}
	mixed, _ := Load("mixed")
	want := [6]float64{0.20, 0.35, 0.15, 0.15, 0.10, 0.05}
	for i := range want {
		if math.Abs(mixed.Mix[i]-want[i]) > 1e-9 {
			t.Errorf("mixed: %s = %v, want %v", catalog.Groups[i], mixed.Mix[i], want[i])
		}
	}
	mg, _ := Load("metrics_generation")
	if mg.ClientErrors != 0.12 || mg.ServerErrors != 0.03 {
		t.Errorf("metrics_generation errors: client %v server %v", mg.ClientErrors, mg.ServerErrors)
	}
	if lt, _ := Load("load_test"); lt.ClientErrors != 0 {
		t.Errorf("load_test makes deliberate errors: %v", lt.ClientErrors)
	}
	for _, name := range []string{"new_user", "active_user", "admin", "power_user"} {
		s, _ := Load(name)
		if len(s.Archetypes) != 1 || s.Archetypes[0].Name != name {
			t.Errorf("%s: archetypes %+v, want only %s", name, s.Archetypes, name)
		}
	}
}

// TestEveryRouteReachable checks statically that the built-in scenarios reach
// every endpoint: through journeys, weighted actions or deliberate errors.
func TestEveryRouteReachable(t *testing.T) {
	reach := map[string]bool{}
	for _, name := range BuiltinNames() {
		s, err := Load(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range s.Archetypes {
			for _, step := range a.Journey {
				for _, ep := range Action(step).Endpoints {
					reach[ep] = true
				}
			}
		}
		for g, ws := range s.Actions {
			if s.Mix[g] == 0 {
				continue
			}
			for _, w := range ws {
				for _, ep := range Action(w.Name).Endpoints {
					reach[ep] = true
				}
			}
		}
		if s.ClientErrors > 0 {
			for _, k := range s.ErrorKinds {
				reach[ErrorKind(k.Name).Endpoint] = true
			}
		}
	}
	for _, ep := range catalog.All() {
		if !reach[ep.ID] {
			t.Errorf("no built-in scenario reaches %s %s", ep.Method, ep.Route)
		}
	}

}

func TestLoadFileWithBase(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mine.yaml")
	os.WriteFile(path, []byte(`base: mixed
description: my own
mix: {admin: 0, auth: 30}
errors: {client: 0.2}
think:
  form: {median: 0.9, spread: 0.1}
api:
  base_path: /v2
  login: {with: email}
`), 0o644)
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "mine" || s.Description != "my own" || s.Source != path {
		t.Errorf("name %q description %q source %q", s.Name, s.Description, s.Source)
	}
	if s.Mix[catalog.GroupIndex("admin")] != 0 || math.Abs(s.Mix[0]-0.30/1.05) > 1e-9 {
		t.Errorf("mix %v", s.Mix)
	}
	if s.ClientErrors != 0.2 || s.Think[ThinkForm].Median != 0.9 || s.Think[ThinkQuick].Median != 0.1 {
		t.Errorf("errors %v think %+v", s.ClientErrors, s.Think)
	}
	if len(s.Archetypes) != 4 || s.API.BasePath != "/v2" || s.API.Login.With != "email" {
		t.Errorf("archetypes %d api %+v", len(s.Archetypes), s.API)
	}
}

func TestScenarioFileErrors(t *testing.T) {
	cases := []struct {
		name, yaml string
		line       int
		field, msg string
	}{
		{"unknown field", "base: mixed\nmixx: {auth: 1}\n", 2, "mixx", `unknown field "mixx"`},
		{"wrong type", "base: mixed\nmix:\n  auth: lots\n", 3, "mix.auth", `"lots": want a number`},
		{"negative weight", "base: mixed\narchetypes:\n  admin:\n    weight: -1\n    journey: [login]\n", 4, "archetypes.admin.weight", "≥ 0"},
		{"unknown step", "base: mixed\narchetypes:\n  admin:\n    weight: 1\n    journey: [login, fly]\n", 5, "archetypes.admin.journey.1", `unknown step "fly"`},
		{"unknown group", "base: mixed\nmix:\n  auth: 1\n  billing: 2\n", 4, "mix.billing", "unknown endpoint group"},
		{"action in wrong group", "base: mixed\nactions:\n  auth:\n    list_users: 2\n", 4, "actions.auth.list_users", "belongs to group user_query"},
		{"unknown action", "base: mixed\nactions:\n  admin:\n    nuke: 1\n", 4, "actions.admin.nuke", "unknown action"},
		{"client share", "base: mixed\nerrors:\n  client: 1.5\n", 3, "errors.client", "0 to 0.9"},
		{"unknown error kind", "base: mixed\nerrors:\n  kinds: {typo: 1}\n", 3, "errors.kinds.typo", "unknown error kind"},
		{"think median", "base: mixed\nthink:\n  read: {median: 2}\n", 3, "think.read.median", "0 (delay-min) to 1"},
		{"think class", "base: mixed\nthink:\n  nap: {median: 0.5}\n", 3, "think.nap", "unknown think-time class"},
		{"unknown base", "base: chaos\n", 1, "base", "not a built-in"},
		{"no archetypes", "mix: {auth: 1}\n", 0, "archetypes", "no archetype"},
		{"empty mix", "archetypes:\n  a: {weight: 1, journey: [login]}\n", 0, "mix", "no group"},
		{"sessions", "base: mixed\narchetypes:\n  power_user:\n    weight: 1\n    sessions: {min: 3, max: 2}\n    journey: [login]\n", 5, "archetypes.power_user.sessions", "min 3, max 2"},
		{"too many sessions", "base: mixed\narchetypes:\n  power_user:\n    weight: 1\n    sessions: {min: 3, max: 2000000}\n    journey: [login]\n", 5, "archetypes.power_user.sessions", "≤ 1000000"},
		{"account", "base: mixed\narchetypes:\n  active_user:\n    account: team\n", 4, "archetypes.active_user.account", `"team": use vu`},
		{"admin account per session", "base: mixed\narchetypes:\n  admin:\n    account: session\n", 4, "archetypes.admin.account", "admins log in with --admin-user"},
		{"api base path", "base: mixed\napi:\n  base_path: v2\n", 3, "api.base_path", "must start with /"},
		{"api login", "base: mixed\napi:\n  login: {with: phone}\n", 3, "api.login.with", "username or email"},
		{"api route", "base: mixed\napi:\n  routes:\n    users.get: /people\n", 4, "api.routes.users.get", "placeholder"},
		{"api route placeholder", "base: mixed\napi:\n  routes:\n    users.get: /accounts/{accountId}\n", 4, "api.routes.users.get", "{accountId} is not a placeholder of users.get: write {id}"},
		{"api route method", "base: mixed\napi:\n  routes:\n    auth.me: FETCH /session/me\n", 4, "api.routes.auth.me", `method "FETCH"`},
		{"api paging", "base: mixed\napi:\n  paging: {style: cursor}\n", 3, "api.paging.next", "needs the path"},
		{"api id kind", "base: mixed\napi:\n  id_kind: guid\n", 3, "api.id_kind", "integer, uuid or string"},
		{"new archetype without weight", "base: mixed\narchetypes:\n  auditor:\n    journey: [login]\n", 3, "archetypes.auditor.weight", "missing"},
		{"bad yaml", "base: mixed\nmix: [\n", 2, "", ""},
		{"empty", "", 0, "", "empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), "my.yaml")
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("error %v (%T), want *scenario.Error", err, err)
			}
			if se.File != "my.yaml" || se.Line != tc.line || se.Field != tc.field || !strings.Contains(se.Message, tc.msg) {
				t.Errorf("got file %q line %d field %q message %q; want line %d field %q message containing %q",
					se.File, se.Line, se.Field, se.Message, tc.line, tc.field, tc.msg)
			}
			if tc.line > 0 && !strings.HasPrefix(err.Error(), "my.yaml:") {
				t.Errorf("message %q does not start with file:line", err)
			}
		})
	}
	if _, err := Load("nonesuch"); err == nil || !strings.Contains(err.Error(), "mixed, development") {
		t.Errorf("unknown name: %v", err)
	}
	if _, err := Load("./missing.yaml"); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}
}

// TestThinkShapes draws many pauses per class and checks they stay in the
// range, follow their medians and order (searches short, forms long), and are
// skewed like human pauses (mean above median).
func TestThinkShapes(t *testing.T) {
	s, _ := Load("mixed")
	r := rand.New(rand.NewPCG(1, 2))
	lo, hi := 100*time.Millisecond, 2*time.Second
	medians := map[string]time.Duration{}
	for _, class := range []string{ThinkQuick, ThinkRead, ThinkForm} {
		sh := s.Think[class]
		const n = 20000
		ds := make([]time.Duration, n)
		var sum time.Duration
		for i := range ds {
			d := sh.Draw(r, lo, hi, 1)
			if d < lo || d > hi {
				t.Fatalf("%s: %v outside [%v, %v]", class, d, lo, hi)
			}
			ds[i] = d
			sum += d
		}
		slices.Sort(ds)
		med := ds[n/2]
		medians[class] = med
		want := lo + time.Duration(sh.Median*float64(hi-lo))
		if diff := med - want; diff < -60*time.Millisecond || diff > 60*time.Millisecond {
			t.Errorf("%s: median %v, want ≈ %v", class, med, want)
		}
		if class != ThinkForm && sum/n <= med {
			t.Errorf("%s: mean %v not above median %v: no long tail", class, sum/n, med)
		}
		if ds[n/20] == ds[n*19/20] {
			t.Errorf("%s: no spread", class)
		}
	}
	if !(medians[ThinkQuick] < medians[ThinkRead] && medians[ThinkRead] < medians[ThinkForm]) {
		t.Errorf("medians not ordered quick < read < form: %v", medians)
	}
	// A slow VU (pace 2) pauses longer than a fast one (pace 0.5).
	var slow, fast time.Duration
	for range 2000 {
		slow += s.Think[ThinkRead].Draw(r, lo, hi, 2)
		fast += s.Think[ThinkRead].Draw(r, lo, hi, 0.5)
	}
	if slow <= fast {
		t.Errorf("pace has no effect: slow %v fast %v", slow, fast)
	}
	if d := s.Think[ThinkForm].Draw(r, 0, 0, 1); d != 0 {
		t.Errorf("empty range gave %v", d)
	}
	if d := s.Think[ThinkPause].Draw(r, lo, hi, 1); d != hi {
		t.Errorf("pause (median 1, no spread) gave %v, want %v", d, hi)
	}
}

func TestLoadProfile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "p.yaml")
	os.WriteFile(good, []byte("base_path: /v2\nlogin: {with: email}\ntoken: {access: data.token}\n"), 0o644)
	p, err := LoadProfile(good)
	if err != nil || p.BasePath != "/v2" || p.Token.Access != "data.token" {
		t.Fatalf("%+v %v", p, err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("base_path: /v2\nlogn: {with: email}\n"), 0o644)
	_, err = LoadProfile(bad)
	var se *Error
	if !errors.As(err, &se) || se.Line != 2 || !strings.Contains(se.Message, "logn") {
		t.Fatalf("%v", err)
	}
}

// TestOverrideKeepsBaseWeight: an override of a base archetype that gives no
// weight (or admin flag) keeps the base's instead of dropping the archetype.
func TestOverrideKeepsBaseWeight(t *testing.T) {
	base, err := Load("mixed")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse([]byte("base: mixed\narchetypes:\n  power_user:\n    journey: [login, search_users, logout]\n  admin:\n    sessions: {min: 1, max: 2}\n"), "my.yaml")
	if err != nil {
		t.Fatal(err)
	}
	weights := func(sc *Scenario) map[string]float64 {
		m := map[string]float64{}
		for _, a := range sc.Archetypes {
			m[a.Name] = a.Weight
		}
		return m
	}
	if got, want := weights(s), weights(base); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("weights %v, want the base's %v", got, want)
	}
	for _, a := range s.Archetypes {
		switch a.Name {
		case "power_user":
			if strings.Join(a.Journey, ",") != "login,search_users,logout" {
				t.Errorf("power_user journey %v", a.Journey)
			}
		case "admin":
			if !a.Admin || a.Sessions != [2]int{1, 2} || len(a.Journey) == 0 {
				t.Errorf("admin override lost the base's admin flag or journey: %+v", a)
			}
		}
	}
}

// TestAccountPerSession: `account: session` reaches the archetype (in an
// override of a built-in's and in a new one); vu and the default are one
// account per VU.
func TestAccountPerSession(t *testing.T) {
	s, err := Parse([]byte("base: mixed\narchetypes:\n  active_user:\n    account: session\n  new_user:\n    account: vu\n"), "my.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, a := range s.Archetypes {
		got[a.Name] = a.AccountPerSession
	}
	if want := map[string]bool{"active_user": true, "new_user": false, "power_user": false, "admin": false}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("account per session %v, want %v", got, want)
	}
	s, err = Parse([]byte("archetypes:\n  shopper: {weight: 1, account: session, journey: [signup, login, me, logout]}\nmix: {auth: 1}\n"), "my.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !s.Archetypes[0].AccountPerSession {
		t.Errorf("shopper: %+v", s.Archetypes[0])
	}
}

// TestEveryBuiltinIsABase: a file of only `base: NAME` is the built-in NAME
// (but for its name), for every built-in — those that build on mixed too —
// and a cycle of bases is refused, naming it.
func TestEveryBuiltinIsABase(t *testing.T) {
	for _, name := range BuiltinNames() {
		want, err := Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Parse([]byte("base: "+name+"\n"), "on-"+name+".yaml")
		if err != nil {
			t.Errorf("base: %s: %v", name, err)
			continue
		}
		got.Name, got.Description, got.Source = want.Name, want.Description, want.Source
		if !reflect.DeepEqual(got, want) {
			t.Errorf("base: %s differs from the built-in:\n got %+v\nwant %+v", name, got, want)
		}
	}
	files := map[string]string{"a": "base: b\n", "b": "base: c\n", "c": "base: a\n"}
	read := func(n string) ([]byte, error) { return []byte(files[n]), nil }
	_, err := resolveBase("a", read, nil)
	if err == nil || !strings.Contains(err.Error(), "cycle (a → b → c → a)") {
		t.Errorf("a cycle of bases: %v", err)
	}
}
