package catalog

import (
	"fmt"
	"slices"
)

// Think-time classes: how long a person pauses before an action.
const (
	ThinkQuick = "quick" // between searches and look-ups in a burst
	ThinkRead  = "read"  // reading a page before the next click
	ThinkForm  = "form"  // filling in a form before submitting it
	ThinkPause = "pause" // between sessions
)

// Who an error kind is for (ErrorKind.For; "" = any VU).
const (
	ForAdmin = "admin"
	ForUser  = "user"
)

// ThinkClasses lists the think-time classes.
var ThinkClasses = []string{ThinkQuick, ThinkRead, ThinkForm, ThinkPause}

// Action describes an action a VU can take: the one table of actions. Scenario
// files name them (engine/scenario checks the names against it), a VU does them
// (engine/behaviour registers a handler under every name, and refuses to load
// without one), docs/scenarios.md lists them (a test compares).
type Action struct {
	Name  string
	Group string // endpoint group of its (main) request
	Think string // think-time class before it
	// Endpoints it sends to (the first is the main one: its capability).
	Endpoints []string
	// Admin actions are taken by admin VUs only (the admin group's).
	Admin bool
	// JourneyOnly actions appear in journeys but not among the weighted actions.
	JourneyOnly bool
	Doc         string
}

// actions are every action of the engine: the weighted actions per group, and the
// steps journeys may use besides them.
var actions = []Action{
	{Name: "signup", Group: GroupUserMutation, Think: ThinkForm, Endpoints: []string{UsersCreate}, JourneyOnly: true,
		Doc: "register the VU's own account (skipped when it has one; admins use the admin account)"},
	{Name: "login", Group: GroupAuth, Think: ThinkForm, Endpoints: []string{AuthLogin}, JourneyOnly: true,
		Doc: "log in and start a session"},
	{Name: "logout", Group: GroupAuth, Think: ThinkRead, Endpoints: []string{AuthLogout}, JourneyOnly: true,
		Doc: "log out and end the session (the runner also logs out at the end)"},

	{Name: "me", Group: GroupAuth, Think: ThinkQuick, Endpoints: []string{AuthMe}, Doc: "who am I"},
	{Name: "refresh", Group: GroupAuth, Think: ThinkQuick, Endpoints: []string{AuthRefresh}, Doc: "rotate the tokens"},
	{Name: "relogin", Group: GroupAuth, Think: ThinkForm, Endpoints: []string{AuthLogout, AuthLogin},
		Doc: "log out and back in (two requests; ends a session and starts another)"},

	{Name: "list_users", Group: GroupUserQuery, Think: ThinkRead, Endpoints: []string{UsersList}, Doc: "a page of users"},
	{Name: "search_users", Group: GroupUserQuery, Think: ThinkQuick, Endpoints: []string{UsersSearch}, Doc: "search users by a name fragment"},
	{Name: "get_user", Group: GroupUserQuery, Think: ThinkQuick, Endpoints: []string{UsersGet}, Doc: "one user by id"},
	{Name: "get_user_by_email", Group: GroupUserQuery, Think: ThinkQuick, Endpoints: []string{UsersByEmail}, Doc: "one user by email"},
	{Name: "get_user_by_username", Group: GroupUserQuery, Think: ThinkQuick, Endpoints: []string{UsersByUsername}, Doc: "one user by username"},

	{Name: "register", Group: GroupUserMutation, Think: ThinkForm, Endpoints: []string{UsersCreate},
		Doc: "register another account (a colleague, a test account); admins may later deactivate or delete it"},
	{Name: "update_user", Group: GroupUserMutation, Think: ThinkForm, Endpoints: []string{UsersUpdate}, Doc: "change the own display name"},
	{Name: "change_password", Group: GroupUserMutation, Think: ThinkForm, Endpoints: []string{UsersChangePasswd}, Doc: "change the own password"},

	{Name: "create_profile", Group: GroupProfile, Think: ThinkForm, Endpoints: []string{ProfileCreate}, Doc: "create the own profile (or update it when it exists)"},
	{Name: "get_profile", Group: GroupProfile, Think: ThinkRead, Endpoints: []string{ProfileGet}, Doc: "read a profile"},
	{Name: "update_profile", Group: GroupProfile, Think: ThinkForm, Endpoints: []string{ProfileUpdate}, Doc: "update the own profile (create it when missing)"},
	{Name: "delete_profile", Group: GroupProfile, Think: ThinkForm, Endpoints: []string{ProfileDelete}, Doc: "delete the own profile"},

	{Name: "list_roles", Group: GroupRolePermission, Think: ThinkRead, Endpoints: []string{RolesList}, Doc: "a page of roles"},
	{Name: "get_role", Group: GroupRolePermission, Think: ThinkQuick, Endpoints: []string{RolesGet}, Doc: "one role"},
	{Name: "list_permissions", Group: GroupRolePermission, Think: ThinkRead, Endpoints: []string{PermissionsList}, Doc: "a page of permissions"},
	{Name: "get_permission", Group: GroupRolePermission, Think: ThinkQuick, Endpoints: []string{PermissionsGet}, Doc: "one permission"},
	{Name: "get_user_roles", Group: GroupRolePermission, Think: ThinkQuick, Endpoints: []string{UserRolesList}, Doc: "the roles of a user"},

	{Name: "delete_user", Group: GroupAdmin, Think: ThinkForm, Endpoints: []string{UsersDelete}, Admin: true, Doc: "delete a simulation account"},
	{Name: "activate_user", Group: GroupAdmin, Think: ThinkForm, Endpoints: []string{UsersActivate}, Admin: true, Doc: "activate a simulation account"},
	{Name: "deactivate_user", Group: GroupAdmin, Think: ThinkForm, Endpoints: []string{UsersDeactivate}, Admin: true, Doc: "deactivate a simulation account"},
	{Name: "reset_password", Group: GroupAdmin, Think: ThinkForm, Endpoints: []string{UsersResetPassword}, Admin: true, Doc: "reset a simulation account's password"},
	{Name: "create_role", Group: GroupAdmin, Think: ThinkForm, Endpoints: []string{RolesCreate}, Admin: true, Doc: "create a sim_ role"},
	{Name: "update_role", Group: GroupAdmin, Think: ThinkForm, Endpoints: []string{RolesUpdate}, Admin: true, Doc: "update a sim_ role"},
	{Name: "delete_role", Group: GroupAdmin, Think: ThinkForm, Endpoints: []string{RolesDelete}, Admin: true, Doc: "delete a sim_ role"},
	{Name: "create_permission", Group: GroupAdmin, Think: ThinkForm, Endpoints: []string{PermissionsCreate}, Admin: true, Doc: "create a sim_ permission"},
	{Name: "update_permission", Group: GroupAdmin, Think: ThinkForm, Endpoints: []string{PermissionsUpdate}, Admin: true, Doc: "update a sim_ permission"},
	{Name: "delete_permission", Group: GroupAdmin, Think: ThinkForm, Endpoints: []string{PermissionsDelete}, Admin: true, Doc: "delete a sim_ permission"},
	{Name: "assign_role", Group: GroupAdmin, Think: ThinkForm, Endpoints: []string{UserRolesAssign}, Admin: true, Doc: "give a simulation account a sim_ role"},
	{Name: "revoke_role", Group: GroupAdmin, Think: ThinkForm, Endpoints: []string{UserRolesRevoke}, Admin: true, Doc: "take a sim_ role back"},
}

