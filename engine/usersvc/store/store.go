// Package store holds the reference user service's data: users, profiles, roles,
// permissions and role assignments, behind the Store interface.
package store

import (
	"context"
	"errors"
	"time"
)

// Sentinel kinds of store errors; an *Error wraps one of them.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
	ErrInvalid  = errors.New("invalid")
)

// Error is a store failure with a message fit for an API client. Field names the
// offending input field when there is one.
type Error struct {
	Kind  error
	Field string
	Msg   string
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Kind }

// Ids of the seeded records.
const (
	AdminUserID = int64(1)
	AdminRoleID = int64(1)
	UserRoleID  = int64(2)
)

// Names of the built-in roles.
const (
	AdminRole = "admin"
	UserRole  = "user"
)

// SeedPermissions are created with the store, in this order.
var SeedPermissions = []string{
	"users.read", "users.write", "users.delete", "profiles.write",
	"roles.read", "roles.write", "permissions.read", "permissions.write",
}

// User is a user as the API shows it. PasswordHash never leaves the service.
type User struct {
	ID           int64     `json:"id"`
	Username     string    `json:"username"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	Active       bool      `json:"active"`
	Roles        []string  `json:"roles"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	PasswordHash []byte    `json:"-"`
}

// Principal is what authorization needs to know about a caller, read without copying
// the whole user.
type Principal struct {
	ID       int64
	Username string
	Active   bool
	Admin    bool
}

// NewUser is the input to CreateUser. Email is stored lower-cased.
type NewUser struct {
	Username     string
	Email        string
	Name         string
	PasswordHash []byte
	RoleID       int64 // the one role the user starts with
}

// UserPatch changes the fields that are not nil.
type UserPatch struct {
	Username *string
	Email    *string
	Name     *string
}

// Profile is the one profile a user may have.
type Profile struct {
	UserID    int64     `json:"user_id"`
	Bio       string    `json:"bio"`
	Location  string    `json:"location"`
	Website   string    `json:"website"`
	Phone     string    `json:"phone"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ProfilePatch sets the fields that are not nil.
type ProfilePatch struct {
	Bio      *string
	Location *string
	Website  *string
	Phone    *string
}

// Role is a named set of permissions.
type Role struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Permissions []string  `json:"permissions"`
	BuiltIn     bool      `json:"built_in"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// RolePatch changes the fields that are not nil; Permissions replaces the list.
type RolePatch struct {
	Name        *string
	Description *string
	Permissions *[]string
}

// Permission is a named capability.
type Permission struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// PermissionPatch changes the fields that are not nil.
type PermissionPatch struct {
	Name        *string
	Description *string
}

// Page selects a window of a list ordered by id.
type Page struct {
	Offset int
	Limit  int
}

// Store is the service's storage. Implementations must be safe for concurrent use.
// Lookups of absent records return an *Error of kind ErrNotFound; uniqueness
// violations ErrConflict; references to absent records in input ErrInvalid.
type Store interface {
	CreateUser(ctx context.Context, u NewUser) (User, error)
	User(ctx context.Context, id int64) (User, error)
	UserByUsername(ctx context.Context, username string) (User, error)
	UserByEmail(ctx context.Context, email string) (User, error)
	Principal(ctx context.Context, id int64) (Principal, error)
	UpdateUser(ctx context.Context, id int64, p UserPatch) (User, error)
	DeleteUser(ctx context.Context, id int64) error
	SetActive(ctx context.Context, id int64, active bool) (User, error)
	SetPassword(ctx context.Context, id int64, hash []byte) error
	ListUsers(ctx context.Context, p Page) ([]User, int, error)
	// SearchUsers matches q, case-insensitively, inside username, email or name.
	SearchUsers(ctx context.Context, q string, p Page) ([]User, int, error)
	UserCounts() (active, inactive int)

	CreateProfile(ctx context.Context, userID int64, p ProfilePatch) (Profile, error)
	Profile(ctx context.Context, userID int64) (Profile, error)
	UpdateProfile(ctx context.Context, userID int64, p ProfilePatch) (Profile, error)
	DeleteProfile(ctx context.Context, userID int64) error

	CreateRole(ctx context.Context, name, description string, permissions []string) (Role, error)
	Role(ctx context.Context, id int64) (Role, error)
	// ListRoles lists roles whose name contains q (all when q is empty).
	ListRoles(ctx context.Context, q string, p Page) ([]Role, int, error)
	UpdateRole(ctx context.Context, id int64, p RolePatch) (Role, error)
	DeleteRole(ctx context.Context, id int64) error

	CreatePermission(ctx context.Context, name, description string) (Permission, error)
	Permission(ctx context.Context, id int64) (Permission, error)
	ListPermissions(ctx context.Context, q string, p Page) ([]Permission, int, error)
	UpdatePermission(ctx context.Context, id int64, p PermissionPatch) (Permission, error)
	DeletePermission(ctx context.Context, id int64) error

	UserRoles(ctx context.Context, userID int64) ([]Role, error)
	AssignRole(ctx context.Context, userID, roleID int64) ([]Role, error)
	RevokeRole(ctx context.Context, userID, roleID int64) error
}
