package catalog

import (
	"regexp"
	"slices"
	"testing"
)

func TestCatalogCoversTheAPI(t *testing.T) {
	if n := len(All()); n != 33 {
		t.Fatalf("catalog has %d endpoints, docs/api.md lists 33", n)
	}
	perGroup := map[string]int{}
	seen := map[string]bool{}
	tmpl := regexp.MustCompile(`^/api/v1(/[a-z-]+|/\{(id|userId|roleId|email|username)\})+$`)
	for _, e := range All() {
		if !IsGroup(e.Group) {
			t.Errorf("%s: unknown group %q", e.ID, e.Group)
		}
		if !tmpl.MatchString(e.Route) {
			t.Errorf("%s: route %q is not a template of docs/api.md", e.ID, e.Route)
		}
		key := e.Method + " " + e.Route
		if seen[key] {
			t.Errorf("duplicate %s", key)
		}
		seen[key] = true
		perGroup[e.Group]++
		if Lookup(e.ID) == nil || Lookup(e.ID).Route != e.Route {
			t.Errorf("Lookup(%q) broken", e.ID)
		}
	}
	want := map[string]int{GroupAuth: 4, GroupUserQuery: 5, GroupUserMutation: 3, GroupProfile: 4, GroupRolePermission: 5, GroupAdmin: 12}
	for g, n := range want {
		if perGroup[g] != n {
			t.Errorf("group %s has %d endpoints, want %d", g, perGroup[g], n)
		}
	}
	if Lookup("nope") != nil || GroupIndex("nope") != -1 || GroupIndex(GroupAdmin) != 5 {
		t.Error("Lookup/GroupIndex of unknown values")
	}
}

// TestPlaceholders: every route's placeholders are known, at most one takes
// the second parameter, and they come in route order.
func TestPlaceholders(t *testing.T) {
	for _, e := range All() {
		second := 0
		for _, ph := range e.Placeholders() {
			if !slices.Contains(Placeholders, ph) {
				t.Errorf("%s: unknown placeholder %s", e.ID, ph)
			}
			second += PlaceholderParam(ph)
		}
		if second > 1 {
			t.Errorf("%s: two placeholders take the second parameter", e.ID)
		}
	}
	if got := MustLookup(UserRolesAssign).Placeholders(); !slices.Equal(got, []string{PlaceholderUserID, PlaceholderRoleID}) {
		t.Errorf("user_roles.assign: %v", got)
	}
	if got := MustLookup(UsersList).Placeholders(); got != nil {
		t.Errorf("users.list: %v", got)
	}
}
