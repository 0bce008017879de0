package usersvc

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRefreshRotation(t *testing.T) {
	c := newClient(t, startService(t, Config{}))
	first := c.login("admin", "admin")
	second := decodeAs[tokens](t, c.expect(200, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": first.RefreshToken}))
	if second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken {
		t.Fatal("refresh returned the same tokens")
	}
	// The used refresh token is gone; the new one works once.
	c.expectCode(401, "invalid_token", "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": first.RefreshToken})
	c.expect(200, "POST", "/api/v1/auth/me", second.AccessToken, nil)
	// The old access token stays valid until it expires or is logged out.
	c.expect(200, "POST", "/api/v1/auth/me", first.AccessToken, nil)
	third := decodeAs[tokens](t, c.expect(200, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": second.RefreshToken}))
	c.expectCode(401, "invalid_token", "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": second.RefreshToken})
	c.expect(200, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": third.RefreshToken})
}

func TestLogoutRevokes(t *testing.T) {
	run := startService(t, Config{})
	c := newClient(t, run)
	tk := c.login("admin", "admin")
	c.expect(200, "GET", "/api/v1/users", tk.AccessToken, nil)
	c.expect(204, "POST", "/api/v1/auth/logout", tk.AccessToken, nil)
	c.expectCode(401, "invalid_token", "GET", "/api/v1/users", tk.AccessToken, nil)
	c.expectCode(401, "invalid_token", "POST", "/api/v1/auth/logout", tk.AccessToken, nil)
	// Without refresh_token in the body the refresh token survives logout.
	again := decodeAs[tokens](t, c.expect(200, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": tk.RefreshToken}))

	// With it, both die.
	c.expect(204, "POST", "/api/v1/auth/logout", again.AccessToken, map[string]string{"refresh_token": again.RefreshToken})
	c.expectCode(401, "invalid_token", "POST", "/api/v1/auth/me", again.AccessToken, nil)
	c.expectCode(401, "invalid_token", "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": again.RefreshToken})

	// A user cannot revoke someone else's refresh token.
	c.register("sim_abcdefgh_eve")
	eve := c.login("sim_abcdefgh_eve", "secret123")
	adm := c.login("admin", "admin")
	c.expect(204, "POST", "/api/v1/auth/logout", eve.AccessToken, map[string]string{"refresh_token": adm.RefreshToken})
	c.expect(200, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": adm.RefreshToken})

	reg := run.Service.Registry()
	if got := metricValue(t, reg, "usersvc_tokens_total", "op", "revoked"); got != 4 {
		t.Fatalf("usersvc_tokens_total{op=revoked} = %v, want 4", got)
	}
	if got := metricValue(t, reg, "usersvc_tokens_total", "op", "refreshed"); got != 2 {
		t.Fatalf("usersvc_tokens_total{op=refreshed} = %v, want 2", got)
	}
}

func TestTamperedAndForeignTokens(t *testing.T) {
	c := newClient(t, startService(t, Config{}))
	tk := c.login("admin", "admin")
	parts := strings.Split(tk.AccessToken, ".")
	tampered := parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))
	c.expectCode(401, "invalid_token", "GET", "/api/v1/users", tampered, nil)
	// A token signed by another service instance (another secret) is refused.
	other := newClient(t, startService(t, Config{}))
	foreign := other.login("admin", "admin")
	c.expectCode(401, "invalid_token", "GET", "/api/v1/users", foreign.AccessToken, nil)
	// "alg":"none" is refused.
	c.expectCode(401, "invalid_token", "GET", "/api/v1/users", "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0."+parts[1]+".", nil)
	// A refresh token is not an access token.
	c.expectCode(401, "invalid_token", "GET", "/api/v1/users", tk.RefreshToken, nil)
}

func TestAccessTokenExpiry(t *testing.T) {
	c := newClient(t, startService(t, Config{AccessTokenTTL: time.Second}))
	tk := c.login("admin", "admin")
	if tk.ExpiresIn != 1 {
		t.Fatalf("expires_in = %d, want 1", tk.ExpiresIn)
	}
	c.expect(200, "POST", "/api/v1/auth/me", tk.AccessToken, nil)
	eventually(t, 5*time.Second, "the access token to expire", func() bool {
		return c.do("POST", "/api/v1/auth/me", tk.AccessToken, nil).status == http.StatusUnauthorized
	})
	// A fresh pair from the refresh token works again.
	fresh := decodeAs[tokens](t, c.expect(200, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": tk.RefreshToken}))
	c.expect(200, "POST", "/api/v1/auth/me", fresh.AccessToken, nil)
}

func TestRefreshTokenExpiry(t *testing.T) {
	run := startService(t, Config{RefreshTokenTTL: 300 * time.Millisecond})
	c := newClient(t, run)
	tk := c.login("admin", "admin")
	sessions := func() float64 { return metricValue(t, run.Service.Registry(), "usersvc_active_sessions") }
	if got := sessions(); got != 1 {
		t.Fatalf("active sessions after login = %v, want 1", got)
	}
	eventually(t, 5*time.Second, "the refresh token to expire", func() bool { return sessions() == 0 })
	c.expectCode(401, "invalid_token", "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": tk.RefreshToken})
}

func TestDeactivationEndsSessions(t *testing.T) {
	c := newClient(t, startService(t, Config{}))
	u := c.register("sim_abcdefgh_dee")
	tk := c.login(u.Username, "secret123")
	adm := c.login("admin", "admin").AccessToken
	c.expect(200, "PUT", path("/api/v1/users/%d/deactivate", u.ID), adm, nil)
	c.expectCode(401, "invalid_token", "POST", "/api/v1/auth/me", tk.AccessToken, nil)
	c.expectCode(401, "invalid_token", "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": tk.RefreshToken})
	c.expect(200, "PUT", path("/api/v1/users/%d/activate", u.ID), adm, nil)
	c.expect(200, "POST", "/api/v1/auth/me", tk.AccessToken, nil) // the access token was not revoked, only suspended
}
