package scenario

import "github.com/trafficsim/trafficsim/engine/catalog"

// Think-time classes: how long a person pauses before an action.
const (
	ThinkQuick = "quick" // between searches and look-ups in a burst
	ThinkRead  = "read"  // reading a page before the next click
	ThinkForm  = "form"  // filling in a form before submitting it
	ThinkPause = "pause" // between sessions
)

// ThinkClasses lists the think-time classes.
var ThinkClasses = []string{ThinkQuick, ThinkRead, ThinkForm, ThinkPause}

// ActionInfo describes an action a VU can take.
type ActionInfo struct {
	Name  string
	Group string // endpoint group of its (main) request
	Think string // think-time class before it
	// Endpoints it sends to (the first is the main one).
	Endpoints []string
	// JourneyOnly actions appear in journeys but not among the weighted actions.
	JourneyOnly bool
	Doc         string
}

// Actions are every action of the engine: the weighted actions per group, and the
// steps journeys may use besides them.
var Actions = []ActionInfo{
	{Name: "signup", Group: catalog.GroupUserMutation, Think: ThinkForm, Endpoints: []string{catalog.UsersCreate}, JourneyOnly: true,
		Doc: "register the VU's own account (skipped when it has one; admins use the admin account)"},
	{Name: "login", Group: catalog.GroupAuth, Think: ThinkForm, Endpoints: []string{catalog.AuthLogin}, JourneyOnly: true,
		Doc: "log in and start a session"},
	{Name: "logout", Group: catalog.GroupAuth, Think: ThinkRead, Endpoints: []string{catalog.AuthLogout}, JourneyOnly: true,
		Doc: "log out and end the session (the runner also logs out at the end)"},

	{Name: "me", Group: catalog.GroupAuth, Think: ThinkQuick, Endpoints: []string{catalog.AuthMe}, Doc: "who am I"},
	{Name: "refresh", Group: catalog.GroupAuth, Think: ThinkQuick, Endpoints: []string{catalog.AuthRefresh}, Doc: "rotate the tokens"},
	{Name: "relogin", Group: catalog.GroupAuth, Think: ThinkForm, Endpoints: []string{catalog.AuthLogout, catalog.AuthLogin},
		Doc: "log out and back in (two requests; ends a session and starts another)"},

	{Name: "list_users", Group: catalog.GroupUserQuery, Think: ThinkRead, Endpoints: []string{catalog.UsersList}, Doc: "a page of users"},
	{Name: "search_users", Group: catalog.GroupUserQuery, Think: ThinkQuick, Endpoints: []string{catalog.UsersSearch}, Doc: "search users by a name fragment"},
	{Name: "get_user", Group: catalog.GroupUserQuery, Think: ThinkQuick, Endpoints: []string{catalog.UsersGet}, Doc: "one user by id"},
	{Name: "get_user_by_email", Group: catalog.GroupUserQuery, Think: ThinkQuick, Endpoints: []string{catalog.UsersByEmail}, Doc: "one user by email"},
	{Name: "get_user_by_username", Group: catalog.GroupUserQuery, Think: ThinkQuick, Endpoints: []string{catalog.UsersByUsername}, Doc: "one user by username"},

	{Name: "register", Group: catalog.GroupUserMutation, Think: ThinkForm, Endpoints: []string{catalog.UsersCreate},
		Doc: "register another account (a colleague, a test account); admins may later deactivate or delete it"},
	{Name: "update_user", Group: catalog.GroupUserMutation, Think: ThinkForm, Endpoints: []string{catalog.UsersUpdate}, Doc: "change the own display name"},
	{Name: "change_password", Group: catalog.GroupUserMutation, Think: ThinkForm, Endpoints: []string{catalog.UsersChangePasswd}, Doc: "change the own password"},

	{Name: "create_profile", Group: catalog.GroupProfile, Think: ThinkForm, Endpoints: []string{catalog.ProfileCreate}, Doc: "create the own profile (or update it when it exists)"},
	{Name: "get_profile", Group: catalog.GroupProfile, Think: ThinkRead, Endpoints: []string{catalog.ProfileGet}, Doc: "read a profile"},
	{Name: "update_profile", Group: catalog.GroupProfile, Think: ThinkForm, Endpoints: []string{catalog.ProfileUpdate}, Doc: "update the own profile (create it when missing)"},
	{Name: "delete_profile", Group: catalog.GroupProfile, Think: ThinkForm, Endpoints: []string{catalog.ProfileDelete}, Doc: "delete the own profile"},

	{Name: "list_roles", Group: catalog.GroupRolePermission, Think: ThinkRead, Endpoints: []string{catalog.RolesList}, Doc: "a page of roles"},
	{Name: "get_role", Group: catalog.GroupRolePermission, Think: ThinkQuick, Endpoints: []string{catalog.RolesGet}, Doc: "one role"},
	{Name: "list_permissions", Group: catalog.GroupRolePermission, Think: ThinkRead, Endpoints: []string{catalog.PermissionsList}, Doc: "a page of permissions"},
	{Name: "get_permission", Group: catalog.GroupRolePermission, Think: ThinkQuick, Endpoints: []string{catalog.PermissionsGet}, Doc: "one permission"},
	{Name: "get_user_roles", Group: catalog.GroupRolePermission, Think: ThinkQuick, Endpoints: []string{catalog.UserRolesList}, Doc: "the roles of a user"},

	{Name: "delete_user", Group: catalog.GroupAdmin, Think: ThinkForm, Endpoints: []string{catalog.UsersDelete}, Doc: "delete a simulation account"},
	{Name: "activate_user", Group: catalog.GroupAdmin, Think: ThinkForm, Endpoints: []string{catalog.UsersActivate}, Doc: "activate a simulation account"},
	{Name: "deactivate_user", Group: catalog.GroupAdmin, Think: ThinkForm, Endpoints: []string{catalog.UsersDeactivate}, Doc: "deactivate a simulation account"},
	{Name: "reset_password", Group: catalog.GroupAdmin, Think: ThinkForm, Endpoints: []string{catalog.UsersResetPassword}, Doc: "reset a simulation account's password"},
	{Name: "create_role", Group: catalog.GroupAdmin, Think: ThinkForm, Endpoints: []string{catalog.RolesCreate}, Doc: "create a sim_ role"},
	{Name: "update_role", Group: catalog.GroupAdmin, Think: ThinkForm, Endpoints: []string{catalog.RolesUpdate}, Doc: "update a sim_ role"},
	{Name: "delete_role", Group: catalog.GroupAdmin, Think: ThinkForm, Endpoints: []string{catalog.RolesDelete}, Doc: "delete a sim_ role"},
	{Name: "create_permission", Group: catalog.GroupAdmin, Think: ThinkForm, Endpoints: []string{catalog.PermissionsCreate}, Doc: "create a sim_ permission"},
	{Name: "update_permission", Group: catalog.GroupAdmin, Think: ThinkForm, Endpoints: []string{catalog.PermissionsUpdate}, Doc: "update a sim_ permission"},
	{Name: "delete_permission", Group: catalog.GroupAdmin, Think: ThinkForm, Endpoints: []string{catalog.PermissionsDelete}, Doc: "delete a sim_ permission"},
	{Name: "assign_role", Group: catalog.GroupAdmin, Think: ThinkForm, Endpoints: []string{catalog.UserRolesAssign}, Doc: "give a simulation account a sim_ role"},
	{Name: "revoke_role", Group: catalog.GroupAdmin, Think: ThinkForm, Endpoints: []string{catalog.UserRolesRevoke}, Doc: "take a sim_ role back"},
}

