package behaviour

import (
	"encoding/hex"
	"slices"
	"strconv"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/client"
)

const maxOwned = 3 // sim roles and permissions an admin keeps at a time

// adminAction performs an admin-group action on what the admin administers,
// creating what it needs first (a role to assign, an account to delete).
func (v *VU) adminAction(name string) {
	ad := v.adm
	switch name {
	case "delete_user":
		a := v.disposable()
		if a == nil || !v.ownsAccount(a) {
			return
		}
		v.r.dir.remove(a.id)
		res, err := v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.UsersDelete), Params: [2]string{a.id}}, wantSuccess)
		switch {
		case err == nil && ok(res):
			v.r.ledger.Remove(KindUser, a.id)
			v.drop(a)
		case err == nil && res.Status == 404: // already gone, not deleted by the run
			v.r.ledger.Lose(a.record(), false)
			v.drop(a)
		}
	case "deactivate_user", "activate_user":
		a := v.heldAccount()
		if a == nil || !v.ownsAccount(a) {
			return
		}
		ep, active := catalog.UsersDeactivate, false
		if name == "activate_user" {
			ep, active = catalog.UsersActivate, true
		}
		if _, good := v.withBody(ep, [2]string{a.id}, nil); good {
			a.active = active
		}
	case "reset_password":
		a := v.heldAccount()
		if a == nil || !v.ownsAccount(a) {
			return
		}
		next := v.password()
		res, err := v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.UsersResetPassword), Params: [2]string{a.id},
			Body: client.Body{{Name: "new_password", Value: next}}}, wantSuccess)
		if err == nil && ok(res) {
			a.password = next
		}
	case "create_role":
		if len(ad.roles) >= maxOwned {
			v.adminAction("update_role")
			return
		}
		v.createNamed(catalog.RolesCreate, KindRole, "r")
	case "create_permission":
		if len(ad.perms) >= maxOwned {
			v.adminAction("update_permission")
			return
		}
		v.createNamed(catalog.PermissionsCreate, KindPermission, "p")
	case "update_role", "update_permission":
		list, ep, create := ad.roles, catalog.RolesUpdate, "create_role"
		if name == "update_permission" {
			list, ep, create = ad.perms, catalog.PermissionsUpdate, "create_permission"
		}
		if len(list) == 0 {
			v.adminAction(create)
			return
		}
		n := list[v.rng.IntN(len(list))]
		if !v.ownsNamed(kind(ep), n) {
			return
		}
		v.withBody(ep, [2]string{n.id}, client.Body{{Name: "description", Value: "updated by trafficsim run " + v.r.cfg.RunID + " at step " + strconv.Itoa(v.sent)}})
	case "delete_role", "delete_permission":
		kind, ep, create := KindRole, catalog.RolesDelete, "create_role"
		list := &ad.roles
		if name == "delete_permission" {
			kind, ep, create, list = KindPermission, catalog.PermissionsDelete, "create_permission", &ad.perms
		}
		if len(*list) == 0 {
			v.adminAction(create)
			return
		}
		n := (*list)[v.rng.IntN(len(*list))]
		if !v.ownsNamed(kind, n) {
			return
		}
		res, err := v.authed(&client.Call{Endpoint: catalog.MustLookup(ep), Params: [2]string{n.id}}, wantSuccess)
		switch {
		case err == nil && ok(res):
			v.r.ledger.Remove(kind, n.id)
			v.dropNamed(kind, n)
		case err == nil && res.Status == 404: // already gone, not deleted by the run
			v.r.ledger.Lose(Record{kind, n.id, n.name}, false)
			v.dropNamed(kind, n)
		}
	case "assign_role":
		if len(ad.roles) == 0 {
			v.adminAction("create_role")
			return
		}
		a := v.heldAccount()
		if a == nil {
			return
		}
		var free []string
		for _, r := range ad.roles {
			if !slices.Contains(a.roles, r.id) {
				free = append(free, r.id)
			}
		}
		if len(free) == 0 {
			v.adminAction("revoke_role")
			return
		}
		rid := free[v.rng.IntN(len(free))]
		if !v.ownsAccount(a) {
			return
		}
		if _, good := v.withBody(catalog.UserRolesAssign, [2]string{a.id, rid}, nil); good {
			a.roles = append(a.roles, rid)
		}
	case "revoke_role":
		var from *account
		for _, a := range ad.held {
			if len(a.roles) > 0 {
				from = a
				break
			}
		}
		if from == nil {
			v.adminAction("assign_role")
			return
		}
		rid := from.roles[v.rng.IntN(len(from.roles))]
		if !v.ownsAccount(from) {
			return
		}
		res, err := v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.UserRolesRevoke), Params: [2]string{from.id, rid}}, wantSuccess)
		if err == nil && (ok(res) || res.Status == 404) {
			from.roles = slices.DeleteFunc(from.roles, func(id string) bool { return id == rid })
		}
	}
}

