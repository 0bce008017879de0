package usersvc

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/trafficsim/trafficsim/engine/usersvc/store"
)

// accessClaims are the claims of an access token (docs/api.md).
type accessClaims struct {
	Username string   `json:"username"`
	Roles    []string `json:"roles"`
	jwt.RegisteredClaims
}

type tokenPair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
}

var (
	errBadCredentials = newError(http.StatusUnauthorized, "invalid_credentials", "wrong username, email or password")
	errInactive       = newError(http.StatusForbidden, "account_inactive", "this account is deactivated")
	errBadRefresh     = newError(http.StatusUnauthorized, "invalid_token", "the refresh token is unknown, used, expired or revoked")
)

// verifiedToken is what authentication keeps of an access token whose signature
// and claims were checked.
type verifiedToken struct {
	userID  int64
	jti     string
	expires time.Time
}

// authenticate checks the bearer token: signature, expiry, revocation, and that its
// user still exists and is active (deactivation takes effect at once). A token is
// parsed once; later requests find it in a cache keyed by the whole token string
// (so by its signature too) until it expires, which skips JWT decoding — three
// quarters of an authenticated request's allocations — for every reuse.
func (s *Service) authenticate(r *http.Request) (caller, error) {
	h := r.Header.Get("Authorization")
	if len(h) < 8 || !strings.EqualFold(h[:7], "bearer ") {
		return caller{}, errNoToken
	}
	raw := h[7:]
	v, ok := s.verified.Get(raw)
	if !ok {
		var cl accessClaims
		if _, err := s.parser.ParseWithClaims(raw, &cl, s.key); err != nil || cl.ID == "" {
			return caller{}, errBadToken
		}
		id, err := strconv.ParseInt(cl.Subject, 10, 64)
		if err != nil {
			return caller{}, errBadToken
		}
		v = verifiedToken{userID: id, jti: cl.ID, expires: cl.ExpiresAt.Time}
		s.verified.Set(raw, v, v.expires)
	}
	if s.revoked.Has(v.jti) {
		return caller{}, errBadToken
	}
	p, err := s.store.Principal(r.Context(), v.userID)
	if err != nil || !p.Active {
		return caller{}, errBadToken
	}
	return caller{Principal: p, jti: v.jti, expires: v.expires}, nil
}

func (s *Service) key(*jwt.Token) (any, error) { return s.secretKey, nil }

// issueTokens signs a new access token for u and stores a new refresh token.
func (s *Service) issueTokens(u store.User) (tokenPair, error) {
	now := time.Now()
	claims := accessClaims{
		Username: u.Username,
		Roles:    u.Roles,
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:  strconv.FormatInt(u.ID, 10),
			ID:       rand.Text(),
			IssuedAt: jwt.NewNumericDate(now),
			// exp is in whole seconds: rounded up, so that the token lives
			// the expires_in it is announced with (rounded down it could
			// die at once, a second-long one nearly always early).
			ExpiresAt: jwt.NewNumericDate(now.Add(s.cfg.AccessTokenTTL + time.Second - time.Nanosecond)),
		},
	}
	access, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.cfg.JWTSecret)
	if err != nil {
		return tokenPair{}, fmt.Errorf("sign access token for user %d: %w", u.ID, err)
	}
	refresh := rand.Text() + rand.Text() // 256 bits
	s.refreshTokens.Set(refresh, u.ID, now.Add(s.cfg.RefreshTokenTTL))
	return tokenPair{
		AccessToken: access, RefreshToken: refresh, TokenType: "Bearer",
		ExpiresIn: int(math.Ceil(s.cfg.AccessTokenTTL.Seconds())),
	}, nil
}

type loginRequest struct {
	Username string `json:"username"`
	Email    string `json:"email"`
	Password string `json:"password"`
}

func (s *Service) login(w http.ResponseWriter, r *http.Request, _ caller) error {
	var req loginRequest
	if err := decodeBody(w, r, &req); err != nil {
		s.metrics.logins[loginInvalidRequest].Inc()
		return err
	}
	var fe fieldErrors
	if req.Username == "" && req.Email == "" {
		fe.add("username", "give a username or an email")
	}
	if req.Password == "" {
		fe.add("password", "must not be empty")
	}
	if err := fe.err(); err != nil {
		s.metrics.logins[loginInvalidRequest].Inc()
		return err
	}
	var (
		u   store.User
		err error
	)
	if req.Username != "" {
		u, err = s.store.UserByUsername(r.Context(), req.Username)
	} else {
		u, err = s.store.UserByEmail(r.Context(), req.Email)
	}
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("look up user for login: %w", err)
		}
		// Spend the same time as a real comparison so response times do not reveal
		// which usernames exist.
		if _, err := s.hashes.matches(r, s.dummyHash, req.Password); err != nil {
			return err
		}
		s.metrics.logins[loginInvalidCredentials].Inc()
		return errBadCredentials
	}
	if ok, err := s.hashes.matches(r, u.PasswordHash, req.Password); err != nil {
		return err
	} else if !ok {
		s.metrics.logins[loginInvalidCredentials].Inc()
		return errBadCredentials
	}
	if !u.Active {
		s.metrics.logins[loginInactive].Inc()
		return errInactive
	}
	tp, err := s.issueTokens(u)
	if err != nil {
		return err
	}
	s.metrics.logins[loginSuccess].Inc()
	s.metrics.issued.Inc()
	writeJSON(w, http.StatusOK, tp)
	return nil
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

func (s *Service) refresh(w http.ResponseWriter, r *http.Request, _ caller) error {
	var req refreshRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if req.RefreshToken == "" {
		return validationError(map[string]string{"refresh_token": "must not be empty"})
	}
	// Take removes the token, so it works once: a replayed token finds nothing.
	uid, ok := s.refreshTokens.Take(req.RefreshToken)
	if !ok {
		return errBadRefresh
	}
	u, err := s.store.User(r.Context(), uid)
	if err != nil || !u.Active {
		return errBadRefresh
	}
	tp, err := s.issueTokens(u)
	if err != nil {
		return err
	}
	s.metrics.refresh.Inc()
	writeJSON(w, http.StatusOK, tp)
	return nil
}

func (s *Service) logout(w http.ResponseWriter, r *http.Request, c caller) error {
	var req refreshRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	s.revoked.Set(c.jti, struct{}{}, c.expires)
	s.metrics.revoked.Inc()
	// Only the caller's own refresh token can be revoked this way; anything else is
	// left alone rather than letting one user end another's session.
	if req.RefreshToken != "" {
		if uid, ok := s.refreshTokens.Get(req.RefreshToken); ok && uid == c.ID {
			s.refreshTokens.Delete(req.RefreshToken)
			s.metrics.revoked.Inc()
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) me(w http.ResponseWriter, r *http.Request, c caller) error {
	u, err := s.store.User(r.Context(), c.ID)
	if err != nil {
		return errBadToken // deleted between authentication and now
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}
