package behaviour

import (
	"strconv"
	"strings"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/client"
)

// act performs a named action (journey step or weighted action): its
// handler, or the plain request of that name. Admin actions are the admins':
// another VU skips them.
func (v *VU) act(name string) {
	v.step = name
	if a, found := actionHandlers[name]; found {
		if !a.admin || v.admin {
			a.do(v)
		}
		return
	}
	if i, found := v.r.plainStep(name); found {
		v.plainRequest(i)
	}
}

// userActions are what a VU does for each action of catalog.Actions but the
// admin group's (admin.go), under the same names (registry.go checks that the
// two agree).
var userActions = map[string]func(v *VU){
	"signup": func(v *VU) { v.signup() },
	"login": func(v *VU) {
		if !v.loggedIn || v.access == "" {
			v.login()
		}
	},
	"logout":  (*VU).logout,
	"me":      (*VU).aboutMe,
	"refresh": (*VU).refreshStep,
	"relogin": func(v *VU) {
		if v.loggedIn {
			v.logout()
		}
		v.login()
	},

	"list_users":           func(v *VU) { v.list(catalog.UsersList, v.r.client.ListQuery("", 1+v.rng.IntN(3), 20)) },
	"search_users":         func(v *VU) { v.list(catalog.UsersSearch, v.r.client.ListQuery(v.searchTerm(), 1, 10)) },
	"get_user":             func(v *VU) { v.lookUpUser(catalog.UsersGet, func(e entry) string { return e.id }) },
	"get_user_by_email":    func(v *VU) { v.lookUpUser(catalog.UsersByEmail, func(e entry) string { return e.email }) },
	"get_user_by_username": func(v *VU) { v.lookUpUser(catalog.UsersByUsername, func(e entry) string { return e.username }) },

	"register":        (*VU).registerOther,
	"update_user":     (*VU).updateUser,
	"change_password": (*VU).changePassword,

	"create_profile": func(v *VU) { v.profile("create_profile") },
	"get_profile":    func(v *VU) { v.profile("get_profile") },
	"update_profile": func(v *VU) { v.profile("update_profile") },
	"delete_profile": func(v *VU) { v.profile("delete_profile") },

	"list_roles":       func(v *VU) { v.listRoles(catalog.RolesList) },
	"list_permissions": func(v *VU) { v.listRoles(catalog.PermissionsList) },
	"get_role":         func(v *VU) { v.getSeen(catalog.RolesGet, catalog.RolesList, &v.seenRole) },
	"get_permission":   func(v *VU) { v.getSeen(catalog.PermissionsGet, catalog.PermissionsList, &v.seenPerm) },
	"get_user_roles":   (*VU).getUserRoles,
}

// refreshStep rotates the tokens, logging in when the refresh fails and left
// no session (refresh).
func (v *VU) refreshStep() {
	if !v.ensureSession() {
		return
	}
	if !v.doRefresh() && v.access == "" {
		v.login()
	}
}

// aboutMe reads the VU's own user (me); a non-admin checks that it is
// still its own (self.go).
func (v *VU) aboutMe() {
	if v.admin {
		v.simple(catalog.AuthMe, [2]string{}, "")
		return
	}
	if a := v.subject(); a != nil {
		if res, err := v.authed(v.ownCall(&client.Call{Endpoint: catalog.MustLookup(catalog.AuthMe)}), wantSuccess); err == nil {
			v.ownAnswer(a, &res)
		}
	}
}

