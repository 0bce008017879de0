package store

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Memory is an in-memory Store. One RWMutex guards it: reads, which dominate, share
// it; every record kind refers to the others (users show role names, roles show
// permission names), and one lock keeps those views consistent without ordering rules.
// Lists are kept sorted by id so a page is a slice window, and usernames and emails
// are indexed, so no request scans more than one pass over the users.
type Memory struct {
	mu sync.RWMutex

	nextUser, nextRole, nextPerm int64

	users      map[int64]*userRec
	userOrder  []*userRec // ascending id
	byUsername map[string]*userRec
	byEmail    map[string]*userRec
	active     int

	profiles map[int64]*Profile

	roles      map[int64]*roleRec
	roleOrder  []*roleRec
	roleByName map[string]*roleRec

	perms      map[int64]*Permission
	permOrder  []*Permission
	permByName map[string]*Permission

	now func() time.Time
}

type userRec struct {
	User
	roleIDs   []int64
	lowerName string
}

type roleRec struct {
	Role
	permIDs []int64
}

// NewMemory returns a store holding the seed data: the permissions, the built-in
// roles admin (every permission) and user, and the admin user with adminHash.
func NewMemory(adminHash []byte) *Memory {
	m := &Memory{
		users:      make(map[int64]*userRec),
		byUsername: make(map[string]*userRec),
		byEmail:    make(map[string]*userRec),
		profiles:   make(map[int64]*Profile),
		roles:      make(map[int64]*roleRec),
		roleByName: make(map[string]*roleRec),
		perms:      make(map[int64]*Permission),
		permByName: make(map[string]*Permission),
		now:        func() time.Time { return time.Now().UTC().Truncate(time.Millisecond) },
	}
	ctx := context.Background()
	// The seed is fixed and valid, so these cannot fail.
	m.mustSeed(m.CreateRole(ctx, AdminRole, "Full access", nil))
	m.mustSeed(m.CreateRole(ctx, UserRole, "A registered user", nil))
	for _, name := range SeedPermissions {
		m.mustSeed(m.CreatePermission(ctx, name, ""))
	}
	m.mustSeed(m.UpdateRole(ctx, UserRoleID, RolePatch{Permissions: &[]string{"users.read", "profiles.write"}}))
	m.roles[AdminRoleID].BuiltIn = true
	m.roles[UserRoleID].BuiltIn = true
	m.mustSeed(m.CreateUser(ctx, NewUser{
		Username: "admin", Email: "admin@example.com", Name: "Administrator",
		PasswordHash: adminHash, RoleID: AdminRoleID,
	}))
	return m
}

func (m *Memory) mustSeed(_ any, err error) {
	if err != nil {
		panic(fmt.Sprintf("seed store: %v", err)) // a programming error in the seed data
	}
}

func notFound(what string, id any) error {
	return &Error{Kind: ErrNotFound, Msg: fmt.Sprintf("%s %v not found", what, id)}
}

func conflict(field, msg string) error { return &Error{Kind: ErrConflict, Field: field, Msg: msg} }

// window returns the bounds of page p in a list of n items.
func window(n int, p Page) (lo, hi int) {
	lo = min(max(p.Offset, 0), n)
	hi = min(lo+max(p.Limit, 0), n)
	return lo, hi
}

// ---- users ----

func (m *Memory) userView(u *userRec) User {
	out := u.User
	out.Roles = make([]string, 0, len(u.roleIDs))
	for _, id := range u.roleIDs {
		if r, ok := m.roles[id]; ok {
			out.Roles = append(out.Roles, r.Name)
		}
	}
	return out
}