// ErrorKindInfo describes a deliberate client error.
type ErrorKindInfo struct {
	Name     string
	Group    string
	Think    string
	Endpoint string
	Status   int // the answer the VU expects from the reference target
	// For restricts the kind to admin VUs ("admin") or the others ("user"); "" = any.
	For string
	Doc string
}

// ErrorKinds are the deliberate client errors. Their answers are counted as
// expected (`expected="true"`) when the status is the one intended.
var ErrorKinds = []ErrorKindInfo{
	{Name: "wrong_password", Group: catalog.GroupAuth, Think: ThinkForm, Endpoint: catalog.AuthLogin, Status: 401, Doc: "log in with a wrong password"},
	{Name: "revoked_token", Group: catalog.GroupAuth, Think: ThinkQuick, Endpoint: catalog.AuthMe, Status: 401, Doc: "use an access token revoked by an earlier logout (or an expired one)"},
	{Name: "bad_refresh", Group: catalog.GroupAuth, Think: ThinkQuick, Endpoint: catalog.AuthRefresh, Status: 401, Doc: "refresh with a used or unknown refresh token"},
	{Name: "unknown_user", Group: catalog.GroupUserQuery, Think: ThinkQuick, Endpoint: catalog.UsersGet, Status: 404, Doc: "look up a user id that does not exist"},
	{Name: "unknown_email", Group: catalog.GroupUserQuery, Think: ThinkQuick, Endpoint: catalog.UsersByEmail, Status: 404, Doc: "look up an email nobody has"},
	{Name: "unknown_username", Group: catalog.GroupUserQuery, Think: ThinkQuick, Endpoint: catalog.UsersByUsername, Status: 404, Doc: "look up a username nobody has"},
	{Name: "empty_search", Group: catalog.GroupUserQuery, Think: ThinkQuick, Endpoint: catalog.UsersSearch, Status: 422, Doc: "search with an empty query"},
	{Name: "invalid_registration", Group: catalog.GroupUserMutation, Think: ThinkForm, Endpoint: catalog.UsersCreate, Status: 422, Doc: "register with an invalid email and a too-short password"},
	{Name: "duplicate_username", Group: catalog.GroupUserMutation, Think: ThinkForm, Endpoint: catalog.UsersCreate, Status: 409, Doc: "register a username that is taken"},
	{Name: "wrong_current_password", Group: catalog.GroupUserMutation, Think: ThinkForm, Endpoint: catalog.UsersChangePasswd, Status: 422, Doc: "change the password giving a wrong current one", For: "user"},
	{Name: "invalid_profile", Group: catalog.GroupProfile, Think: ThinkForm, Endpoint: catalog.ProfileUpdate, Status: 422, Doc: "update a profile with an invalid phone and website"},
	{Name: "missing_profile", Group: catalog.GroupProfile, Think: ThinkRead, Endpoint: catalog.ProfileGet, Status: 404, Doc: "read the profile of a user id that does not exist"},
	{Name: "unknown_role", Group: catalog.GroupRolePermission, Think: ThinkQuick, Endpoint: catalog.RolesGet, Status: 404, Doc: "look up a role id that does not exist"},
	{Name: "unknown_permission", Group: catalog.GroupRolePermission, Think: ThinkQuick, Endpoint: catalog.PermissionsGet, Status: 404, Doc: "look up a permission id that does not exist"},
	{Name: "forbidden", Group: catalog.GroupAdmin, Think: ThinkForm, Endpoint: catalog.UsersDeactivate, Status: 403, For: "user", Doc: "a non-admin attempts an admin action (deactivate, delete, create a role)"},
	{Name: "admin_unknown_id", Group: catalog.GroupAdmin, Think: ThinkForm, Endpoint: catalog.UsersDelete, Status: 404, For: "admin", Doc: "an admin acts on a user id that does not exist"},
}

var (
	actionsByName = func() map[string]*ActionInfo {
		m := map[string]*ActionInfo{}
		for i := range Actions {
			m[Actions[i].Name] = &Actions[i]
		}
		return m
	}()
	errorKindsByName = func() map[string]*ErrorKindInfo {
		m := map[string]*ErrorKindInfo{}
		for i := range ErrorKinds {
			m[ErrorKinds[i].Name] = &ErrorKinds[i]
		}
		return m
	}()
)

// Action returns the action with the name, or nil.
func Action(name string) *ActionInfo { return actionsByName[name] }

// ErrorKind returns the error kind with the name, or nil.
func ErrorKind(name string) *ErrorKindInfo { return errorKindsByName[name] }