// lookUpUser reads a real user by the endpoint's key (get_user and its by-email
// and by-username forms); a user deleted meanwhile is forgotten. Reading its
// own account, a non-admin checks that it is still its own (self.go).
func (v *VU) lookUpUser(ep string, key func(entry) string) {
	e, found := v.someUser()
	if !found {
		return
	}
	if a := v.me; !v.admin && a != nil && e.id == a.id {
		res, err := v.authed(v.ownCall(&client.Call{Endpoint: catalog.MustLookup(ep), Params: [2]string{key(e)}}), wantSuccess)
		switch {
		case err != nil:
		case ep == catalog.UsersGet:
			v.ownAnswer(a, &res)
		case res.Status == v.r.client.Profile().Statuses.NotFound:
			v.checkOwn(a) // its username or email is nobody's now
		}
		return
	}
	if res, _ := v.simple(ep, [2]string{key(e)}, ""); res.Status == 404 && v.seenUser.id == e.id {
		v.seenUser = entry{} // deleted by an admin meanwhile
	}
}

// registerOther registers another account (register): an admin keeps a few to
// administer, the others go to the pool for the admins.
func (v *VU) registerOther() {
	if !v.ensureSession() {
		return
	}
	a, err := v.register()
	if err != nil {
		return
	}
	if v.admin && len(v.adm.held) < 4 {
		v.adm.held = append(v.adm.held, a)
	} else {
		v.r.pool.put(a)
	}
}

// updateUser changes the subject's display name (update_user); the answer
// names the user, which a non-admin checks is still its own (self.go).
func (v *VU) updateUser() {
	a := v.subject()
	if a == nil || !v.mayChange(a) {
		return
	}
	res, err := v.authed(v.ownCall(&client.Call{Endpoint: catalog.MustLookup(catalog.UsersUpdate), Params: [2]string{a.id},
		Body: client.Body{{Name: "name", Value: v.personName()}}}), wantSuccess)
	if err == nil {
		v.ownAnswer(a, &res)
	}
}

// changePassword changes the subject's password (change_password). A
// non-admin whose current password is refused reads its account (self.go).
func (v *VU) changePassword() {
	a := v.subject()
	if a == nil || !v.mayChange(a) {
		return
	}
	next := v.password()
	res, err := v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.UsersChangePasswd), Params: [2]string{a.id},
		Body: client.Body{{Name: "current_password", Value: a.password}, {Name: "new_password", Value: next}}}, wantSuccess)
	if err == nil {
		v.wrote(a, &res)
	}
	switch {
	case err != nil:
	case ok(res):
		a.password = next
	case res.Status == v.r.client.Profile().Statuses.Validation || res.Status == v.r.client.Profile().Statuses.NotFound:
		v.checkOwn(a)
	}
}

// getSeen reads the role or permission whose id the VU saw in a list, listing
// first when it saw none; one gone meanwhile is forgotten (get_role,
// get_permission).
func (v *VU) getSeen(get, list string, seen *string) {
	if *seen == "" {
		v.listRoles(list)
		return
	}
	if res, _ := v.simple(get, [2]string{*seen}, ""); res.Status == 404 {
		*seen = ""
	}
}

// getUserRoles reads the roles of the VU's own account or of a user it knows
// (get_user_roles).
func (v *VU) getUserRoles() {
	id := ""
	if v.me != nil {
		id = v.me.id
	}
	if e, found := v.someUser(); found && (id == "" || v.rng.IntN(2) == 0) {
		id = e.id
	}
	if id != "" {
		v.simple(catalog.UserRolesList, [2]string{id}, "")
	}
}

// authed sends a call with the VU's token, logging in first when needed.
func (v *VU) authed(call *client.Call, want outcome) (client.Result, error) {
	if !v.ensureSession() {
		return client.Result{}, errStopped
	}
	call.Token = v.access
	return v.send(call, want)
}

// simple sends an authenticated request without a body.
func (v *VU) simple(id string, params [2]string, query string) (client.Result, bool) {
	res, err := v.authed(&client.Call{Endpoint: catalog.MustLookup(id), Params: params, Query: query}, wantSuccess)
	return res, err == nil && ok(res)
}

// withBody sends an authenticated request with a body. Its answer is not parsed:
// no caller reads it, and parsing JSON is much of a journey request's CPU.
func (v *VU) withBody(id string, params [2]string, body client.Body) (client.Result, bool) {
	res, err := v.authed(&client.Call{Endpoint: catalog.MustLookup(id), Params: params, Body: body}, wantSuccess)
	return res, err == nil && ok(res)
}

