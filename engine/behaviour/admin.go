package behaviour

import (
	"encoding/hex"
	"slices"
	"strconv"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/client"
)

const maxOwned = 3 // sim roles and permissions an admin keeps at a time

// adminActions are what an admin VU does for each action of the admin group
// of catalog.Actions, under the same names (registry.go checks that the two
// agree). They work on what the admin administers, creating what they need
// first (a role to assign, an account to delete).
var adminActions = map[string]func(v *VU){
	"delete_user":       (*VU).deleteUser,
	"activate_user":     func(v *VU) { v.setActive(true) },
	"deactivate_user":   func(v *VU) { v.setActive(false) },
	"reset_password":    (*VU).resetPassword,
	"create_role":       func(v *VU) { v.createOwned(ownedRoles) },
	"update_role":       func(v *VU) { v.updateOwned(ownedRoles) },
	"delete_role":       func(v *VU) { v.deleteOwned(ownedRoles) },
	"create_permission": func(v *VU) { v.createOwned(ownedPerms) },
	"update_permission": func(v *VU) { v.updateOwned(ownedPerms) },
	"delete_permission": func(v *VU) { v.deleteOwned(ownedPerms) },
	"assign_role":       (*VU).assignRole,
	"revoke_role":       (*VU).revokeRole,
}

// deleteUser deletes an account the admin holds (delete_user).
func (v *VU) deleteUser() {
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
}

// setActive activates or deactivates an account the admin holds
// (activate_user, deactivate_user).
func (v *VU) setActive(active bool) {
	a := v.heldAccount()
	if a == nil || !v.ownsAccount(a) {
		return
	}
	ep := catalog.UsersDeactivate
	if active {
		ep = catalog.UsersActivate
	}
	if _, good := v.withBody(ep, [2]string{a.id}, nil); good {
		a.active = active
	}
}

// resetPassword gives an account the admin holds a new password (reset_password).
func (v *VU) resetPassword() {
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
}

// owned is what the admin does with the sim_ roles or the sim_ permissions it
// created: their kind, endpoints and list.
type owned struct {
	kind, prefix           string
	create, update, delete string // endpoint ids
	list                   func(*adminState) *[]named
}

var (
	ownedRoles = owned{kind: KindRole, prefix: "r", create: catalog.RolesCreate, update: catalog.RolesUpdate,
		delete: catalog.RolesDelete, list: func(ad *adminState) *[]named { return &ad.roles }}
	ownedPerms = owned{kind: KindPermission, prefix: "p", create: catalog.PermissionsCreate, update: catalog.PermissionsUpdate,
		delete: catalog.PermissionsDelete, list: func(ad *adminState) *[]named { return &ad.perms }}
)

// createOwned creates a sim_ role or permission, or updates one when the admin
// keeps maxOwned already (create_role, create_permission).
func (v *VU) createOwned(o owned) {
	if len(*o.list(v.adm)) >= maxOwned {
		v.updateOwned(o)
		return
	}
	v.createNamed(o.create, o.kind, o.prefix)
}

// pickOwned picks one the admin created and still owns (read on the target);
// false when there is none to act on — without any, it creates one instead.
func (v *VU) pickOwned(o owned) (named, bool) {
	list := *o.list(v.adm)
	if len(list) == 0 {
		v.createOwned(o)
		return named{}, false
	}
	n := list[v.rng.IntN(len(list))]
	return n, v.ownsNamed(o.kind, n)
}

// updateOwned changes the description of one the admin created, creating
// one first when it has none (update_role, update_permission).
func (v *VU) updateOwned(o owned) {
	n, found := v.pickOwned(o)
	if !found {
		return
	}
	v.withBody(o.update, [2]string{n.id}, client.Body{{Name: "description", Value: "updated by trafficsim run " + v.r.cfg.RunID + " at step " + strconv.Itoa(v.sent)}})
}

// deleteOwned deletes one the admin created, creating one first when it has
// none (delete_role, delete_permission).
func (v *VU) deleteOwned(o owned) {
	n, found := v.pickOwned(o)
	if !found {
		return
	}
	res, err := v.authed(&client.Call{Endpoint: catalog.MustLookup(o.delete), Params: [2]string{n.id}}, wantSuccess)
	switch {
	case err == nil && ok(res):
		v.r.ledger.Remove(o.kind, n.id)
		v.dropNamed(o.kind, n)
	case err == nil && res.Status == 404: // already gone, not deleted by the run
		v.r.ledger.Lose(Record{o.kind, n.id, n.name}, false)
		v.dropNamed(o.kind, n)
	}
}

// assignRole gives an account the admin holds one of its roles the account
// lacks; without roles it creates one, without a role to give it revokes one
// (assign_role).
func (v *VU) assignRole() {
	ad := v.adm
	if len(ad.roles) == 0 {
		v.createOwned(ownedRoles)
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
		v.revokeRole()
		return
	}
	rid := free[v.rng.IntN(len(free))]
	if !v.ownsAccount(a) {
		return
	}
	if _, good := v.withBody(catalog.UserRolesAssign, [2]string{a.id, rid}, nil); good {
		a.roles = append(a.roles, rid)
	}
}

// revokeRole takes a role back from an account that has one; when none has,
// it assigns one (revoke_role).
func (v *VU) revokeRole() {
	var from *account
	for _, a := range v.adm.held {
		if len(a.roles) > 0 {
			from = a
			break
		}
	}
	if from == nil {
		v.assignRole()
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
	res, err := v.authed(&client.Call{Endpoint: catalog.MustLookup(ep), Body: body, Decode: true, Pick: client.PickID}, wantSuccess)
	if err != nil || !ok(res) {
		return
	}
	id, found := v.r.client.CreatedID(&res)
	if !found {
		v.r.ledger.Unidentified.Add(1) // only the cleanup's search can find it
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
