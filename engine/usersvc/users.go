package usersvc

import (
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/trafficsim/trafficsim/engine/usersvc/store"
)

// selfOrAdmin allows the user the route is about, or an admin.
func selfOrAdmin(c caller, userID int64) error {
	if c.ID == userID || c.Admin {
		return nil
	}
	return errForbidden
}

// errSeededAdmin guards the seeded admin, without which nobody could administer the
// service (and trafficsim's admin journeys would fail for the rest of the run).
func errSeededAdmin(action string) error {
	return newError(http.StatusConflict, "conflict", fmt.Sprintf("the seeded admin (id %d) cannot be %s", store.AdminUserID, action))
}

func (s *Service) listUsers(w http.ResponseWriter, r *http.Request, _ caller) error {
	pageNo, perPage, sp, err := pageParams(r)
	if err != nil {
		return err
	}
	users, total, err := s.store.ListUsers(r.Context(), sp)
	if err != nil {
		return fmt.Errorf("list users: %w", err)
	}
	writeJSON(w, http.StatusOK, page[store.User]{Data: users, Page: pageNo, PerPage: perPage, Total: total})
	return nil
}

func (s *Service) searchUsers(w http.ResponseWriter, r *http.Request, _ caller) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	pageNo, perPage, sp, err := pageParams(r)
	if q == "" {
		fields := map[string]string{"q": "must not be empty"}
		if ve := asAPIError(err); ve != nil {
			for k, v := range ve.Fields {
				fields[k] = v
			}
		}
		return validationError(fields)
	}
	if err != nil {
		return err
	}
	users, total, err := s.store.SearchUsers(r.Context(), q, sp)
	if err != nil {
		return fmt.Errorf("search users for %q: %w", q, err)
	}
	writeJSON(w, http.StatusOK, page[store.User]{Data: users, Page: pageNo, PerPage: perPage, Total: total})
	return nil
}

func (s *Service) getUser(w http.ResponseWriter, r *http.Request, _ caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.store.User(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *Service) getUserByEmail(w http.ResponseWriter, r *http.Request, _ caller) error {
	u, err := s.store.UserByEmail(r.Context(), r.PathValue("email"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *Service) getUserByUsername(w http.ResponseWriter, r *http.Request, _ caller) error {
	u, err := s.store.UserByUsername(r.Context(), r.PathValue("username"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

type createUserRequest struct {
	Username string `json:"username"`
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name"`
}

func (s *Service) createUser(w http.ResponseWriter, r *http.Request, _ caller) error {
	var req createUserRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	var fe fieldErrors
	if m := checkUsername(req.Username); m != "" {
		fe.add("username", m)
	}
	if m := checkEmail(req.Email); m != "" {
		fe.add("email", m)
	}
	if m := checkPassword(req.Password); m != "" {
		fe.add("password", m)
	}
	if m := checkName(req.Name); m != "" {
		fe.add("name", m)
	}
	if err := fe.err(); err != nil {
		return err
	}
	hash, err := s.hashes.hash(r, req.Password)
	if err != nil {
		return fmt.Errorf("hash password of new user %q: %w", req.Username, err)
	}
	u, err := s.store.CreateUser(r.Context(), store.NewUser{
		Username: req.Username, Email: req.Email, Name: req.Name, PasswordHash: hash, RoleID: store.UserRoleID,
	})
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/users/%d", u.ID))
	writeJSON(w, http.StatusCreated, u)
	return nil
}

type updateUserRequest struct {
	Username *string `json:"username"`
	Email    *string `json:"email"`
	Name     *string `json:"name"`
}

func (s *Service) updateUser(w http.ResponseWriter, r *http.Request, c caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := selfOrAdmin(c, id); err != nil {
		return err
	}
	var req updateUserRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	var fe fieldErrors
	if req.Username != nil {
		if m := checkUsername(*req.Username); m != "" {
			fe.add("username", m)
		}
	}
	if req.Email != nil {
		if m := checkEmail(*req.Email); m != "" {
			fe.add("email", m)
		}
	}
	if req.Name != nil {
		if m := checkName(*req.Name); m != "" {
			fe.add("name", m)
		}
	}
	if err := fe.err(); err != nil {
		return err
	}
	u, err := s.store.UpdateUser(r.Context(), id, store.UserPatch{Username: req.Username, Email: req.Email, Name: req.Name})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *Service) deleteUser(w http.ResponseWriter, r *http.Request, _ caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if id == store.AdminUserID {
		return errSeededAdmin("deleted")
	}
	if err := s.store.DeleteUser(r.Context(), id); err != nil {
		return err
	}
	s.dropSessions(id)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// dropSessions removes a user's refresh tokens once it can no longer sign in.
func (s *Service) dropSessions(userID int64) {
	s.refreshTokens.DeleteFunc(func(_ string, uid int64) bool { return uid == userID })
}

func (s *Service) activateUser(w http.ResponseWriter, r *http.Request, _ caller) error {
	return s.setActive(w, r, true)
}

func (s *Service) deactivateUser(w http.ResponseWriter, r *http.Request, _ caller) error {
	return s.setActive(w, r, false)
}

func (s *Service) setActive(w http.ResponseWriter, r *http.Request, active bool) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if !active && id == store.AdminUserID {
		return errSeededAdmin("deactivated")
	}
	u, err := s.store.SetActive(r.Context(), id, active)
	if err != nil {
		return err
	}
	if !active {
		s.dropSessions(id)
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

type changePasswordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

func (s *Service) changePassword(w http.ResponseWriter, r *http.Request, c caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := selfOrAdmin(c, id); err != nil {
		return err
	}
	var req changePasswordRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	u, err := s.store.User(r.Context(), id)
	if err != nil {
		return err
	}
	var fe fieldErrors
	if req.CurrentPassword == "" {
		fe.add("current_password", "must not be empty")
	} else if bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(req.CurrentPassword)) != nil {
		fe.add("current_password", "is not the current password")
	}
	if m := checkPassword(req.NewPassword); m != "" {
		fe.add("new_password", m)
	}
	if err := fe.err(); err != nil {
		return err
	}
	return s.setPassword(w, r, id, req.NewPassword)
}

type resetPasswordRequest struct {
	NewPassword string `json:"new_password"`
}

func (s *Service) resetPassword(w http.ResponseWriter, r *http.Request, _ caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req resetPasswordRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if m := checkPassword(req.NewPassword); m != "" {
		return validationError(map[string]string{"new_password": m})
	}
	return s.setPassword(w, r, id, req.NewPassword)
}

func (s *Service) setPassword(w http.ResponseWriter, r *http.Request, id int64, password string) error {
	hash, err := s.hashes.hash(r, password)
	if err != nil {
		return fmt.Errorf("hash new password of user %d: %w", id, err)
	}
	if err := s.store.SetPassword(r.Context(), id, hash); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