// list fetches a page of users and, now and then, remembers one of them to look
// at next — as a person clicks an entry of a list.
func (v *VU) list(id, query string) { v.listPage(id, query, v.rng.IntN(3) == 0, true) }

// listPage fetches the page; when decode is set it reads it (short parse
// unless page is false) and remembers a user.
func (v *VU) listPage(id, query string, decode, page bool) {
	res, err := v.authed(&client.Call{Endpoint: catalog.MustLookup(id), Query: query, Decode: decode, Page: page}, wantSuccess)
	if err != nil || !ok(res) || !decode {
		return
	}
	items := v.r.client.Entries(&res)
	if len(items) == 0 {
		return
	}
	if it := items[v.rng.IntN(len(items))]; it.ID != "" && it.Username != "" && it.Email != "" {
		v.seenUser = ownEntry(it.ID, it.Username, it.Email)
	}
}

// listRoles fetches roles or permissions and remembers one id.
func (v *VU) listRoles(id string) {
	decode := v.rng.IntN(2) == 0 || (id == catalog.RolesList && v.seenRole == "") || (id == catalog.PermissionsList && v.seenPerm == "")
	res, err := v.authed(&client.Call{Endpoint: catalog.MustLookup(id), Query: v.r.client.ListQuery("", 1, 20), Decode: decode, Page: true}, wantSuccess)
	if err != nil || !ok(res) || !decode {
		return
	}
	items := v.r.client.Entries(&res)
	if len(items) == 0 {
		return
	}
	// Prefer records that stay (built-in roles, other people's permissions) over
	// the sim_ ones admins create and delete during the run: the k-th of those,
	// found in place (a slice of them was an allocation a page).
	stable := 0
	for _, it := range items {
		if !strings.HasPrefix(it.Name, "sim_") {
			stable++
		}
	}
	pick := items[0]
	if stable > 0 {
		k := v.rng.IntN(stable)
		for _, it := range items {
			if !strings.HasPrefix(it.Name, "sim_") {
				if k == 0 {
					pick = it
					break
				}
				k--
			}
		}
	} else {
		pick = items[v.rng.IntN(len(items))]
	}
	if rid := pick.ID; rid != "" {
		rid = strings.Clone(rid) // not the whole page's memory while the VU thinks
		if id == catalog.RolesList {
			v.seenRole = rid
		} else {
			v.seenPerm = rid
		}
	}
}

var searchWords = []string{"sim", "ada", "turing", "admin", "example", "simulation", "grace", "sim_"}

func (v *VU) searchTerm() string {
	switch v.rng.IntN(3) {
	case 0:
		return "sim_" + v.r.cfg.RunID
	case 1:
		if e, found := v.r.dir.pick(v.idx, v.rng); found && len(e.username) > 6 {
			return e.username[:6+v.rng.IntN(len(e.username)-6)]
		}
	}
	return searchWords[v.rng.IntN(len(searchWords))]
}

// someUser picks a real user to look at: one seen in a list, one the run
// created, or the VU's own account.
func (v *VU) someUser() (entry, bool) {
	if a := v.me; !v.admin && a != nil && a.unsure {
		return entry{a.id, a.username(), a.email}, true // checks itself (self.go)
	}
	if v.seenUser.id != "" && v.rng.IntN(2) == 0 {
		return v.seenUser, true
	}
	if e, found := v.r.dir.pick(v.idx, v.rng); found {
		return e, true
	}
	if v.me != nil && v.me.id != "" {
		return entry{v.me.id, v.me.username(), v.me.email}, true
	}
	if v.seenUser.id != "" {
		return v.seenUser, true
	}
	// Nothing known yet: list users to learn some.
	v.list(catalog.UsersList, v.r.client.ListQuery("", 1, 20))
	return entry{}, false
}

