// Package catalog lists the endpoints of the user-service API trafficsim drives
// (docs/api.md): every endpoint as a stable id, its endpoint group, method and
// route template. Route templates are the only route values metrics ever carry.
package catalog

import (
	"fmt"
	"strings"
)

// Endpoint groups, the `group` label of the engine's metrics.
const (
	GroupAuth           = "auth"
	GroupUserQuery      = "user_query"
	GroupUserMutation   = "user_mutation"
	GroupProfile        = "profile"
	GroupRolePermission = "role_permission"
	GroupAdmin          = "admin"
)

// groups are the endpoint groups in report order.
var groups = [...]string{GroupAuth, GroupUserQuery, GroupUserMutation, GroupProfile, GroupRolePermission, GroupAdmin}

// Groups are the endpoint groups in report order. The caller must not modify them.
var Groups = groups[:]

// NumGroups is the number of endpoint groups: the size of per-group arrays.
const NumGroups = len(groups)

// Route placeholders. A request's first parameter fills each of them but
// PlaceholderRoleID, which takes the second: /users/{userId}/roles/{roleId}.
const (
	PlaceholderID       = "{id}"
	PlaceholderUserID   = "{userId}"
	PlaceholderRoleID   = "{roleId}"
	PlaceholderEmail    = "{email}"
	PlaceholderUsername = "{username}"
)

// Placeholders are every route placeholder.
var Placeholders = []string{PlaceholderID, PlaceholderUserID, PlaceholderRoleID, PlaceholderEmail, PlaceholderUsername}

// PlaceholderParam is the request parameter (0 or 1) that fills a placeholder.
func PlaceholderParam(ph string) int {
	if ph == PlaceholderRoleID {
		return 1
	}
	return 0
}

// Endpoint is one (method, route template) of the API.
type Endpoint struct {
	ID     string // stable name, e.g. "users.get"; API profiles refer to it
	Group  string
	Method string
	Route  string // template with the Placeholders
	// Public endpoints need no token (login, refresh, registration). The admin
	// role is needed exactly by the endpoints of GroupAdmin.
	Public bool

	index int // position in All(): per-request look-ups index, not hash
}

// Endpoint ids.
const (
	AuthLogin   = "auth.login"
	AuthLogout  = "auth.logout"
	AuthRefresh = "auth.refresh"
	AuthMe      = "auth.me"

	UsersList          = "users.list"
	UsersSearch        = "users.search"
	UsersGet           = "users.get"
	UsersByEmail       = "users.by_email"
	UsersByUsername    = "users.by_username"
	UsersCreate        = "users.create"
	UsersUpdate        = "users.update"
	UsersDelete        = "users.delete"
	UsersActivate      = "users.activate"
	UsersDeactivate    = "users.deactivate"
	UsersChangePasswd  = "users.change_password"
	UsersResetPassword = "users.reset_password"

	ProfileCreate = "profile.create"
	ProfileGet    = "profile.get"
	ProfileUpdate = "profile.update"
	ProfileDelete = "profile.delete"

	RolesList   = "roles.list"
	RolesCreate = "roles.create"
	RolesGet    = "roles.get"
	RolesUpdate = "roles.update"
	RolesDelete = "roles.delete"

	PermissionsList   = "permissions.list"
	PermissionsCreate = "permissions.create"
	PermissionsGet    = "permissions.get"
	PermissionsUpdate = "permissions.update"
	PermissionsDelete = "permissions.delete"

	UserRolesList   = "user_roles.list"
	UserRolesAssign = "user_roles.assign"
	UserRolesRevoke = "user_roles.revoke"
)

