package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
)

func TestMemoryUsersPagingAndSearch(t *testing.T) {
	ctx := context.Background()
	m := NewMemory([]byte("hash"))
	for i := range 30 {
		if _, err := m.CreateUser(ctx, NewUser{Username: fmt.Sprintf("u%02d", i), Email: fmt.Sprintf("U%02d@Example.org", i), Name: fmt.Sprintf("Name %d", i), RoleID: UserRoleID}); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.DeleteUser(ctx, 5); err != nil {
		t.Fatal(err)
	}
	users, total, _ := m.ListUsers(ctx, Page{Offset: 0, Limit: 10})
	if total != 30 || len(users) != 10 || users[4].ID != 6 {
		t.Fatalf("first page: total %d len %d 5th id %d", total, len(users), users[4].ID)
	}
	users, _, _ = m.ListUsers(ctx, Page{Offset: 25, Limit: 10})
	if len(users) != 5 || users[4].ID != 31 {
		t.Fatalf("last page: len %d last id %d", len(users), users[len(users)-1].ID)
	}
	if users, _, _ = m.ListUsers(ctx, Page{Offset: 1000, Limit: 10}); len(users) != 0 {
		t.Fatalf("past the end: %d users", len(users))
	}
	if u, err := m.UserByEmail(ctx, "u07@EXAMPLE.org"); err != nil || u.Username != "u07" || u.Email != "u07@example.org" {
		t.Fatalf("email lookup = %+v, %v", u, err)
	}
	found, total, _ := m.SearchUsers(ctx, "NAME 1", Page{Offset: 2, Limit: 3})
	if total != 11 || len(found) != 3 { // Name 1, Name 10..19
		t.Fatalf("search: total %d len %d", total, len(found))
	}
	if active, inactive := m.UserCounts(); active != 30 || inactive != 0 {
		t.Fatalf("counts %d/%d", active, inactive)
	}
	if _, err := m.SetActive(ctx, 2, false); err != nil {
		t.Fatal(err)
	}
	if active, inactive := m.UserCounts(); active != 29 || inactive != 1 {
		t.Fatalf("counts after deactivate %d/%d", active, inactive)
	}
}

func TestMemoryConflictsAndCascades(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(nil)
	_, err := m.CreateUser(ctx, NewUser{Username: "admin", Email: "x@y.z", RoleID: UserRoleID})
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate username: %v", err)
	}
	u, _ := m.CreateUser(ctx, NewUser{Username: "ann", Email: "ann@y.z", RoleID: UserRoleID})
	newName := "admin"
	if _, err := m.UpdateUser(ctx, u.ID, UserPatch{Username: &newName}); !errors.Is(err, ErrConflict) {
		t.Fatalf("rename onto a taken username: %v", err)
	}
	r, err := m.CreateRole(ctx, "editor", "", []string{"users.read", "users.read", "roles.read"})
	if err != nil || !slices.Equal(r.Permissions, []string{"users.read", "roles.read"}) {
		t.Fatalf("role = %+v, %v", r, err)
	}
	if _, err := m.CreateRole(ctx, "bad", "", []string{"nope"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("unknown permission: %v", err)
	}
	if _, err := m.AssignRole(ctx, u.ID, r.ID); err != nil {
		t.Fatal(err)
	}
	if err := m.DeletePermission(ctx, 1); err != nil { // users.read
		t.Fatal(err)
	}
	if r, _ = m.Role(ctx, r.ID); !slices.Equal(r.Permissions, []string{"roles.read"}) {
		t.Fatalf("permission not removed from role: %v", r.Permissions)
	}
	if err := m.DeleteRole(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := m.User(ctx, u.ID); !slices.Equal(got.Roles, []string{"user"}) {
		t.Fatalf("deleted role still on user: %v", got.Roles)
	}
	if err := m.DeleteRole(ctx, UserRoleID); !errors.Is(err, ErrConflict) {
		t.Fatalf("deleting a built-in role: %v", err)
	}
	if p, _ := m.Principal(ctx, AdminUserID); !p.Admin || !p.Active {
		t.Fatalf("seeded admin principal = %+v", p)
	}
	if _, err := m.CreateProfile(ctx, u.ID, ProfilePatch{}); err != nil {
		t.Fatal(err)
	}
	if err := m.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Profile(ctx, u.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("profile outlived its user: %v", err)
	}
}