// subject is the account self-service actions apply to: the VU's own, or for an
// admin one of the accounts it administers.
func (v *VU) subject() *account {
	if !v.admin {
		if v.me == nil && !v.signup() {
			return nil
		}
		return v.me
	}
	if v.me != nil {
		return v.me
	}
	v.me = v.heldAccount()
	return v.me
}

// mayChange reports whether the VU may change the account: its own account
// (the target authorises that by its token), or for an admin an account it
// read and found still the run's (ownsAccount).
func (v *VU) mayChange(a *account) bool { return !v.admin || v.ownsAccount(a) }

// heldAccount returns an account the admin administers, taking one from the
// pool or registering one when it has none.
func (v *VU) heldAccount() *account {
	if len(v.adm.held) > 0 {
		return v.adm.held[v.rng.IntN(len(v.adm.held))]
	}
	if a := v.r.pool.take(); a != nil {
		v.adm.held = append(v.adm.held, a)
		return a
	}
	if !v.ensureSession() {
		return nil
	}
	a, err := v.register()
	if err != nil {
		return nil
	}
	v.adm.held = append(v.adm.held, a)
	return a
}

// The texts of the bodies VUs send are boxed once: a string put in a
// Field's Value is otherwise an allocation per request.
var (
	bios   = boxed("Curious about distributed systems.", "Coffee first.", "Building things that last.", "On call this week.", "Likes long walks through stack traces.")
	cities = boxed("Lisbon", "Oslo", "Nairobi", "Montréal", "Kyoto", "Recife", "Tallinn", "Auckland")
)

func boxed(texts ...string) []any {
	out := make([]any, len(texts))
	for i, t := range texts {
		out[i] = t
	}
	return out
}

// profileBody fills f with a profile's fields (in the caller's memory: the
// body is sent and forgotten).
func (v *VU) profileBody(f *[4]client.Field) client.Body {
	*f = [4]client.Field{
		{Name: "bio", Value: bios[v.rng.IntN(len(bios))]},
		{Name: "location", Value: cities[v.rng.IntN(len(cities))]},
		{Name: "website", Value: "https://example.org/" + strconv.Itoa(v.idx)},
		{Name: "phone", Value: "+4915" + strconv.Itoa(10000000+v.rng.IntN(89999999))},
	}
	return f[:]
}

// profile manages the subject's profile; an action that does not fit the
// profile's state (reading a profile that does not exist) becomes the one that
// does, as a person would create it first.
func (v *VU) profile(name string) {
	a := v.subject()
	if a == nil {
		return
	}
	if !a.hasProfile {
		name = "create_profile"
	} else if name == "create_profile" {
		name = "update_profile"
	}
	if name != "get_profile" && !v.mayChange(a) {
		return
	}
	params := [2]string{a.id}
	var fields [4]client.Field
	var res client.Result
	switch name {
	case "create_profile":
		if res, _ = v.withBody(catalog.ProfileCreate, params, v.profileBody(&fields)); ok(res) {
			a.hasProfile = true
		}
	case "get_profile":
		res, _ = v.simple(catalog.ProfileGet, params, "")
	case "update_profile":
		body := v.profileBody(&fields)
		body = body[:1+v.rng.IntN(len(body))]
		res, _ = v.withBody(catalog.ProfileUpdate, params, body)
	case "delete_profile":
		if res, _ = v.authed(&client.Call{Endpoint: catalog.MustLookup(catalog.ProfileDelete), Params: params}, wantSuccess); ok(res) {
			a.hasProfile = false
		}
	}
	if name != "get_profile" {
		v.wrote(a, &res)
	}
	// A profile missing where the VU made one, or there where it made none,
	// does not fit its account: a non-admin reads the account (self.go).
	st := v.r.client.Profile().Statuses
	if res.ErrKind == "" && !v.admin && (res.Status == st.NotFound || res.Status == st.Conflict && name == "create_profile") && v.checkOwn(a) {
		a.hasProfile = res.Status == st.Conflict
	}
}