func (m *Memory) CreateUser(_ context.Context, nu NewUser) (User, error) {
	email := strings.ToLower(nu.Email)
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.byUsername[nu.Username]; ok {
		return User{}, conflict("username", fmt.Sprintf("username %q is taken", nu.Username))
	}
	if _, ok := m.byEmail[email]; ok {
		return User{}, conflict("email", fmt.Sprintf("email %q is taken", email))
	}
	if _, ok := m.roles[nu.RoleID]; !ok {
		return User{}, &Error{Kind: ErrInvalid, Field: "role", Msg: fmt.Sprintf("role %d does not exist", nu.RoleID)}
	}
	m.nextUser++
	now := m.now()
	u := &userRec{
		User: User{
			ID: m.nextUser, Username: nu.Username, Email: email, Name: nu.Name, Active: true,
			CreatedAt: now, UpdatedAt: now, PasswordHash: nu.PasswordHash,
		},
		roleIDs:   []int64{nu.RoleID},
		lowerName: strings.ToLower(nu.Name),
	}
	m.users[u.ID] = u
	m.userOrder = append(m.userOrder, u) // ids only grow, so order stays sorted
	m.byUsername[u.Username] = u
	m.byEmail[email] = u
	m.active++
	return m.userView(u), nil
}

func (m *Memory) User(_ context.Context, id int64) (User, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	u, ok := m.users[id]
	if !ok {
		return User{}, notFound("user", id)
	}
	return m.userView(u), nil
}

func (m *Memory) UserByUsername(_ context.Context, username string) (User, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	u, ok := m.byUsername[username]
	if !ok {
		return User{}, notFound("user", fmt.Sprintf("%q", username))
	}
	return m.userView(u), nil
}

func (m *Memory) UserByEmail(_ context.Context, email string) (User, error) {
	email = strings.ToLower(email)
	m.mu.RLock()
	defer m.mu.RUnlock()
	u, ok := m.byEmail[email]
	if !ok {
		return User{}, notFound("user", fmt.Sprintf("%q", email))
	}
	return m.userView(u), nil
}

func (m *Memory) Principal(_ context.Context, id int64) (Principal, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	u, ok := m.users[id]
	if !ok {
		return Principal{}, notFound("user", id)
	}
	return Principal{ID: u.ID, Username: u.Username, Active: u.Active, Admin: slices.Contains(u.roleIDs, AdminRoleID)}, nil
}

func (m *Memory) UpdateUser(_ context.Context, id int64, p UserPatch) (User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.users[id]
	if !ok {
		return User{}, notFound("user", id)
	}
	if p.Username != nil && *p.Username != u.Username {
		if _, taken := m.byUsername[*p.Username]; taken {
			return User{}, conflict("username", fmt.Sprintf("username %q is taken", *p.Username))
		}
	}
	var email string
	if p.Email != nil {
		email = strings.ToLower(*p.Email)
		if other, taken := m.byEmail[email]; taken && other != u {
			return User{}, conflict("email", fmt.Sprintf("email %q is taken", email))
		}
	}
	if p.Username != nil && *p.Username != u.Username {
		delete(m.byUsername, u.Username)
		u.Username = *p.Username
		m.byUsername[u.Username] = u
	}
	if p.Email != nil && email != u.Email {
		delete(m.byEmail, u.Email)
		u.Email = email
		m.byEmail[email] = u
	}
	if p.Name != nil {
		u.Name = *p.Name
		u.lowerName = strings.ToLower(u.Name)
	}
	u.UpdatedAt = m.now()
	return m.userView(u), nil
}

func (m *Memory) DeleteUser(_ context.Context, id int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.users[id]
	if !ok {
		return notFound("user", id)
	}
	delete(m.users, id)
	delete(m.byUsername, u.Username)
	delete(m.byEmail, u.Email)
	delete(m.profiles, id)
	if i, found := sort.Find(len(m.userOrder), func(i int) int { return cmpID(id, m.userOrder[i].ID) }); found {
		m.userOrder = slices.Delete(m.userOrder, i, i+1)
	}
	if u.Active {
		m.active--
	}
	return nil
}