// ErrorKind describes a deliberate client error: the one table of them, kept
// as the actions' (engine/behaviour registers a handler under every name).
type ErrorKind struct {
	Name     string
	Group    string
	Think    string
	Endpoint string
	Status   int // the answer the VU expects from the reference target
	// For restricts the kind to admin VUs (ForAdmin) or the others (ForUser); "" = any.
	For string
	Doc string
}

// errorKinds are the deliberate client errors. Their answers are counted as
// expected (`expected="true"`) when the status is the one intended.
var errorKinds = []ErrorKind{
	{Name: "wrong_password", Group: GroupAuth, Think: ThinkForm, Endpoint: AuthLogin, Status: 401, Doc: "log in with a wrong password"},
	{Name: "revoked_token", Group: GroupAuth, Think: ThinkQuick, Endpoint: AuthMe, Status: 401, Doc: "use an access token revoked by an earlier logout (or an expired one)"},
	{Name: "bad_refresh", Group: GroupAuth, Think: ThinkQuick, Endpoint: AuthRefresh, Status: 401, Doc: "refresh with a used or unknown refresh token"},
	{Name: "unknown_user", Group: GroupUserQuery, Think: ThinkQuick, Endpoint: UsersGet, Status: 404, Doc: "look up a user id that does not exist"},
	{Name: "unknown_email", Group: GroupUserQuery, Think: ThinkQuick, Endpoint: UsersByEmail, Status: 404, Doc: "look up an email nobody has"},
	{Name: "unknown_username", Group: GroupUserQuery, Think: ThinkQuick, Endpoint: UsersByUsername, Status: 404, Doc: "look up a username nobody has"},
	{Name: "empty_search", Group: GroupUserQuery, Think: ThinkQuick, Endpoint: UsersSearch, Status: 422, Doc: "search with an empty query"},
	{Name: "invalid_registration", Group: GroupUserMutation, Think: ThinkForm, Endpoint: UsersCreate, Status: 422, Doc: "register with an invalid email and a too-short password"},
	{Name: "duplicate_username", Group: GroupUserMutation, Think: ThinkForm, Endpoint: UsersCreate, Status: 409, Doc: "register a username that is taken"},
	{Name: "wrong_current_password", Group: GroupUserMutation, Think: ThinkForm, Endpoint: UsersChangePasswd, Status: 422, Doc: "change the password giving a wrong current one", For: ForUser},
	{Name: "invalid_profile", Group: GroupProfile, Think: ThinkForm, Endpoint: ProfileUpdate, Status: 422, Doc: "update a profile with an invalid phone and website"},
	{Name: "missing_profile", Group: GroupProfile, Think: ThinkRead, Endpoint: ProfileGet, Status: 404, Doc: "read the profile of a user id that does not exist"},
	{Name: "unknown_role", Group: GroupRolePermission, Think: ThinkQuick, Endpoint: RolesGet, Status: 404, Doc: "look up a role id that does not exist"},
	{Name: "unknown_permission", Group: GroupRolePermission, Think: ThinkQuick, Endpoint: PermissionsGet, Status: 404, Doc: "look up a permission id that does not exist"},
	{Name: "forbidden", Group: GroupAdmin, Think: ThinkForm, Endpoint: UsersDeactivate, Status: 403, For: ForUser, Doc: "a non-admin attempts an admin action (deactivate, delete, create a role)"},
	{Name: "admin_unknown_id", Group: GroupAdmin, Think: ThinkForm, Endpoint: UsersDelete, Status: 404, For: ForAdmin, Doc: "an admin acts on a user id that does not exist"},
}

