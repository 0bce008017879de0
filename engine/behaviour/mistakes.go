package behaviour

import (
	"strings"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/client"
)

// mistake makes a deliberate client error of the kind; its answer is counted as
// expected when it is the status the kind intends (the API profile's
// statuses).
func (v *VU) mistake(kind string) {
	v.step = kind
	mistakeHandlers[kind](v, v.r.client.Profile().Statuses)
}

// expiredToken is a token that expired long ago; its signature is not the
// target's, so it is refused all the same.
const expiredToken = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwIiwiZXhwIjoxfQ.c2ltdWxhdGVkLWV4cGlyZWQ"

// mistakeHandlers make the deliberate client errors of catalog.ErrorKinds,
// under the same names (registry.go checks that the two agree).
var mistakeHandlers = map[string]func(v *VU, st client.StatusProfile){
	"wrong_password": (*VU).wrongPassword,
	"revoked_token": func(v *VU, st client.StatusProfile) {
		tok := v.revoked
		if tok == "" {
			tok = expiredToken // no revoked token at hand
		}
		v.send(&client.Call{Endpoint: catalog.MustLookup(catalog.AuthMe), Token: tok}, outcome(st.Unauthorized))
	},
	"bad_refresh": func(v *VU, st client.StatusProfile) {
		res, err := v.send(&client.Call{Endpoint: catalog.MustLookup(catalog.AuthRefresh),
			Body: client.Body{{Name: v.r.client.Profile().Token.RefreshField, Value: "used-" + v.password()}}}, outcome(st.Unauthorized))
		if err == nil {
			v.r.rec.Load().TokenOp("refresh", ok(res))
		}
	},
	"unknown_user": func(v *VU, st client.StatusProfile) {
		v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.UsersGet), Params: [2]string{v.unknownID()}}, outcome(st.NotFound))
	},
	"unknown_email": func(v *VU, st client.StatusProfile) {
		v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.UsersByEmail), Params: [2]string{"nobody-" + v.unknownID() + "@simulation.test"}}, outcome(st.NotFound))
	},
	"unknown_username": func(v *VU, st client.StatusProfile) {
		v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.UsersByUsername), Params: [2]string{"sim_" + v.r.cfg.RunID + "_nobody" + v.unknownID()}}, outcome(st.NotFound))
	},
	"empty_search": func(v *VU, st client.StatusProfile) {
		v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.UsersSearch), Query: v.r.client.EmptySearchQuery(10)}, outcome(st.Validation))
	},
	"invalid_registration": func(v *VU, st client.StatusProfile) {
		// Invalid by its email (no @) and password; its username is a fresh
		// one of the run's, so a target that does not validate creates a
		// record of the run's (its cleanup finds it by the prefix), and one
		// that creates or updates by username changes nobody's.
		name := v.nextName("x")
		v.send(&client.Call{Endpoint: catalog.MustLookup(catalog.UsersCreate), Body: client.Body{
			{Name: "username", Value: name}, {Name: "email", Value: name},
			{Name: "password", Value: "short"}, {Name: "name", Value: ""}}}, outcome(st.Validation))
	},
	"duplicate_username": (*VU).duplicateUsername,
	"wrong_current_password": func(v *VU, st client.StatusProfile) {
		a := v.subject()
		if a == nil || !v.mayChange(a) {
			return
		}
		v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.UsersChangePasswd), Params: [2]string{a.id},
			Body: client.Body{{Name: "current_password", Value: "Not-" + v.password()}, {Name: "new_password", Value: v.password()}}}, outcome(st.Validation))
	},
	"invalid_profile": func(v *VU, st client.StatusProfile) {
		a := v.subject()
		if a == nil || !v.mayChange(a) {
			return
		}
		v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.ProfileUpdate), Params: [2]string{a.id},
			Body: client.Body{{Name: "phone", Value: "call me"}, {Name: "website", Value: "ftp://example.org"}}}, outcome(st.Validation))
	},
	"missing_profile": func(v *VU, st client.StatusProfile) {
		v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.ProfileGet), Params: [2]string{v.unknownID()}}, outcome(st.NotFound))
	},
	"unknown_role": func(v *VU, st client.StatusProfile) {
		v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.RolesGet), Params: [2]string{v.unknownID()}}, outcome(st.NotFound))
	},
	"unknown_permission": func(v *VU, st client.StatusProfile) {
		v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.PermissionsGet), Params: [2]string{v.unknownID()}}, outcome(st.NotFound))
	},
	"forbidden":        (*VU).forbidden,
	"admin_unknown_id": (*VU).adminUnknownID,
}

