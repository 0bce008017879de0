package usersvc

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/trafficsim/trafficsim/engine/usersvc/store"
)

type roleRequest struct {
	Name        *string   `json:"name"`
	Description *string   `json:"description"`
	Permissions *[]string `json:"permissions"`
}

// validate checks the fields present; create requires a name.
func (req roleRequest) validate(create bool) error {
	var fe fieldErrors
	if req.Name == nil && create {
		fe.add("name", "is required")
	}
	if req.Name != nil {
		if m := checkEntityName(*req.Name); m != "" {
			fe.add("name", m)
		}
	}
	if req.Description != nil {
		if m := checkDescription(*req.Description); m != "" {
			fe.add("description", m)
		}
	}
	return fe.err()
}

type permissionRequest struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
}

func (req permissionRequest) validate(create bool) error {
	return roleRequest{Name: req.Name, Description: req.Description}.validate(create)
}

// crud is the five handlers of a named record kept by the store (roles,
// permissions): list (paged, ?q=), create, get, update and delete by id. Req is the
// body of a create or an update, checked by its validate before the store is asked.
type crud[T any, Req interface{ validate(create bool) error }] struct {
	path   string // the collection's path, for Location: /api/v1/roles
	what   string // in errors: roles
	list   func(ctx context.Context, q string, p store.Page) ([]T, int, error)
	create func(ctx context.Context, req Req) (T, error)
	get    func(ctx context.Context, id int64) (T, error)
	update func(ctx context.Context, id int64, req Req) (T, error)
	remove func(ctx context.Context, id int64) error
	id     func(T) int64
}

func (c crud[T, Req]) handleList(w http.ResponseWriter, r *http.Request, _ caller) error {
	pageNo, perPage, sp, err := pageParams(r)
	if err != nil {
		return err
	}
	items, total, err := c.list(r.Context(), strings.TrimSpace(r.URL.Query().Get("q")), sp)
	if err != nil {
		return fmt.Errorf("list %s: %w", c.what, err)
	}
	writeJSON(w, http.StatusOK, page[T]{Data: items, Page: pageNo, PerPage: perPage, Total: total})
	return nil
}

func (c crud[T, Req]) handleCreate(w http.ResponseWriter, r *http.Request, _ caller) error {
	var req Req
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if err := req.validate(true); err != nil {
		return err
	}
	item, err := c.create(r.Context(), req)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/%d", c.path, c.id(item)))
	writeJSON(w, http.StatusCreated, item)
	return nil
}

func (c crud[T, Req]) handleGet(w http.ResponseWriter, r *http.Request, _ caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	item, err := c.get(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, item)
	return nil
}

func (c crud[T, Req]) handleUpdate(w http.ResponseWriter, r *http.Request, _ caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req Req
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if err := req.validate(false); err != nil {
		return err
	}
	item, err := c.update(r.Context(), id, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, item)
	return nil
}

func (c crud[T, Req]) handleDelete(w http.ResponseWriter, r *http.Request, _ caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := c.remove(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// rolesCRUD serves /api/v1/roles.
func (s *Service) rolesCRUD() crud[store.Role, roleRequest] {
	return crud[store.Role, roleRequest]{
		path: "/api/v1/roles", what: "roles",
		list: s.store.ListRoles,
		create: func(ctx context.Context, req roleRequest) (store.Role, error) {
			var perms []string
			if req.Permissions != nil {
				perms = *req.Permissions
			}
			return s.store.CreateRole(ctx, *req.Name, deref(req.Description), perms)
		},
		get: s.store.Role,
		update: func(ctx context.Context, id int64, req roleRequest) (store.Role, error) {
			return s.store.UpdateRole(ctx, id, store.RolePatch{Name: req.Name, Description: req.Description, Permissions: req.Permissions})
		},
		remove: s.store.DeleteRole,
		id:     func(r store.Role) int64 { return r.ID },
	}
}

// permissionsCRUD serves /api/v1/permissions.
func (s *Service) permissionsCRUD() crud[store.Permission, permissionRequest] {
	return crud[store.Permission, permissionRequest]{
		path: "/api/v1/permissions", what: "permissions",
		list: s.store.ListPermissions,
		create: func(ctx context.Context, req permissionRequest) (store.Permission, error) {
			return s.store.CreatePermission(ctx, *req.Name, deref(req.Description))
		},
		get: s.store.Permission,
		update: func(ctx context.Context, id int64, req permissionRequest) (store.Permission, error) {
			return s.store.UpdatePermission(ctx, id, store.PermissionPatch{Name: req.Name, Description: req.Description})
		},
		remove: s.store.DeletePermission,
		id:     func(p store.Permission) int64 { return p.ID },
	}
}

// deref is *p, or "" for nil.
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

type rolesList struct {
	Data []store.Role `json:"data"`
}

func (s *Service) listUserRoles(w http.ResponseWriter, r *http.Request, _ caller) error {
	id, err := pathID(r, "userId")
	if err != nil {
		return err
	}
	roles, err := s.store.UserRoles(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rolesList{Data: roles})
	return nil
}

func userRoleIDs(r *http.Request) (userID, roleID int64, err error) {
	if userID, err = pathID(r, "userId"); err != nil {
		return 0, 0, err
	}
	if roleID, err = pathID(r, "roleId"); err != nil {
		return 0, 0, err
	}
	return userID, roleID, nil
}

func (s *Service) assignRole(w http.ResponseWriter, r *http.Request, _ caller) error {
	userID, roleID, err := userRoleIDs(r)
	if err != nil {
		return err
	}
	roles, err := s.store.AssignRole(r.Context(), userID, roleID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rolesList{Data: roles})
	return nil
}

func (s *Service) revokeRole(w http.ResponseWriter, r *http.Request, _ caller) error {
	userID, roleID, err := userRoleIDs(r)
	if err != nil {
		return err
	}
	if userID == store.AdminUserID && roleID == store.AdminRoleID {
		return errSeededAdmin("stripped of the admin role")
	}
	if err := s.store.RevokeRole(r.Context(), userID, roleID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