func cmpID(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (m *Memory) SetActive(_ context.Context, id int64, active bool) (User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.users[id]
	if !ok {
		return User{}, notFound("user", id)
	}
	if u.Active != active {
		u.Active = active
		if active {
			m.active++
		} else {
			m.active--
		}
		u.UpdatedAt = m.now()
	}
	return m.userView(u), nil
}

func (m *Memory) SetPassword(_ context.Context, id int64, hash []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.users[id]
	if !ok {
		return notFound("user", id)
	}
	u.PasswordHash = hash
	u.UpdatedAt = m.now()
	return nil
}

func (m *Memory) ListUsers(_ context.Context, p Page) ([]User, int, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	lo, hi := window(len(m.userOrder), p)
	out := make([]User, 0, hi-lo)
	for _, u := range m.userOrder[lo:hi] {
		out = append(out, m.userView(u))
	}
	return out, len(m.userOrder), nil
}

func (m *Memory) SearchUsers(_ context.Context, q string, p Page) ([]User, int, error) {
	q = strings.ToLower(q)
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []User
	total := 0
	for _, u := range m.userOrder {
		if !strings.Contains(u.Username, q) && !strings.Contains(u.Email, q) && !strings.Contains(u.lowerName, q) {
			continue
		}
		if total >= p.Offset && len(out) < p.Limit {
			out = append(out, m.userView(u))
		}
		total++
	}
	if out == nil {
		out = []User{}
	}
	return out, total, nil
}

func (m *Memory) UserCounts() (active, inactive int) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.active, len(m.users) - m.active
}

// ---- profiles ----

func applyProfile(pr *Profile, p ProfilePatch) {
	if p.Bio != nil {
		pr.Bio = *p.Bio
	}
	if p.Location != nil {
		pr.Location = *p.Location
	}
	if p.Website != nil {
		pr.Website = *p.Website
	}
	if p.Phone != nil {
		pr.Phone = *p.Phone
	}
}

func (m *Memory) CreateProfile(_ context.Context, userID int64, p ProfilePatch) (Profile, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.users[userID]; !ok {
		return Profile{}, notFound("user", userID)
	}
	if _, ok := m.profiles[userID]; ok {
		return Profile{}, conflict("", fmt.Sprintf("user %d already has a profile", userID))
	}
	now := m.now()
	pr := &Profile{UserID: userID, CreatedAt: now, UpdatedAt: now}
	applyProfile(pr, p)
	m.profiles[userID] = pr
	return *pr, nil
}

func (m *Memory) Profile(_ context.Context, userID int64) (Profile, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	pr, ok := m.profiles[userID]
	if !ok {
		return Profile{}, m.profileNotFound(userID)
	}
	return *pr, nil
}

func (m *Memory) profileNotFound(userID int64) error {
	if _, ok := m.users[userID]; !ok {
		return notFound("user", userID)
	}
	return &Error{Kind: ErrNotFound, Msg: fmt.Sprintf("user %d has no profile", userID)}
}

func (m *Memory) UpdateProfile(_ context.Context, userID int64, p ProfilePatch) (Profile, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	pr, ok := m.profiles[userID]
	if !ok {
		return Profile{}, m.profileNotFound(userID)
	}
	applyProfile(pr, p)
	pr.UpdatedAt = m.now()
	return *pr, nil
}

func (m *Memory) DeleteProfile(_ context.Context, userID int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.profiles[userID]; !ok {
		return m.profileNotFound(userID)
	}
	delete(m.profiles, userID)
	return nil
}

// ---- roles ----

func (m *Memory) roleView(r *roleRec) Role {
	out := r.Role
	out.Permissions = make([]string, 0, len(r.permIDs))
	for _, id := range r.permIDs {
		if p, ok := m.perms[id]; ok {
			out.Permissions = append(out.Permissions, p.Name)
		}
	}
	return out
}