// runUser is a user the run registered, to name in a mistake that names a
// taken username: on a target that creates or updates by username, or locks
// an account out after failed logins, the mistake lands on a record of the
// run's, never on the admin's or anyone else's. false when the run has
// registered none the VU knows of: the mistake is skipped, no request sent,
// as an action with nothing to act on is.
func (v *VU) runUser() (entry, bool) {
	e, found := v.r.dir.pick(v.idx, v.rng)
	return e, found && strings.HasPrefix(e.username, v.r.prefix())
}

// duplicateUsername registers a username the run registered already
// (duplicate_username): never the admin's or anyone else's, since a target
// that creates or updates (answering 200 to a taken username) changes the
// record of the name it is sent.
func (v *VU) duplicateUsername(st client.StatusProfile) {
	e, found := v.runUser()
	if !found {
		return
	}
	v.send(&client.Call{Endpoint: catalog.MustLookup(catalog.UsersCreate), Body: client.Body{
		{Name: "username", Value: e.username}, {Name: "email", Value: v.nextName("dup") + simMail},
		{Name: "password", Value: v.password()}, {Name: "name", Value: v.personName()}}}, outcome(st.Conflict))
}

// wrongPassword logs in with a wrong password (wrong_password): a non-admin
// as itself, an admin as a user the run registered — not as the admin, whom
// a target that locks accounts out after failed logins would lock out.
func (v *VU) wrongPassword(st client.StatusProfile) {
	var user, email string
	if v.admin {
		e, found := v.runUser()
		if !found {
			return
		}
		user, email = e.username, e.email
	} else {
		// A VU without an account (its signup failed) has no credentials yet.
		if v.me == nil && !v.signup() {
			return
		}
		user, email, _ = v.credentials()
	}
	ident := user
	p := v.r.client.Profile().Login
	if p.With == "email" {
		ident = email
	}
	res, err := v.send(&client.Call{Endpoint: catalog.MustLookup(catalog.AuthLogin),
		Body: client.Body{{Name: p.Field, Value: ident}, {Name: p.PasswordField, Value: "Wrong-" + v.password()}}}, outcome(st.Unauthorized))
	if err == nil {
		v.r.rec.Load().TokenOp("login", ok(res))
	}
}

// forbidden has a non-admin try an admin action (forbidden), aimed at its
// own account: on a target whose authorisation is broken, the attempt must
// not land on someone else's account — not on an id merely thought unknown,
// nor on one the run remembers, which a target that lost its data may have
// handed to someone else. (The own account is checked as the VU goes,
// self.go.)
func (v *VU) forbidden(st client.StatusProfile) {
	a := v.subject()
	if a == nil {
		return
	}
	target := a.id
	switch v.rng.IntN(3) {
	case 0:
		v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.UsersDeactivate), Params: [2]string{target}}, outcome(st.Forbidden))
	case 1:
		res, err := v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.UsersDelete), Params: [2]string{target}}, outcome(st.Forbidden))
		if err == nil && res.Status >= 200 && res.Status < 300 {
			// Broken authorisation let the delete through: the run deleted
			// its own account, and counts it so (not as gone); the VU goes on
			// with a new one.
			v.r.ledger.Remove(KindUser, a.id)
			v.forgetOwn()
		}
	default:
		v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.RolesCreate),
			Body: client.Body{{Name: "name", Value: v.nextName("x")}}}, outcome(st.Forbidden))
	}
}

// adminUnknownID has an admin delete a user id that does not exist
// (admin_unknown_id), deleted only once read as missing: on a real target
// the id may exist.
func (v *VU) adminUnknownID(st client.StatusProfile) {
	id := v.unknownID()
	if res, err := v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.UsersGet), Params: [2]string{id}}, outcome(st.NotFound)); err == nil && res.Status == st.NotFound {
		v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.UsersDelete), Params: [2]string{id}}, outcome(st.NotFound))
	}
}