// disposable returns a held account to delete, keeping the one the admin uses
// for self-service actions when it has others.
func (v *VU) disposable() *account {
	ad := v.adm
	for _, a := range ad.held {
		if a != v.me {
			return a
		}
	}
	if a := v.r.pool.take(); a != nil {
		ad.held = append(ad.held, a)
		return a
	}
	if len(ad.held) > 0 {
		return ad.held[0]
	}
	return v.heldAccount()
}

// kind is the record kind an update endpoint changes.
func kind(ep string) string {
	if ep == catalog.PermissionsUpdate {
		return KindPermission
	}
	return KindRole
}

// ownsAccount reads a held account before an admin changes it: whether the
// record is still the one the run created (ownsRecord). A record that is not
// is dropped from the VU's accounts.
func (v *VU) ownsAccount(a *account) bool {
	if v.ownsRecord(a.record()) {
		return true
	}
	v.r.dir.remove(a.id)
	v.drop(a)
	return false
}

// ownsNamed is ownsAccount for a role or permission the admin created.
func (v *VU) ownsNamed(kind string, n named) bool {
	if v.ownsRecord(Record{kind, n.id, n.name}) {
		return true
	}
	v.dropNamed(kind, n)
	return false
}

// ownsRecord reads the record and reports whether it still is the one the run
// created: the name it was created with (DESIGN.md, "What the engine may
// touch"). An id that answers 404, or holds another record, is forgotten —
// counted as gone, and as foreign when the record is not the run's (a target
// that lost its data handed the id out again). false also when the read
// failed: nothing is changed without the look.
func (v *VU) ownsRecord(rec Record) bool {
	res, err := v.authed(&client.Call{Endpoint: catalog.MustLookup(ReadEndpoint(rec.Kind)), Params: [2]string{rec.ID}, Decode: true}, wantSuccess)
	if err != nil {
		return false
	}
	if res.Status == 404 {
		v.r.ledger.Lose(rec, false)
		return false
	}
	if !ok(res) || res.JSON == nil {
		return false
	}
	name, mine := RecordName(v.r.client, &res, rec)
	if mine {
		return true
	}
	v.r.Lost(rec, name)
	return false
}

// dropNamed forgets a role or permission the admin created.
func (v *VU) dropNamed(kind string, n named) {
	ad := v.adm
	if kind == KindPermission {
		ad.perms = slices.DeleteFunc(ad.perms, func(x named) bool { return x.id == n.id })
		return
	}
	ad.roles = slices.DeleteFunc(ad.roles, func(x named) bool { return x.id == n.id })
	for _, a := range ad.held {
		a.roles = slices.DeleteFunc(a.roles, func(id string) bool { return id == n.id })
	}
}

// drop forgets a deleted account.
func (v *VU) drop(a *account) {
	v.adm.held = slices.DeleteFunc(v.adm.held, func(x *account) bool { return x == a })
	if v.me == a {
		v.me = nil
	}
}

// createNamed creates a sim_ role or permission.
func (v *VU) createNamed(ep, kind, prefix string) {
	name := v.nextName(prefix)
	body := client.Body{{Name: "name", Value: name}, {Name: "description", Value: "created by trafficsim run " + v.r.cfg.RunID}}
	if kind == KindRole {
		var perms []string
		for _, p := range v.adm.perms {
			perms = append(perms, p.name)
		}
		body = append(body, client.Field{Name: "permissions", Value: perms})
	}
	res, err := v.authed(&client.Call{Endpoint: catalog.MustLookup(ep), Body: body, Decode: true}, wantSuccess) // the id is read
	if err != nil || !ok(res) {
		return
	}
	c := v.r.client
	obj, found := c.Object(&res)
	if !found {
		return
	}
	id, found := c.ID(obj)
	if !found {
		return
	}
	v.r.ledger.Add(kind, id, name)
	if kind == KindRole {
		v.adm.roles = append(v.adm.roles, named{id, name})
	} else {
		v.adm.perms = append(v.adm.perms, named{id, name})
	}
}

// unknownID is a well-formed id of the target's kind that no record has: an
// integer far above any the run creates, a random UUID, or a sim_ string.
func (v *VU) unknownID() string {
	switch v.r.client.Profile().IDKind {
	case client.IDUUID:
		var b [16]byte
		for i := range b {
			b[i] = byte(v.rng.IntN(256))
		}
		b[6] = b[6]&0x0f | 0x40 // version 4
		b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
		h := hex.EncodeToString(b[:])
		return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	case client.IDString:
		return "sim_" + v.r.cfg.RunID + "_nobody" + strconv.Itoa(v.rng.IntN(99_999_999))
	}
	return strconv.Itoa(900_000_000 + v.rng.IntN(99_999_999))
}

