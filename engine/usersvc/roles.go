package usersvc

import (
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

func (s *Service) listRoles(w http.ResponseWriter, r *http.Request, _ caller) error {
	pageNo, perPage, sp, err := pageParams(r)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	roles, total, err := s.store.ListRoles(r.Context(), q, sp)
	if err != nil {
		return fmt.Errorf("list roles: %w", err)
	}
	writeJSON(w, http.StatusOK, page[store.Role]{Data: roles, Page: pageNo, PerPage: perPage, Total: total})
	return nil
}

func (s *Service) createRole(w http.ResponseWriter, r *http.Request, _ caller) error {
	var req roleRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if err := req.validate(true); err != nil {
		return err
	}
	var desc string
	if req.Description != nil {
		desc = *req.Description
	}
	var perms []string
	if req.Permissions != nil {
		perms = *req.Permissions
	}
	role, err := s.store.CreateRole(r.Context(), *req.Name, desc, perms)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/roles/%d", role.ID))
	writeJSON(w, http.StatusCreated, role)
	return nil
}

func (s *Service) getRole(w http.ResponseWriter, r *http.Request, _ caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	role, err := s.store.Role(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, role)
	return nil
}

func (s *Service) updateRole(w http.ResponseWriter, r *http.Request, _ caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req roleRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if err := req.validate(false); err != nil {
		return err
	}
	role, err := s.store.UpdateRole(r.Context(), id, store.RolePatch{Name: req.Name, Description: req.Description, Permissions: req.Permissions})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, role)
	return nil
}

func (s *Service) deleteRole(w http.ResponseWriter, r *http.Request, _ caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteRole(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type permissionRequest struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
}

func (req permissionRequest) validate(create bool) error {
	return roleRequest{Name: req.Name, Description: req.Description}.validate(create)
}

func (s *Service) listPermissions(w http.ResponseWriter, r *http.Request, _ caller) error {
	pageNo, perPage, sp, err := pageParams(r)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	perms, total, err := s.store.ListPermissions(r.Context(), q, sp)
	if err != nil {
		return fmt.Errorf("list permissions: %w", err)
	}
	writeJSON(w, http.StatusOK, page[store.Permission]{Data: perms, Page: pageNo, PerPage: perPage, Total: total})
	return nil
}

func (s *Service) createPermission(w http.ResponseWriter, r *http.Request, _ caller) error {
	var req permissionRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if err := req.validate(true); err != nil {
		return err
	}
	var desc string
	if req.Description != nil {
		desc = *req.Description
	}
	p, err := s.store.CreatePermission(r.Context(), *req.Name, desc)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/permissions/%d", p.ID))
	writeJSON(w, http.StatusCreated, p)
	return nil
}

func (s *Service) getPermission(w http.ResponseWriter, r *http.Request, _ caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.store.Permission(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Service) updatePermission(w http.ResponseWriter, r *http.Request, _ caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req permissionRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if err := req.validate(false); err != nil {
		return err
	}
	p, err := s.store.UpdatePermission(r.Context(), id, store.PermissionPatch{Name: req.Name, Description: req.Description})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Service) deletePermission(w http.ResponseWriter, r *http.Request, _ caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeletePermission(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
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