var (
	actionsByName    = index(actions, func(a *Action) string { return a.Name })
	errorKindsByName = index(errorKinds, func(k *ErrorKind) string { return k.Name })
)

// index maps the names of a table's rows to them; a duplicate name is a
// programming error.
func index[T any](rows []T, name func(*T) string) map[string]*T {
	m := make(map[string]*T, len(rows))
	for i := range rows {
		n := name(&rows[i])
		if _, dup := m[n]; dup {
			panic(fmt.Sprintf("catalog: duplicate name %q", n))
		}
		m[n] = &rows[i]
	}
	return m
}

func init() {
	if err := checkActions(actions, errorKinds); err != nil {
		panic(err)
	}
}

// checkActions checks the tables against the catalog: known groups, think
// classes and endpoints, and admin exactly for the admin group's actions.
func checkActions(as []Action, ks []ErrorKind) error {
	for _, a := range as {
		switch {
		case !IsGroup(a.Group):
			return fmt.Errorf("catalog: action %s: unknown group %q", a.Name, a.Group)
		case !slices.Contains(ThinkClasses, a.Think):
			return fmt.Errorf("catalog: action %s: unknown think-time class %q", a.Name, a.Think)
		case len(a.Endpoints) == 0:
			return fmt.Errorf("catalog: action %s sends to no endpoint", a.Name)
		case a.Admin != (a.Group == GroupAdmin):
			return fmt.Errorf("catalog: action %s: admin-only is %v in group %s; admin actions are the admin group's", a.Name, a.Admin, a.Group)
		}
		for _, ep := range a.Endpoints {
			if Lookup(ep) == nil {
				return fmt.Errorf("catalog: action %s: unknown endpoint %q", a.Name, ep)
			}
		}
	}
	for _, k := range ks {
		switch {
		case !IsGroup(k.Group):
			return fmt.Errorf("catalog: error kind %s: unknown group %q", k.Name, k.Group)
		case !slices.Contains(ThinkClasses, k.Think):
			return fmt.Errorf("catalog: error kind %s: unknown think-time class %q", k.Name, k.Think)
		case Lookup(k.Endpoint) == nil:
			return fmt.Errorf("catalog: error kind %s: unknown endpoint %q", k.Name, k.Endpoint)
		case Lookup(k.Endpoint).Group != k.Group:
			return fmt.Errorf("catalog: error kind %s: endpoint %s is not in group %s", k.Name, k.Endpoint, k.Group)
		case k.For != "" && k.For != ForAdmin && k.For != ForUser:
			return fmt.Errorf("catalog: error kind %s: for %q, want %q, %q or empty", k.Name, k.For, ForAdmin, ForUser)
		}
	}
	return nil
}

// Actions returns every action, journey steps first, then by group. The
// caller must not modify them.
func Actions() []Action { return actions }

// LookupAction returns the action with the name, or nil.
func LookupAction(name string) *Action { return actionsByName[name] }

// ActionNames lists the names of the weighted actions of the group, or with
// group "" of every action, in table order.
func ActionNames(group string) []string {
	var out []string
	for _, a := range actions {
		if group == "" || a.Group == group && !a.JourneyOnly {
			out = append(out, a.Name)
		}
	}
	return out
}

// ErrorKinds returns every deliberate client error. The caller must not
// modify them.
func ErrorKinds() []ErrorKind { return errorKinds }

// LookupErrorKind returns the error kind with the name, or nil.
func LookupErrorKind(name string) *ErrorKind { return errorKindsByName[name] }

// ErrorKindNames lists the error kinds' names in table order.
func ErrorKindNames() []string {
	out := make([]string, len(errorKinds))
	for i, k := range errorKinds {
		out[i] = k.Name
	}
	return out
}