// all is the catalog in docs/api.md order. Groups: what a person does with the
// endpoint — reading users, changing their own account, managing their profile,
// looking up roles and permissions, or administering (admin-only endpoints).
var all = []Endpoint{
	{ID: AuthLogin, Group: GroupAuth, Method: "POST", Route: "/api/v1/auth/login", Public: true},
	{ID: AuthLogout, Group: GroupAuth, Method: "POST", Route: "/api/v1/auth/logout"},
	{ID: AuthRefresh, Group: GroupAuth, Method: "POST", Route: "/api/v1/auth/refresh", Public: true},
	{ID: AuthMe, Group: GroupAuth, Method: "POST", Route: "/api/v1/auth/me"},

	{ID: UsersList, Group: GroupUserQuery, Method: "GET", Route: "/api/v1/users"},
	{ID: UsersSearch, Group: GroupUserQuery, Method: "GET", Route: "/api/v1/users/search"},
	{ID: UsersGet, Group: GroupUserQuery, Method: "GET", Route: "/api/v1/users/{id}"},
	{ID: UsersByEmail, Group: GroupUserQuery, Method: "GET", Route: "/api/v1/users/email/{email}"},
	{ID: UsersByUsername, Group: GroupUserQuery, Method: "GET", Route: "/api/v1/users/username/{username}"},
	{ID: UsersCreate, Group: GroupUserMutation, Method: "POST", Route: "/api/v1/users", Public: true},
	{ID: UsersUpdate, Group: GroupUserMutation, Method: "PUT", Route: "/api/v1/users/{id}"},
	{ID: UsersDelete, Group: GroupAdmin, Method: "DELETE", Route: "/api/v1/users/{id}"},
	{ID: UsersActivate, Group: GroupAdmin, Method: "PUT", Route: "/api/v1/users/{id}/activate"},
	{ID: UsersDeactivate, Group: GroupAdmin, Method: "PUT", Route: "/api/v1/users/{id}/deactivate"},
	{ID: UsersChangePasswd, Group: GroupUserMutation, Method: "PUT", Route: "/api/v1/users/{id}/change-password"},
	{ID: UsersResetPassword, Group: GroupAdmin, Method: "PUT", Route: "/api/v1/users/{id}/reset-password"},

	{ID: ProfileCreate, Group: GroupProfile, Method: "POST", Route: "/api/v1/users/{userId}/profile"},
	{ID: ProfileGet, Group: GroupProfile, Method: "GET", Route: "/api/v1/users/{userId}/profile"},
	{ID: ProfileUpdate, Group: GroupProfile, Method: "PUT", Route: "/api/v1/users/{userId}/profile"},
	{ID: ProfileDelete, Group: GroupProfile, Method: "DELETE", Route: "/api/v1/users/{userId}/profile"},

	{ID: RolesList, Group: GroupRolePermission, Method: "GET", Route: "/api/v1/roles"},
	{ID: RolesCreate, Group: GroupAdmin, Method: "POST", Route: "/api/v1/roles"},
	{ID: RolesGet, Group: GroupRolePermission, Method: "GET", Route: "/api/v1/roles/{id}"},
	{ID: RolesUpdate, Group: GroupAdmin, Method: "PUT", Route: "/api/v1/roles/{id}"},
	{ID: RolesDelete, Group: GroupAdmin, Method: "DELETE", Route: "/api/v1/roles/{id}"},

	{ID: PermissionsList, Group: GroupRolePermission, Method: "GET", Route: "/api/v1/permissions"},
	{ID: PermissionsCreate, Group: GroupAdmin, Method: "POST", Route: "/api/v1/permissions"},
	{ID: PermissionsGet, Group: GroupRolePermission, Method: "GET", Route: "/api/v1/permissions/{id}"},
	{ID: PermissionsUpdate, Group: GroupAdmin, Method: "PUT", Route: "/api/v1/permissions/{id}"},
	{ID: PermissionsDelete, Group: GroupAdmin, Method: "DELETE", Route: "/api/v1/permissions/{id}"},

	{ID: UserRolesList, Group: GroupRolePermission, Method: "GET", Route: "/api/v1/users/{userId}/roles"},
	{ID: UserRolesAssign, Group: GroupAdmin, Method: "POST", Route: "/api/v1/users/{userId}/roles/{roleId}"},
	{ID: UserRolesRevoke, Group: GroupAdmin, Method: "DELETE", Route: "/api/v1/users/{userId}/roles/{roleId}"},
}

var byID = func() map[string]*Endpoint {
	m := make(map[string]*Endpoint, len(all))
	for i := range all {
		e := &all[i]
		e.index = i
		if _, dup := m[e.ID]; dup {
			panic(fmt.Sprintf("catalog: duplicate endpoint id %q", e.ID))
		}
		m[e.ID] = e
	}
	return m
}()

// Placeholders lists the placeholders of the endpoint's route, in route order.
func (e *Endpoint) Placeholders() []string {
	var out []string
	for rest := e.Route; ; {
		i := strings.IndexByte(rest, '{')
		j := strings.IndexByte(rest, '}')
		if i < 0 || j < i {
			return out
		}
		out = append(out, rest[i:j+1])
		rest = rest[j+1:]
	}
}

// All returns every endpoint, in docs/api.md order. The caller must not modify them.
func All() []Endpoint { return all }

// Index is e's position in All(); ok is false for an Endpoint that is not
// one of All()'s own (a copy, or one made elsewhere).
func (e *Endpoint) Index() (i int, ok bool) {
	if i = e.index; i < len(all) && e == &all[i] {
		return i, true
	}
	return 0, false
}

// Lookup returns the endpoint with the id, or nil.
func Lookup(id string) *Endpoint { return byID[id] }

// MustLookup returns the endpoint with the id and panics on an unknown id (a
// programming error: ids are constants).
func MustLookup(id string) *Endpoint {
	e := byID[id]
	if e == nil {
		panic(fmt.Sprintf("catalog: unknown endpoint id %q", id))
	}
	return e
}

// IsGroup reports whether g is an endpoint group.
func IsGroup(g string) bool {
	for _, x := range Groups {
		if x == g {
			return true
		}
	}
	return false
}

// GroupIndex returns g's position in Groups, or -1.
func GroupIndex(g string) int {
	for i, x := range Groups {
		if x == g {
			return i
		}
	}
	return -1
}
