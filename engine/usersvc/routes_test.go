package usersvc

import (
	"net/http"
	"slices"
	"testing"
)

type roleJSON struct {
	ID          int64    `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Permissions []string `json:"permissions"`
	BuiltIn     bool     `json:"built_in"`
}

type pageJSON[T any] struct {
	Data    []T `json:"data"`
	Page    int `json:"page"`
	PerPage int `json:"per_page"`
	Total   int `json:"total"`
}

// TestAuthRoutes covers login, refresh, me and logout with their main failures.
func TestAuthRoutes(t *testing.T) {
	c := newClient(t, startService(t, Config{AdminPassword: "s3cret-admin"}))
	c.expectCode(401, "invalid_credentials", "POST", "/api/v1/auth/login", "", map[string]string{"username": "admin", "password": "wrong"})
	c.expectCode(401, "invalid_credentials", "POST", "/api/v1/auth/login", "", map[string]string{"username": "nobody", "password": "x"})
	e := c.expectCode(422, "validation_failed", "POST", "/api/v1/auth/login", "", map[string]string{})
	if e.Error.Fields["username"] == "" || e.Error.Fields["password"] == "" {
		t.Fatalf("login validation should name username and password: %v", e.Error.Fields)
	}
	adm := c.login("admin", "s3cret-admin")
	// Login by email works too.
	c.expect(200, "POST", "/api/v1/auth/login", "", map[string]string{"email": "ADMIN@example.com", "password": "s3cret-admin"})

	me := decodeAs[userJSON](t, c.expect(200, "POST", "/api/v1/auth/me", adm.AccessToken, nil))
	if me.ID != 1 || me.Username != "admin" || !slices.Contains(me.Roles, "admin") {
		t.Fatalf("me = %+v, want the seeded admin", me)
	}
	c.expectCode(401, "unauthorized", "POST", "/api/v1/auth/me", "", nil)
	c.expectCode(401, "invalid_token", "POST", "/api/v1/auth/me", "garbage", nil)

	u := c.register("sim_abcdefgh_ann")
	c.expect(200, "PUT", path("/api/v1/users/%d/deactivate", u.ID), adm.AccessToken, nil)
	c.expectCode(403, "account_inactive", "POST", "/api/v1/auth/login", "", map[string]string{"username": u.Username, "password": "secret123"})

	nt := decodeAs[tokens](t, c.expect(200, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": adm.RefreshToken}))
	if nt.RefreshToken == adm.RefreshToken || nt.AccessToken == "" {
		t.Fatal("refresh did not rotate the refresh token")
	}
	c.expectCode(401, "invalid_token", "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": "unknown"})
	c.expectCode(422, "validation_failed", "POST", "/api/v1/auth/refresh", "", map[string]string{})

	c.expect(204, "POST", "/api/v1/auth/logout", nt.AccessToken, nil)
	c.expectCode(401, "unauthorized", "POST", "/api/v1/auth/logout", "", nil)
}

// TestUserRoutes covers the twelve user routes.
func TestUserRoutes(t *testing.T) {
	c := newClient(t, startService(t, Config{}))
	adm := c.login("admin", "admin").AccessToken
	bob := c.register("sim_abcdefgh_bob")
	if !bob.Active || !slices.Equal(bob.Roles, []string{"user"}) || bob.Email != "sim_abcdefgh_bob@simulation.test" {
		t.Fatalf("registered user = %+v", bob)
	}
	c.expectCode(409, "conflict", "POST", "/api/v1/users", "", map[string]string{
		"username": "sim_abcdefgh_bob", "email": "other@simulation.test", "password": "secret123", "name": "Bob"})
	c.expectCode(409, "conflict", "POST", "/api/v1/users", "", map[string]string{
		"username": "sim_abcdefgh_bob2", "email": "SIM_abcdefgh_bob@simulation.test", "password": "secret123", "name": "Bob"})
	for i := range 25 {
		c.register(path("sim_abcdefgh_u%02d", i))
	}
	bt := c.login(bob.Username, "secret123").AccessToken

	// list, paged with a total: admin + bob + 25
	p := decodeAs[pageJSON[userJSON]](t, c.expect(200, "GET", "/api/v1/users?page=2&per_page=10", bt, nil))
	if p.Total != 27 || p.Page != 2 || p.PerPage != 10 || len(p.Data) != 10 || p.Data[0].ID != 11 {
		t.Fatalf("page 2 = total %d page %d per_page %d len %d first %d", p.Total, p.Page, p.PerPage, len(p.Data), p.Data[0].ID)
	}
	p = decodeAs[pageJSON[userJSON]](t, c.expect(200, "GET", "/api/v1/users", bt, nil))
	if p.PerPage != 20 || len(p.Data) != 20 {
		t.Fatalf("default page: per_page %d len %d", p.PerPage, len(p.Data))
	}
	if p = decodeAs[pageJSON[userJSON]](t, c.expect(200, "GET", "/api/v1/users?page=99", bt, nil)); len(p.Data) != 0 || p.Total != 27 {
		t.Fatalf("page past the end: len %d total %d", len(p.Data), p.Total)
	}
	c.expectCode(422, "validation_failed", "GET", "/api/v1/users?per_page=101", bt, nil)
	c.expectCode(422, "validation_failed", "GET", "/api/v1/users?page=0", bt, nil)
	c.expectCode(401, "unauthorized", "GET", "/api/v1/users", "", nil)

	// search over username, email and name
	p = decodeAs[pageJSON[userJSON]](t, c.expect(200, "GET", "/api/v1/users/search?q=U0&per_page=3", bt, nil))
	if p.Total != 10 || len(p.Data) != 3 {
		t.Fatalf("search u0: total %d len %d, want 10 and 3", p.Total, len(p.Data))
	}
	if p = decodeAs[pageJSON[userJSON]](t, c.expect(200, "GET", "/api/v1/users/search?q=test+sim_abcdefgh_bob", bt, nil)); p.Total != 1 {
		t.Fatalf("search by name: total %d, want 1", p.Total)
	}
	if p = decodeAs[pageJSON[userJSON]](t, c.expect(200, "GET", "/api/v1/users/search?q=example.com", bt, nil)); p.Total != 1 || p.Data[0].ID != 1 {
		t.Fatalf("search by email: %+v", p)
	}
	e := c.expectCode(422, "validation_failed", "GET", "/api/v1/users/search?q=", bt, nil)
	if e.Error.Fields["q"] == "" {
		t.Fatalf("empty q should be named: %v", e.Error.Fields)
	}

	// get by id, email, username
	got := decodeAs[userJSON](t, c.expect(200, "GET", path("/api/v1/users/%d", bob.ID), bt, nil))
	if got.Username != bob.Username {
		t.Fatalf("get by id = %+v", got)
	}
	c.expectCode(404, "not_found", "GET", "/api/v1/users/9999", bt, nil)
	c.expectCode(400, "invalid_id", "GET", "/api/v1/users/abc", bt, nil)
	c.expectCode(400, "invalid_id", "GET", "/api/v1/users/0", bt, nil)
	if got = decodeAs[userJSON](t, c.expect(200, "GET", "/api/v1/users/email/"+bob.Email, bt, nil)); got.ID != bob.ID {
		t.Fatalf("get by email = %+v", got)
	}
	c.expectCode(404, "not_found", "GET", "/api/v1/users/email/none@simulation.test", bt, nil)
	if got = decodeAs[userJSON](t, c.expect(200, "GET", "/api/v1/users/username/"+bob.Username, bt, nil)); got.ID != bob.ID {
		t.Fatalf("get by username = %+v", got)
	}
	c.expectCode(404, "not_found", "GET", "/api/v1/users/username/nobody", bt, nil)

	// partial update by the user itself
	got = decodeAs[userJSON](t, c.expect(200, "PUT", path("/api/v1/users/%d", bob.ID), bt, map[string]string{"name": "Robert"}))
	if got.Name != "Robert" || got.Username != bob.Username || got.Email != bob.Email {
		t.Fatalf("partial update = %+v", got)
	}
	c.expectCode(409, "conflict", "PUT", path("/api/v1/users/%d", bob.ID), bt, map[string]string{"username": "admin"})
	c.expectCode(422, "validation_failed", "PUT", path("/api/v1/users/%d", bob.ID), bt, map[string]string{"email": "nope"})
	c.expectCode(403, "forbidden", "PUT", "/api/v1/users/1", bt, map[string]string{"name": "x"})
	c.expectCode(404, "not_found", "PUT", "/api/v1/users/9999", adm, map[string]string{"name": "x"})
	got = decodeAs[userJSON](t, c.expect(200, "PUT", path("/api/v1/users/%d", bob.ID), adm, map[string]string{"username": "sim_abcdefgh_rob"}))
	if got.Username != "sim_abcdefgh_rob" {
		t.Fatalf("admin rename = %+v", got)
	}
	c.expect(200, "GET", "/api/v1/users/username/sim_abcdefgh_rob", bt, nil)
	c.expectCode(404, "not_found", "GET", "/api/v1/users/username/sim_abcdefgh_bob", bt, nil)

	// change-password needs the current password
	e = c.expectCode(422, "validation_failed", "PUT", path("/api/v1/users/%d/change-password", bob.ID), bt,
		map[string]string{"current_password": "wrong1234", "new_password": "newpass123"})
	if e.Error.Fields["current_password"] == "" {
		t.Fatalf("wrong current password should be a field error: %v", e.Error.Fields)
	}
	e = c.expectCode(422, "validation_failed", "PUT", path("/api/v1/users/%d/change-password", bob.ID), bt,
		map[string]string{"current_password": "secret123", "new_password": "short"})
	if e.Error.Fields["new_password"] == "" {
		t.Fatalf("weak new password should be a field error: %v", e.Error.Fields)
	}
	c.expect(204, "PUT", path("/api/v1/users/%d/change-password", bob.ID), bt,
		map[string]string{"current_password": "secret123", "new_password": "newpass123"})
	c.expectCode(403, "forbidden", "PUT", "/api/v1/users/1/change-password", bt,
		map[string]string{"current_password": "admin", "new_password": "newpass123"})
	c.expectCode(404, "not_found", "PUT", "/api/v1/users/9999/change-password", adm,
		map[string]string{"current_password": "x", "new_password": "newpass123"})
	c.login("sim_abcdefgh_rob", "newpass123")

	// reset-password (admin)
	c.expect(204, "PUT", path("/api/v1/users/%d/reset-password", bob.ID), adm, map[string]string{"new_password": "reset1234"})
	c.login("sim_abcdefgh_rob", "reset1234")
	c.expectCode(403, "forbidden", "PUT", path("/api/v1/users/%d/reset-password", bob.ID), bt, map[string]string{"new_password": "reset1234"})
	c.expectCode(404, "not_found", "PUT", "/api/v1/users/9999/reset-password", adm, map[string]string{"new_password": "reset1234"})
	c.expectCode(422, "validation_failed", "PUT", path("/api/v1/users/%d/reset-password", bob.ID), adm, map[string]string{"new_password": "12345678"})

	// activate / deactivate (admin); a deactivated user's token stops working at once
	got = decodeAs[userJSON](t, c.expect(200, "PUT", path("/api/v1/users/%d/deactivate", bob.ID), adm, nil))
	if got.Active {
		t.Fatal("deactivate left the user active")
	}
	c.expectCode(401, "invalid_token", "GET", "/api/v1/users", bt, nil)
	if got = decodeAs[userJSON](t, c.expect(200, "PUT", path("/api/v1/users/%d/activate", bob.ID), adm, nil)); !got.Active {
		t.Fatal("activate left the user inactive")
	}
	c.expect(200, "GET", "/api/v1/users", bt, nil)
	c.expectCode(403, "forbidden", "PUT", path("/api/v1/users/%d/activate", bob.ID), bt, nil)
	c.expectCode(404, "not_found", "PUT", "/api/v1/users/9999/deactivate", adm, nil)
	c.expectCode(409, "conflict", "PUT", "/api/v1/users/1/deactivate", adm, nil)

	// delete (admin)
	c.expectCode(403, "forbidden", "DELETE", path("/api/v1/users/%d", bob.ID), bt, nil)
	c.expectCode(409, "conflict", "DELETE", "/api/v1/users/1", adm, nil)
	c.expect(204, "DELETE", path("/api/v1/users/%d", bob.ID), adm, nil)
	c.expectCode(404, "not_found", "DELETE", path("/api/v1/users/%d", bob.ID), adm, nil)
	c.expectCode(401, "invalid_token", "GET", "/api/v1/users", bt, nil) // its tokens die with it
	if p = decodeAs[pageJSON[userJSON]](t, c.expect(200, "GET", "/api/v1/users", adm, nil)); p.Total != 26 {
		t.Fatalf("total after delete = %d, want 26", p.Total)
	}
}

// TestProfileRoutes covers the four profile routes.
func TestProfileRoutes(t *testing.T) {
	c := newClient(t, startService(t, Config{}))
	adm := c.login("admin", "admin").AccessToken
	u := c.register("sim_abcdefgh_pat")
	other := c.register("sim_abcdefgh_oth")
	ut := c.login(u.Username, "secret123").AccessToken
	ot := c.login(other.Username, "secret123").AccessToken
	pp := path("/api/v1/users/%d/profile", u.ID)

	c.expectCode(404, "not_found", "GET", pp, ut, nil)
	c.expectCode(403, "forbidden", "POST", pp, ot, map[string]string{"bio": "x"})
	e := c.expectCode(422, "validation_failed", "POST", pp, ut, map[string]string{"website": "ftp://x", "phone": "12345", "bio": string(make([]byte, 501))})
	for _, f := range []string{"website", "phone", "bio"} {
		if e.Error.Fields[f] == "" {
			t.Fatalf("profile validation should name %s: %v", f, e.Error.Fields)
		}
	}
	type profileJSON struct {
		UserID   int64  `json:"user_id"`
		Bio      string `json:"bio"`
		Location string `json:"location"`
		Website  string `json:"website"`
		Phone    string `json:"phone"`
	}
	p := decodeAs[profileJSON](t, c.expect(201, "POST", pp, ut, map[string]string{"bio": "hello", "website": "https://example.com", "phone": "+4915112345678"}))
	if p.UserID != u.ID || p.Bio != "hello" || p.Phone != "+4915112345678" {
		t.Fatalf("created profile = %+v", p)
	}
	c.expectCode(409, "conflict", "POST", pp, ut, nil)
	c.expectCode(404, "not_found", "POST", "/api/v1/users/9999/profile", adm, nil)
	if p = decodeAs[profileJSON](t, c.expect(200, "GET", pp, ot, nil)); p.Website != "https://example.com" {
		t.Fatalf("profile read by another user = %+v", p)
	}
	p = decodeAs[profileJSON](t, c.expect(200, "PUT", pp, ut, map[string]string{"location": "Berlin"}))
	if p.Location != "Berlin" || p.Bio != "hello" {
		t.Fatalf("partial profile update = %+v", p)
	}
	c.expectCode(403, "forbidden", "PUT", pp, ot, map[string]string{"location": "x"})
	c.expectCode(422, "validation_failed", "PUT", pp, ut, map[string]string{"phone": "+12ab"})
	c.expect(200, "PUT", pp, adm, map[string]string{"bio": "set by admin"})
	c.expectCode(403, "forbidden", "DELETE", pp, ot, nil)
	c.expect(204, "DELETE", pp, ut, nil)
	c.expectCode(404, "not_found", "DELETE", pp, ut, nil)
	c.expectCode(404, "not_found", "PUT", pp, ut, map[string]string{"bio": "x"})
}

// TestRolePermissionRoutes covers roles, permissions and user-role assignment.
func TestRolePermissionRoutes(t *testing.T) {
	c := newClient(t, startService(t, Config{}))
	adm := c.login("admin", "admin").AccessToken
	u := c.register("sim_abcdefgh_rea")
	ut := c.login(u.Username, "secret123").AccessToken

	type permJSON struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	pp := decodeAs[pageJSON[permJSON]](t, c.expect(200, "GET", "/api/v1/permissions", ut, nil))
	if pp.Total != 8 {
		t.Fatalf("seeded permissions = %d, want 8", pp.Total)
	}
	if pp = decodeAs[pageJSON[permJSON]](t, c.expect(200, "GET", "/api/v1/permissions?q=roles.", ut, nil)); pp.Total != 2 {
		t.Fatalf("permissions matching roles. = %d, want 2", pp.Total)
	}
	perm := decodeAs[permJSON](t, c.expect(201, "POST", "/api/v1/permissions", adm, map[string]string{"name": "sim_abcdefgh_reports.read", "description": "read reports"}))
	c.expectCode(409, "conflict", "POST", "/api/v1/permissions", adm, map[string]string{"name": "users.read"})
	c.expectCode(422, "validation_failed", "POST", "/api/v1/permissions", adm, map[string]string{"name": "Bad Name"})
	c.expectCode(403, "forbidden", "POST", "/api/v1/permissions", ut, map[string]string{"name": "x.y"})
	c.expect(200, "GET", path("/api/v1/permissions/%d", perm.ID), ut, nil)
	c.expectCode(404, "not_found", "GET", "/api/v1/permissions/9999", ut, nil)
	if got := decodeAs[permJSON](t, c.expect(200, "PUT", path("/api/v1/permissions/%d", perm.ID), adm, map[string]string{"name": "sim_abcdefgh_reports.view"})); got.Name != "sim_abcdefgh_reports.view" {
		t.Fatalf("renamed permission = %+v", got)
	}
	c.expectCode(409, "conflict", "PUT", path("/api/v1/permissions/%d", perm.ID), adm, map[string]string{"name": "users.read"})
	c.expectCode(403, "forbidden", "PUT", path("/api/v1/permissions/%d", perm.ID), ut, map[string]string{"description": "x"})
	c.expectCode(404, "not_found", "PUT", "/api/v1/permissions/9999", adm, map[string]string{"description": "x"})

	rp := decodeAs[pageJSON[roleJSON]](t, c.expect(200, "GET", "/api/v1/roles", ut, nil))
	if rp.Total != 2 {
		t.Fatalf("seeded roles = %d, want 2", rp.Total)
	}
	admRole := decodeAs[roleJSON](t, c.expect(200, "GET", "/api/v1/roles/1", ut, nil))
	if !admRole.BuiltIn || !slices.Contains(admRole.Permissions, "sim_abcdefgh_reports.view") {
		t.Fatalf("the admin role must hold every permission, new ones too: %+v", admRole)
	}
	role := decodeAs[roleJSON](t, c.expect(201, "POST", "/api/v1/roles", adm, map[string]any{
		"name": "sim_abcdefgh_editor", "description": "edits", "permissions": []string{"users.read", "sim_abcdefgh_reports.view"}}))
	if len(role.Permissions) != 2 || role.BuiltIn {
		t.Fatalf("created role = %+v", role)
	}
	e := c.expectCode(422, "validation_failed", "POST", "/api/v1/roles", adm, map[string]any{"name": "sim_abcdefgh_x", "permissions": []string{"nope"}})
	if e.Error.Fields["permissions"] == "" {
		t.Fatalf("unknown permission should name the permissions field: %v", e.Error.Fields)
	}
	c.expectCode(409, "conflict", "POST", "/api/v1/roles", adm, map[string]any{"name": "sim_abcdefgh_editor"})
	c.expectCode(403, "forbidden", "POST", "/api/v1/roles", ut, map[string]any{"name": "sim_abcdefgh_y"})
	c.expectCode(404, "not_found", "GET", "/api/v1/roles/9999", ut, nil)
	if rp = decodeAs[pageJSON[roleJSON]](t, c.expect(200, "GET", "/api/v1/roles?q=editor", ut, nil)); rp.Total != 1 {
		t.Fatalf("roles matching editor = %d", rp.Total)
	}
	if got := decodeAs[roleJSON](t, c.expect(200, "PUT", path("/api/v1/roles/%d", role.ID), adm, map[string]any{"permissions": []string{"roles.read"}})); !slices.Equal(got.Permissions, []string{"roles.read"}) || got.Name != role.Name {
		t.Fatalf("role after permission update = %+v", got)
	}
	c.expectCode(409, "conflict", "PUT", path("/api/v1/roles/%d", role.ID), adm, map[string]any{"name": "user"})
	c.expectCode(409, "conflict", "PUT", "/api/v1/roles/2", adm, map[string]any{"name": "sim_abcdefgh_renamed"})
	c.expectCode(403, "forbidden", "PUT", path("/api/v1/roles/%d", role.ID), ut, map[string]any{"description": "x"})
	c.expectCode(404, "not_found", "PUT", "/api/v1/roles/9999", adm, map[string]any{"description": "x"})

	// user roles
	ur := path("/api/v1/users/%d/roles", u.ID)
	lst := decodeAs[struct{ Data []roleJSON }](t, c.expect(200, "GET", ur, ut, nil))
	if len(lst.Data) != 1 || lst.Data[0].Name != "user" {
		t.Fatalf("new user's roles = %+v", lst.Data)
	}
	c.expectCode(404, "not_found", "GET", "/api/v1/users/9999/roles", ut, nil)
	lst = decodeAs[struct{ Data []roleJSON }](t, c.expect(200, "POST", path("%s/%d", ur, role.ID), adm, nil))
	if len(lst.Data) != 2 {
		t.Fatalf("roles after assign = %+v", lst.Data)
	}
	c.expectCode(409, "conflict", "POST", path("%s/%d", ur, role.ID), adm, nil)
	c.expectCode(404, "not_found", "POST", path("%s/9999", ur), adm, nil)
	c.expectCode(403, "forbidden", "POST", path("%s/1", ur), ut, nil)
	if me := decodeAs[userJSON](t, c.expect(200, "POST", "/api/v1/auth/me", ut, nil)); !slices.Contains(me.Roles, role.Name) {
		t.Fatalf("user roles after assign = %v", me.Roles)
	}

	// deleting the role unassigns it; deleting a permission removes it from roles
	c.expect(204, "DELETE", path("/api/v1/permissions/%d", perm.ID), adm, nil)
	if admRole = decodeAs[roleJSON](t, c.expect(200, "GET", "/api/v1/roles/1", ut, nil)); slices.Contains(admRole.Permissions, "sim_abcdefgh_reports.view") {
		t.Fatal("deleted permission still listed in the admin role")
	}
	c.expectCode(404, "not_found", "DELETE", path("/api/v1/permissions/%d", perm.ID), adm, nil)
	c.expectCode(403, "forbidden", "DELETE", "/api/v1/permissions/1", ut, nil)
	c.expectCode(409, "conflict", "DELETE", "/api/v1/roles/1", adm, nil)
	c.expectCode(403, "forbidden", "DELETE", path("/api/v1/roles/%d", role.ID), ut, nil)
	c.expect(204, "DELETE", path("%s/%d", ur, role.ID), adm, nil)
	c.expectCode(404, "not_found", "DELETE", path("%s/%d", ur, role.ID), adm, nil)
	c.expectCode(403, "forbidden", "DELETE", path("%s/2", ur), ut, nil)
	c.expectCode(409, "conflict", "DELETE", "/api/v1/users/1/roles/1", adm, nil)
	c.expect(200, "POST", path("%s/%d", ur, role.ID), adm, nil)
	c.expect(204, "DELETE", path("/api/v1/roles/%d", role.ID), adm, nil)
	c.expectCode(404, "not_found", "DELETE", path("/api/v1/roles/%d", role.ID), adm, nil)
	if lst = decodeAs[struct{ Data []roleJSON }](t, c.expect(200, "GET", ur, ut, nil)); len(lst.Data) != 1 {
		t.Fatalf("deleted role still assigned: %+v", lst.Data)
	}

	// An admin-granted role makes a user admin at once, without a new token.
	c.expectCode(403, "forbidden", "GET", "/admin/faults", ut, nil)
	c.expect(200, "POST", path("%s/1", ur), adm, nil)
	c.expect(200, "GET", "/admin/faults", ut, nil)
}

// TestUnknownRouteAndMethod checks 404 and 405 carry the JSON error shape.
func TestUnknownRouteAndMethod(t *testing.T) {
	c := newClient(t, startService(t, Config{}))
	c.expectCode(404, "not_found", "GET", "/api/v1/nothing", "", nil)
	c.expectCode(404, "not_found", "GET", "/api/v1/users/1/profile/extra", "", nil)
	r := c.do("PATCH", "/api/v1/users/1", "", nil)
	if r.status != http.StatusMethodNotAllowed {
		t.Fatalf("PATCH user: status %d, want 405", r.status)
	}
	if allow := r.header.Get("Allow"); allow != "GET, PUT, DELETE" {
		t.Fatalf("Allow = %q", allow)
	}
	if e := decodeAs[errBody](t, r); e.Error.Code != "method_not_allowed" {
		t.Fatalf("405 body = %s", r.body)
	}
	c.expect(200, "GET", "/healthz", "", nil)
}
