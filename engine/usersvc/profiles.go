package usersvc

import (
	"net/http"

	"github.com/trafficsim/trafficsim/engine/usersvc/store"
)

type profileRequest struct {
	Bio      *string `json:"bio"`
	Location *string `json:"location"`
	Website  *string `json:"website"`
	Phone    *string `json:"phone"`
}

func (p profileRequest) validate() error {
	var fe fieldErrors
	check := func(field string, v *string, rule func(string) string) {
		if v != nil {
			if m := rule(*v); m != "" {
				fe.add(field, m)
			}
		}
	}
	check("bio", p.Bio, func(v string) string { return checkMaxLen(v, 500) })
	check("location", p.Location, func(v string) string { return checkMaxLen(v, 100) })
	check("website", p.Website, checkWebsite)
	check("phone", p.Phone, checkPhone)
	return fe.err()
}

func (p profileRequest) patch() store.ProfilePatch {
	return store.ProfilePatch{Bio: p.Bio, Location: p.Location, Website: p.Website, Phone: p.Phone}
}

// profileInput reads the user id, checks the caller may write that user's profile,
// and decodes and validates the body.
func profileInput(w http.ResponseWriter, r *http.Request, c caller) (int64, profileRequest, error) {
	id, err := pathID(r, "userId")
	if err != nil {
		return 0, profileRequest{}, err
	}
	if err := selfOrAdmin(c, id); err != nil {
		return 0, profileRequest{}, err
	}
	var req profileRequest
	if err := decodeBody(w, r, &req); err != nil {
		return 0, profileRequest{}, err
	}
	return id, req, req.validate()
}

func (s *Service) createProfile(w http.ResponseWriter, r *http.Request, c caller) error {
	id, req, err := profileInput(w, r, c)
	if err != nil {
		return err
	}
	p, err := s.store.CreateProfile(r.Context(), id, req.patch())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, p)
	return nil
}

func (s *Service) getProfile(w http.ResponseWriter, r *http.Request, _ caller) error {
	id, err := pathID(r, "userId")
	if err != nil {
		return err
	}
	p, err := s.store.Profile(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Service) updateProfile(w http.ResponseWriter, r *http.Request, c caller) error {
	id, req, err := profileInput(w, r, c)
	if err != nil {
		return err
	}
	p, err := s.store.UpdateProfile(r.Context(), id, req.patch())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Service) deleteProfile(w http.ResponseWriter, r *http.Request, c caller) error {
	id, err := pathID(r, "userId")
	if err != nil {
		return err
	}
	if err := selfOrAdmin(c, id); err != nil {
		return err
	}
	if err := s.store.DeleteProfile(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