// permIDs resolves permission names, reporting the first unknown one.
func (m *Memory) permIDs(names []string) ([]int64, error) {
	ids := make([]int64, 0, len(names))
	for _, n := range names {
		p, ok := m.permByName[n]
		if !ok {
			return nil, &Error{Kind: ErrInvalid, Field: "permissions", Msg: fmt.Sprintf("unknown permission %q", n)}
		}
		if !slices.Contains(ids, p.ID) {
			ids = append(ids, p.ID)
		}
	}
	return ids, nil
}

func (m *Memory) CreateRole(_ context.Context, name, description string, permissions []string) (Role, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.roleByName[name]; ok {
		return Role{}, conflict("name", fmt.Sprintf("role %q exists", name))
	}
	ids, err := m.permIDs(permissions)
	if err != nil {
		return Role{}, err
	}
	m.nextRole++
	now := m.now()
	r := &roleRec{Role: Role{ID: m.nextRole, Name: name, Description: description, CreatedAt: now, UpdatedAt: now}, permIDs: ids}
	m.roles[r.ID] = r
	m.roleOrder = append(m.roleOrder, r)
	m.roleByName[name] = r
	return m.roleView(r), nil
}

func (m *Memory) Role(_ context.Context, id int64) (Role, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	r, ok := m.roles[id]
	if !ok {
		return Role{}, notFound("role", id)
	}
	return m.roleView(r), nil
}

func (m *Memory) ListRoles(_ context.Context, q string, p Page) ([]Role, int, error) {
	q = strings.ToLower(q)
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := []Role{}
	total := 0
	for _, r := range m.roleOrder {
		if q != "" && !strings.Contains(r.Name, q) {
			continue
		}
		if total >= p.Offset && len(out) < p.Limit {
			out = append(out, m.roleView(r))
		}
		total++
	}
	return out, total, nil
}

func (m *Memory) UpdateRole(_ context.Context, id int64, p RolePatch) (Role, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.roles[id]
	if !ok {
		return Role{}, notFound("role", id)
	}
	if p.Name != nil && *p.Name != r.Name {
		if r.BuiltIn {
			return Role{}, conflict("name", fmt.Sprintf("role %q is built in and cannot be renamed", r.Name))
		}
		if _, taken := m.roleByName[*p.Name]; taken {
			return Role{}, conflict("name", fmt.Sprintf("role %q exists", *p.Name))
		}
	}
	var ids []int64
	if p.Permissions != nil {
		var err error
		if ids, err = m.permIDs(*p.Permissions); err != nil {
			return Role{}, err
		}
	}
	if p.Name != nil && *p.Name != r.Name {
		delete(m.roleByName, r.Name)
		r.Name = *p.Name
		m.roleByName[r.Name] = r
	}
	if p.Description != nil {
		r.Description = *p.Description
	}
	if p.Permissions != nil {
		r.permIDs = ids
	}
	r.UpdatedAt = m.now()
	return m.roleView(r), nil
}

func (m *Memory) DeleteRole(_ context.Context, id int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.roles[id]
	if !ok {
		return notFound("role", id)
	}
	if r.BuiltIn {
		return conflict("", fmt.Sprintf("role %q is built in and cannot be deleted", r.Name))
	}
	delete(m.roles, id)
	delete(m.roleByName, r.Name)
	m.roleOrder = slices.DeleteFunc(m.roleOrder, func(x *roleRec) bool { return x == r })
	// Custom roles are rare next to users; one pass unassigns it everywhere.
	for _, u := range m.userOrder {
		if i := slices.Index(u.roleIDs, id); i >= 0 {
			u.roleIDs = slices.Delete(u.roleIDs, i, i+1)
		}
	}
	return nil
}

// ---- permissions ----

func (m *Memory) CreatePermission(_ context.Context, name, description string) (Permission, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.permByName[name]; ok {
		return Permission{}, conflict("name", fmt.Sprintf("permission %q exists", name))
	}
	m.nextPerm++
	now := m.now()
	p := &Permission{ID: m.nextPerm, Name: name, Description: description, CreatedAt: now, UpdatedAt: now}
	m.perms[p.ID] = p
	m.permOrder = append(m.permOrder, p)
	m.permByName[name] = p
	// The admin role holds every permission, including new ones.
	if admin, ok := m.roles[AdminRoleID]; ok {
		admin.permIDs = append(admin.permIDs, p.ID)
	}
	return *p, nil
}