// mistake makes a deliberate client error of the kind; its answer is counted as
// expected when it is the status the kind intends.
func (v *VU) mistake(kind string) {
	v.step = kind
	want := func(status int) outcome { return outcome(status) }
	st := v.r.client.Profile().Statuses
	switch kind {
	case "wrong_password":
		// A VU without an account (its signup failed) has no credentials yet.
		if !v.admin && v.me == nil && !v.signup() {
			return
		}
		user, email, _ := v.credentials()
		ident := user
		p := v.r.client.Profile().Login
		if p.With == "email" && !v.admin {
			ident = email
		}
		res, err := v.send(&client.Call{Endpoint: catalog.MustLookup(catalog.AuthLogin),
			Body: client.Body{{Name: p.Field, Value: ident}, {Name: p.PasswordField, Value: "Wrong-" + v.password()}}}, want(st.Unauthorized))
		if err == nil {
			v.r.rec.Load().TokenOp("login", ok(res))
		}
	case "revoked_token":
		tok := v.revoked
		if tok == "" {
			// No revoked token at hand: a token that expired long ago (its
			// signature is not the target's, so it is refused all the same).
			tok = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwIiwiZXhwIjoxfQ.c2ltdWxhdGVkLWV4cGlyZWQ"
		}
		v.send(&client.Call{Endpoint: catalog.MustLookup(catalog.AuthMe), Token: tok}, want(st.Unauthorized))
	case "bad_refresh":
		res, err := v.send(&client.Call{Endpoint: catalog.MustLookup(catalog.AuthRefresh),
			Body: client.Body{{Name: v.r.client.Profile().Token.RefreshField, Value: "used-" + v.password()}}}, want(st.Unauthorized))
		if err == nil {
			v.r.rec.Load().TokenOp("refresh", ok(res))
		}
	case "unknown_user":
		v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.UsersGet), Params: [2]string{v.unknownID()}}, want(st.NotFound))
	case "unknown_email":
		v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.UsersByEmail), Params: [2]string{"nobody-" + v.unknownID() + "@simulation.test"}}, want(st.NotFound))
	case "unknown_username":
		v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.UsersByUsername), Params: [2]string{"sim_" + v.r.cfg.RunID + "_nobody" + v.unknownID()}}, want(st.NotFound))
	case "empty_search":
		v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.UsersSearch), Query: v.r.client.EmptySearchQuery(10)}, want(st.Validation))
	case "invalid_registration":
		v.send(&client.Call{Endpoint: catalog.MustLookup(catalog.UsersCreate), Body: client.Body{
			{Name: "username", Value: "x"}, {Name: "email", Value: "not-an-email"},
			{Name: "password", Value: "short"}, {Name: "name", Value: ""}}}, want(st.Validation))
	case "duplicate_username":
		taken := v.r.cfg.AdminUser
		if e, found := v.r.dir.pick(v.idx, v.rng); found {
			taken = e.username
		}
		v.send(&client.Call{Endpoint: catalog.MustLookup(catalog.UsersCreate), Body: client.Body{
			{Name: "username", Value: taken}, {Name: "email", Value: v.nextName("dup") + "@simulation.test"},
			{Name: "password", Value: v.password()}, {Name: "name", Value: v.personName()}}}, want(st.Conflict))
	case "wrong_current_password":
		a := v.subject()
		if a == nil || !v.mayChange(a) {
			return
		}
		v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.UsersChangePasswd), Params: [2]string{a.id},
			Body: client.Body{{Name: "current_password", Value: "Not-" + v.password()}, {Name: "new_password", Value: v.password()}}}, want(st.Validation))
	case "invalid_profile":
		a := v.subject()
		if a == nil || !v.mayChange(a) {
			return
		}
		v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.ProfileUpdate), Params: [2]string{a.id},
			Body: client.Body{{Name: "phone", Value: "call me"}, {Name: "website", Value: "ftp://example.org"}}}, want(st.Validation))
	case "missing_profile":
		v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.ProfileGet), Params: [2]string{v.unknownID()}}, want(st.NotFound))
	case "unknown_role":
		v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.RolesGet), Params: [2]string{v.unknownID()}}, want(st.NotFound))
	case "unknown_permission":
		v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.PermissionsGet), Params: [2]string{v.unknownID()}}, want(st.NotFound))
	case "forbidden":
		// Aimed at a user the run created: on a target whose authorisation
		// is broken, the attempt must not land on someone else's account.
		target := v.unknownID()
		if e, found := v.r.dir.pick(v.idx, v.rng); found {
			target = e.id
		}
		switch v.rng.IntN(3) {
		case 0:
			v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.UsersDeactivate), Params: [2]string{target}}, want(st.Forbidden))
		case 1:
			v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.UsersDelete), Params: [2]string{target}}, want(st.Forbidden))
		default:
			v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.RolesCreate),
				Body: client.Body{{Name: "name", Value: v.nextName("x")}}}, want(st.Forbidden))
		}
	case "admin_unknown_id":
		// Deleted only once read as missing: on a real target the id may exist.
		id := v.unknownID()
		if res, err := v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.UsersGet), Params: [2]string{id}}, want(st.NotFound)); err == nil && res.Status == st.NotFound {
			v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.UsersDelete), Params: [2]string{id}}, want(st.NotFound))
		}
	}
}
