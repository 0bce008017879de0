package behaviour

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/metrics"
	"github.com/trafficsim/trafficsim/engine/scenario"
	"github.com/trafficsim/trafficsim/engine/usersvc"
)

// seen is one request the reference target got, with its answer.
type seen struct {
	method, path string
	body         map[string]any
	status       int
	answer       map[string]any
}

// recorded serves the reference target over loopback and keeps every
// request it gets, with its answer.
type recorded struct {
	URL string
	mu  sync.Mutex
	all []seen
}

func recordTarget(t *testing.T, h http.Handler) *recorded {
	t.Helper()
	rt := &recorded{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		s := seen{method: r.Method, path: r.URL.Path, status: rec.Code}
		json.Unmarshal(b, &s.body)
		json.Unmarshal(rec.Body.Bytes(), &s.answer)
		rt.mu.Lock()
		rt.all = append(rt.all, s)
		rt.mu.Unlock()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(srv.Close)
	rt.URL = srv.URL
	return rt
}

func (rt *recorded) requests() []seen {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return append([]seen(nil), rt.all...)
}

// referenceTarget is the reference user service (its handler, to serve
// through recordTarget).
func referenceTarget(t *testing.T, cfg usersvc.Config) *usersvc.Service {
	t.Helper()
	cfg.BcryptCost = 4
	svc, err := usersvc.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// vusOf makes a run's Shared against url and returns a maker of its VUs,
// admin or not, each with a budget of 1,000 requests.
func vusOf(t *testing.T, url string, set Settings) (*Shared, func(idx int, admin bool) *VU) {
	t.Helper()
	sc, err := scenario.Load("mixed")
	if err != nil {
		t.Fatal(err)
	}
	sh := runOf(t, url, sc, set, metrics.NewRegistry(), nil)
	return sh, func(idx int, admin bool) *VU {
		for i := range sc.Archetypes {
			if sc.Archetypes[i].Admin == admin {
				v := New(sh, idx, &sc.Archetypes[i])
				v.budget, v.limit = 1000, 1000
				return v
			}
		}
		t.Fatalf("the scenario has no archetype with admin %v", admin)
		return nil
	}
}

// TestMistakesNameOnlyTheRunsRecords: every deliberate mistake, made by an
// admin and by a non-admin, first before the run has registered anyone,
// then after, names only records the run created — no username, login or id
// of the admin or of a user who was there before. (duplicate_username used
// to register the admin's username when the run had registered no one yet,
// which a create-or-update target answered by taking the admin over;
// wrong_password had admins log in as the admin; invalid_registration sent
// the username "x"; forbidden aimed at a made-up id.)
func TestMistakesNameOnlyTheRunsRecords(t *testing.T) {
	const run, adminPW = "mist0001", "Mistake-admin-1"
	rt := recordTarget(t, referenceTarget(t, usersvc.Config{AdminPassword: adminPW}).Handler())
	prefix := NamePrefix(run)
	set := Settings{RunID: run, Seed: 1, MinRequests: 1, MaxRequests: 1, AdminUser: "admin", AdminPassword: adminPW}
	each := func(f func(kind string, admin bool)) {
		for _, k := range catalog.ErrorKinds() {
			for _, admin := range []bool{false, true} {
				if k.For == catalog.ForAdmin && !admin || k.For == catalog.ForUser && admin {
					continue
				}
				f(k.Name, admin)
			}
		}
	}
	idx := 0 // VU indexes differ across runs: the names they register do
	// Nobody registered yet: each mistake of a run of its own (a VU's
	// signup would make the run's users known to the others).
	each(func(kind string, admin bool) {
		for seed := range int64(3) { // the kinds that draw among requests draw anew
			set.Seed = seed
			_, vu := vusOf(t, rt.URL, set)
			vu(idx, admin).mistake(kind)
			idx++
		}
	})
	// A VU has registered: the run's users are known.
	_, vu := vusOf(t, rt.URL, set)
	if !vu(idx, false).signup() {
		t.Fatal("signup failed")
	}
	idx++
	each(func(kind string, admin bool) {
		for range 3 {
			vu(idx, admin).mistake(kind)
			idx++
		}
	})

	runIDs := map[string]bool{} // user ids the run's registrations were answered
	missing := map[string]bool{}
	var violations []string
	for _, s := range rt.requests() {
		parts := strings.Split(strings.TrimPrefix(s.path, "/api/v1/"), "/")
		switch {
		case s.method == "POST" && s.path == "/api/v1/users":
			name, _ := s.body["username"].(string)
			if !strings.HasPrefix(name, prefix) {
				violations = append(violations, "registers username "+name)
			}
			if s.status == 201 {
				runIDs[jsonText(s.answer["id"])] = true
			}
		case s.method == "POST" && s.path == "/api/v1/auth/login":
			if name, _ := s.body["username"].(string); name == "admin" && s.body["password"] != adminPW {
				violations = append(violations, "logs in as the admin with a wrong password")
			}
		case s.method == "GET" && parts[0] == "users" && len(parts) == 2 && s.status == 404:
			missing[parts[1]] = true // read as missing first (admin_unknown_id)
		case s.method != "GET" && parts[0] == "users" && len(parts) >= 2:
			if !runIDs[parts[1]] && !missing[parts[1]] {
				violations = append(violations, s.method+" "+s.path+": not a user of the run's")
			}
		case s.method != "GET" && (parts[0] == "roles" || parts[0] == "permissions") && len(parts) == 1:
			if name, _ := s.body["name"].(string); !strings.HasPrefix(name, prefix) {
				violations = append(violations, s.method+" "+s.path+" names "+name)
			}
		}
	}
	if len(runIDs) == 0 {
		t.Fatal("the run registered nobody")
	}
	for _, v := range violations {
		t.Error(v)
	}
}

// jsonText is a JSON value as text (an id: a number or a string).
func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return strings.Trim(string(b), `"`)
}
