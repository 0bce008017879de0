package behaviour

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/trafficsim/trafficsim/engine/usersvc"
)

// swap is a run against a reference target that loses its data under the
// VU and hands its account's id to an ordinary person, while the tokens it
// issued still hold (a restored backup behind the same signing key).
type swap struct {
	rt       *recorded
	sh       *Shared
	v        *VU // a non-admin, signed up and logged in before the loss
	id       string
	ordinary map[string]any // the person who has the VU's id now, as registered
	after    int            // the requests the target got before the test's action
}

const swapPassword = "Ordinary-pw-1"

func newSwap(t *testing.T, prepare func(v *VU)) *swap {
	t.Helper()
	secret := []byte("a signing key the restore keeps!!")
	cfg := usersvc.Config{AdminPassword: "Swap-admin-1", JWTSecret: secret}
	var cur atomic.Pointer[usersvc.Service]
	cur.Store(referenceTarget(t, cfg))
	rt := recordTarget(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { cur.Load().ServeHTTP(w, r) }))
	sh, vu := vusOf(t, rt.URL, Settings{RunID: "swap0001", Seed: 1, MinRequests: 1, MaxRequests: 1, AdminUser: "admin", AdminPassword: "Swap-admin-1"})
	v := vu(0, false)
	if !v.login() {
		t.Fatal("the VU did not sign up and log in")
	}
	if prepare != nil {
		prepare(v)
	}
	s := &swap{rt: rt, sh: sh, v: v, id: v.me.id}

	// The loss: a fresh store behind the same key; an ordinary person
	// registers and gets the VU's id.
	restored := referenceTarget(t, cfg)
	cur.Store(restored)
	body, _ := json.Marshal(map[string]string{"username": "ordinary", "email": "ordinary@example.org", "password": swapPassword, "name": "Ordinary Person"})
	w := httptest.NewRecorder()
	restored.ServeHTTP(w, httptest.NewRequest("POST", "/api/v1/users", bytes.NewReader(body)))
	if w.Code != 201 || json.Unmarshal(w.Body.Bytes(), &s.ordinary) != nil || jsonText(s.ordinary["id"]) != s.id {
		t.Fatalf("the ordinary person's registration: %d %s; want id %s", w.Code, w.Body, s.id)
	}
	s.after = len(rt.requests())
	return s
}

// writes are the writes to the ordinary person's id since the loss.
func (s *swap) writes() []string {
	var out []string
	for _, r := range s.rt.requests()[s.after:] {
		if r.method != "GET" && strings.HasPrefix(r.path, "/api/v1/users/"+s.id) &&
			(len(r.path) == len("/api/v1/users/"+s.id) || r.path[len("/api/v1/users/"+s.id)] == '/') {
			out = append(out, r.method+" "+r.path)
		}
	}
	return out
}

// selfService is every action and mistake that writes to the VU's own
// account, twice over.
func (s *swap) selfService() {
	for range 2 {
		for _, a := range []string{"update_user", "change_password", "create_profile", "update_profile", "delete_profile"} {
			s.v.act(a)
		}
		for _, m := range []string{"forbidden", "invalid_profile", "wrong_current_password"} {
			s.v.mistake(m)
		}
	}
}

// TestOwnAccountTakenOverStopsItsWrites: a non-admin VU whose account's id
// the target handed to someone else (its data lost, its tokens still good)
// stops writing with that account at the first answer that shows it — an
// answer naming the other person (auth.me, reading its own user, updating
// it), its profile not where it made one, its password refused, its login
// refused — counts it as foreign where the answer named the person, and
// goes on with a new account. Before, it went on writing to that person's
// record with its token until its budget was spent.
func TestOwnAccountTakenOverStopsItsWrites(t *testing.T) {
	for _, tc := range []struct {
		name    string
		prepare func(v *VU) // before the loss
		act     func(v *VU) // after: the answer that shows the loss
		landed  int         // writes of act itself that reach the person's id
		foreign int64
	}{
		{name: "me", act: func(v *VU) { v.act("me") }, foreign: 1},
		{name: "get_user", prepare: func(v *VU) { v.act("create_profile") }, act: func(v *VU) { v.act("get_user") }, foreign: 1},
		{name: "update_user", act: func(v *VU) { v.act("update_user") }, landed: 1, foreign: 1},
		{name: "profile missing", prepare: func(v *VU) { v.act("create_profile") }, act: func(v *VU) { v.act("update_profile") }, landed: 1, foreign: 1},
		{name: "password refused", act: func(v *VU) { v.act("change_password") }, landed: 1, foreign: 1},
		{name: "login refused", act: func(v *VU) { v.logout(); v.login() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSwap(t, tc.prepare)
			tc.act(s.v)
			if got := s.writes(); len(got) != tc.landed {
				t.Fatalf("the action that shows the loss sent %d writes to the person's id, want %d: %v", len(got), tc.landed, got)
			}
			if s.v.me != nil && s.v.me.id == s.id {
				t.Fatal("the VU still holds the account whose id is someone else's")
			}
			if f := s.sh.ledger.Foreign.Load(); f != tc.foreign {
				t.Errorf("foreign %d, want %d", f, tc.foreign)
			}
			s.selfService()
			if got := s.writes(); len(got) != tc.landed {
				t.Errorf("after the loss showed, %d more writes reached the person's id: %v", len(got)-tc.landed, got[tc.landed:])
			}
			if s.v.me == nil || s.v.me.id == s.id {
				t.Error("the VU did not go on with a new account")
			}
		})
	}
}

// TestOwnAccountLookedUpAfterAWrite: after a write whose answer does not name
// the user (creating its profile), the VU's next look-up of a user is of
// itself, whose answer shows the loss; the write that came before is the
// only one to reach the person's id.
func TestOwnAccountLookedUpAfterAWrite(t *testing.T) {
	s := newSwap(t, func(v *VU) {
		// Others the run registered, for the VU to look up.
		for i := 1; i <= 20; i++ {
			o := New(v.r, i, v.arch)
			o.budget, o.limit = 10, 10
			if !o.signup() {
				t.Fatal("signup failed")
			}
		}
	})
	s.v.act("create_profile") // the person has none: created on their record
	if got := s.writes(); len(got) != 1 {
		t.Fatalf("writes %v, want the profile's creation", got)
	}
	s.v.act("get_user")
	if s.v.me != nil && s.v.me.id == s.id {
		t.Fatal("the look-up after the write did not show the loss")
	}
	s.selfService()
	if got := s.writes(); len(got) != 1 {
		t.Errorf("writes to the person's id %v, want only the first", got)
	}
}
