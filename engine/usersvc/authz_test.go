package usersvc

import (
	"strconv"
	"strings"
	"testing"
)

// TestAuthorizationMatrix sends every protected route as an anonymous caller, another
// (normal) user, the user the route is about, and the admin, each against a fresh
// service so one caller's success cannot change another's answer.
func TestAuthorizationMatrix(t *testing.T) {
	type row struct {
		method, path string
		body         any
		needProfile  bool
		want         [4]int // anonymous, other user, self, admin
	}
	rows := []row{
		{"POST", "/api/v1/auth/logout", nil, false, [4]int{401, 204, 204, 204}},
		{"POST", "/api/v1/auth/me", nil, false, [4]int{401, 200, 200, 200}},
		{"GET", "/api/v1/users", nil, false, [4]int{401, 200, 200, 200}},
		{"GET", "/api/v1/users/search?q=sim_", nil, false, [4]int{401, 200, 200, 200}},
		{"GET", "/api/v1/users/{self}", nil, false, [4]int{401, 200, 200, 200}},
		{"GET", "/api/v1/users/email/{email}", nil, false, [4]int{401, 200, 200, 200}},
		{"GET", "/api/v1/users/username/{username}", nil, false, [4]int{401, 200, 200, 200}},
		{"PUT", "/api/v1/users/{self}", map[string]string{"name": "New Name"}, false, [4]int{401, 403, 200, 200}},
		{"DELETE", "/api/v1/users/{self}", nil, false, [4]int{401, 403, 403, 204}},
		{"PUT", "/api/v1/users/{self}/activate", nil, false, [4]int{401, 403, 403, 200}},
		{"PUT", "/api/v1/users/{self}/deactivate", nil, false, [4]int{401, 403, 403, 200}},
		{"PUT", "/api/v1/users/{self}/change-password", map[string]string{"current_password": "secret123", "new_password": "newpass123"}, false, [4]int{401, 403, 204, 204}},
		{"PUT", "/api/v1/users/{self}/reset-password", map[string]string{"new_password": "newpass123"}, false, [4]int{401, 403, 403, 204}},
		{"POST", "/api/v1/users/{self}/profile", map[string]string{"bio": "hi"}, false, [4]int{401, 403, 201, 201}},
		{"GET", "/api/v1/users/{self}/profile", nil, true, [4]int{401, 200, 200, 200}},
		{"PUT", "/api/v1/users/{self}/profile", map[string]string{"bio": "hi"}, true, [4]int{401, 403, 200, 200}},
		{"DELETE", "/api/v1/users/{self}/profile", nil, true, [4]int{401, 403, 204, 204}},
		{"GET", "/api/v1/roles", nil, false, [4]int{401, 200, 200, 200}},
		{"POST", "/api/v1/roles", map[string]string{"name": "sim_abcdefgh_new"}, false, [4]int{401, 403, 403, 201}},
		{"GET", "/api/v1/roles/{role}", nil, false, [4]int{401, 200, 200, 200}},
		{"PUT", "/api/v1/roles/{role}", map[string]string{"description": "d"}, false, [4]int{401, 403, 403, 200}},
		{"DELETE", "/api/v1/roles/{role}", nil, false, [4]int{401, 403, 403, 204}},
		{"GET", "/api/v1/permissions", nil, false, [4]int{401, 200, 200, 200}},
		{"POST", "/api/v1/permissions", map[string]string{"name": "sim_abcdefgh_new"}, false, [4]int{401, 403, 403, 201}},
		{"GET", "/api/v1/permissions/{perm}", nil, false, [4]int{401, 200, 200, 200}},
		{"PUT", "/api/v1/permissions/{perm}", map[string]string{"description": "d"}, false, [4]int{401, 403, 403, 200}},
		{"DELETE", "/api/v1/permissions/{perm}", nil, false, [4]int{401, 403, 403, 204}},
		{"GET", "/api/v1/users/{self}/roles", nil, false, [4]int{401, 200, 200, 200}},
		{"POST", "/api/v1/users/{self}/roles/{role}", nil, false, [4]int{401, 403, 403, 200}},
		{"DELETE", "/api/v1/users/{self}/roles/2", nil, false, [4]int{401, 403, 403, 204}},
		{"GET", "/admin/faults", nil, false, [4]int{401, 403, 403, 200}},
		{"PUT", "/admin/faults", map[string]any{"error_rate": 0}, false, [4]int{401, 403, 403, 200}},
	}
	callers := [4]string{"anonymous", "other", "self", "admin"}
	for _, rw := range rows {
		for ci, who := range callers {
			t.Run(rw.method+" "+rw.path+" as "+who, func(t *testing.T) {
				c := newClient(t, startService(t, Config{}))
				self := c.register("sim_abcdefgh_self")
				c.register("sim_abcdefgh_other")
				tokens := [4]string{
					"",
					c.login("sim_abcdefgh_other", "secret123").AccessToken,
					c.login("sim_abcdefgh_self", "secret123").AccessToken,
					c.login("admin", "admin").AccessToken,
				}
				adm := tokens[3]
				role := decodeAs[roleJSON](t, c.expect(201, "POST", "/api/v1/roles", adm, map[string]string{"name": "sim_abcdefgh_role"}))
				perm := decodeAs[roleJSON](t, c.expect(201, "POST", "/api/v1/permissions", adm, map[string]string{"name": "sim_abcdefgh_perm"}))
				if rw.needProfile {
					c.expect(201, "POST", path("/api/v1/users/%d/profile", self.ID), adm, nil)
				}
				p := strings.NewReplacer(
					"{self}", strconv.FormatInt(self.ID, 10),
					"{email}", self.Email,
					"{username}", self.Username,
					"{role}", strconv.FormatInt(role.ID, 10),
					"{perm}", strconv.FormatInt(perm.ID, 10),
				).Replace(rw.path)
				c.expect(rw.want[ci], rw.method, p, tokens[ci], rw.body)
			})
		}
	}
}