func (m *Memory) Permission(_ context.Context, id int64) (Permission, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	p, ok := m.perms[id]
	if !ok {
		return Permission{}, notFound("permission", id)
	}
	return *p, nil
}

func (m *Memory) ListPermissions(_ context.Context, q string, pg Page) ([]Permission, int, error) {
	q = strings.ToLower(q)
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := []Permission{}
	total := 0
	for _, p := range m.permOrder {
		if q != "" && !strings.Contains(p.Name, q) {
			continue
		}
		if total >= pg.Offset && len(out) < pg.Limit {
			out = append(out, *p)
		}
		total++
	}
	return out, total, nil
}

func (m *Memory) UpdatePermission(_ context.Context, id int64, pp PermissionPatch) (Permission, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.perms[id]
	if !ok {
		return Permission{}, notFound("permission", id)
	}
	if pp.Name != nil && *pp.Name != p.Name {
		if _, taken := m.permByName[*pp.Name]; taken {
			return Permission{}, conflict("name", fmt.Sprintf("permission %q exists", *pp.Name))
		}
		delete(m.permByName, p.Name)
		p.Name = *pp.Name
		m.permByName[p.Name] = p
	}
	if pp.Description != nil {
		p.Description = *pp.Description
	}
	p.UpdatedAt = m.now()
	return *p, nil
}

func (m *Memory) DeletePermission(_ context.Context, id int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.perms[id]
	if !ok {
		return notFound("permission", id)
	}
	delete(m.perms, id)
	delete(m.permByName, p.Name)
	m.permOrder = slices.DeleteFunc(m.permOrder, func(x *Permission) bool { return x == p })
	for _, r := range m.roleOrder {
		if i := slices.Index(r.permIDs, id); i >= 0 {
			r.permIDs = slices.Delete(r.permIDs, i, i+1)
		}
	}
	return nil
}

// ---- user roles ----

func (m *Memory) userRoles(u *userRec) []Role {
	out := make([]Role, 0, len(u.roleIDs))
	for _, id := range u.roleIDs {
		if r, ok := m.roles[id]; ok {
			out = append(out, m.roleView(r))
		}
	}
	return out
}

func (m *Memory) UserRoles(_ context.Context, userID int64) ([]Role, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	u, ok := m.users[userID]
	if !ok {
		return nil, notFound("user", userID)
	}
	return m.userRoles(u), nil
}

func (m *Memory) AssignRole(_ context.Context, userID, roleID int64) ([]Role, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.users[userID]
	if !ok {
		return nil, notFound("user", userID)
	}
	r, ok := m.roles[roleID]
	if !ok {
		return nil, notFound("role", roleID)
	}
	if slices.Contains(u.roleIDs, roleID) {
		return nil, conflict("", fmt.Sprintf("user %d already has role %q", userID, r.Name))
	}
	u.roleIDs = append(u.roleIDs, roleID)
	u.UpdatedAt = m.now()
	return m.userRoles(u), nil
}

func (m *Memory) RevokeRole(_ context.Context, userID, roleID int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.users[userID]
	if !ok {
		return notFound("user", userID)
	}
	i := slices.Index(u.roleIDs, roleID)
	if i < 0 {
		if _, ok := m.roles[roleID]; !ok {
			return notFound("role", roleID)
		}
		return &Error{Kind: ErrNotFound, Msg: fmt.Sprintf("user %d does not have role %d", userID, roleID)}
	}
	u.roleIDs = slices.Delete(u.roleIDs, i, i+1)
	u.UpdatedAt = m.now()
	return nil
}

var _ Store = (*Memory)(nil)
