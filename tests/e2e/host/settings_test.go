package main

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func ptr(s string) *string { return &s }

// The settings API keeps Grafana's rules: secrets are write-only (reported only as
// configured), unnamed secrets stay, an empty one is removed, and every save moves the
// update time the plugin SDK recreates its app instance on.
func TestSettingsSecretsAreWriteOnly(t *testing.T) {
	s, err := newSettingsStore(`{"maxUsers": 5}`)
	if err != nil {
		t.Fatal(err)
	}
	first := s.instanceSettings().LastUpdatedMS
	if err := s.update(settingsUpdate{
		JSONData:       json.RawMessage(`{"allowedTargets": ["http://127.0.0.1:9501/"]}`),
		SecureJSONData: map[string]*string{"targetAdminPassword": ptr("s3cret"), "remoteWritePassword": ptr("rw")},
	}); err != nil {
		t.Fatal(err)
	}
	view, _ := json.Marshal(s.view())
	if strings.Contains(string(view), "s3cret") || !strings.Contains(string(view), `"targetAdminPassword":true`) {
		t.Fatalf("view = %s, want the secret only as configured", view)
	}
	inst := s.instanceSettings()
	if inst.DecryptedSecureJsonData["targetAdminPassword"] != "s3cret" || string(inst.JsonData) != `{"allowedTargets": ["http://127.0.0.1:9501/"]}` {
		t.Fatalf("instance settings = %+v", inst)
	}
	if inst.LastUpdatedMS <= first {
		t.Fatalf("LastUpdatedMS %d not after %d", inst.LastUpdatedMS, first)
	}

	// Reset one secret, leave the other untouched; jsonData absent keeps what was stored.
	if err := s.update(settingsUpdate{SecureJSONData: map[string]*string{"remoteWritePassword": ptr("")}}); err != nil {
		t.Fatal(err)
	}
	v := s.view()
	if !v.SecureJSONFields["targetAdminPassword"] || v.SecureJSONFields["remoteWritePassword"] || !strings.Contains(string(v.JSONData), "allowedTargets") {
		t.Fatalf("after reset: %+v", v)
	}
	if later := s.instanceSettings().LastUpdatedMS; later <= inst.LastUpdatedMS {
		t.Fatalf("LastUpdatedMS %d not after %d", later, inst.LastUpdatedMS)
	}

	if err := s.update(settingsUpdate{JSONData: json.RawMessage(`[1]`)}); err == nil || !strings.Contains(err.Error(), "jsonData") {
		t.Fatalf("update with a non-object jsonData: %v, want an error naming jsonData", err)
	}
	if _, err := newSettingsStore(`nope`); err == nil || !strings.Contains(err.Error(), "-settings") {
		t.Fatalf("bad -settings: %v, want an error naming the flag", err)
	}
}

func TestRoleFromCookie(t *testing.T) {
	s := &server{defaultRole: "Admin"}
	for cookie, want := range map[string]string{"": "Admin", "Viewer": "Viewer", "Editor": "Editor", "None": "None"} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if cookie != "" {
			r.AddCookie(&http.Cookie{Name: roleCookie, Value: cookie})
		}
		u, err := s.user(r)
		if err != nil || u.Role != want {
			t.Errorf("cookie %q: user %+v, %v; want role %s", cookie, u, err, want)
		}
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(&http.Cookie{Name: roleCookie, Value: "GrafanaAdmin"})
	if _, err := s.user(r); err == nil || !strings.Contains(err.Error(), "use one of") {
		t.Fatalf("unknown role: %v", err)
	}
}

// Only an Admin may save settings, as in Grafana.
func TestSettingsPostNeedsAdmin(t *testing.T) {
	store, _ := newSettingsStore("")
	s := &server{settings: store, defaultRole: "Viewer", log: slog.New(slog.DiscardHandler)}
	h := s.routes()
	for role, want := range map[string]int{"Viewer": http.StatusForbidden, "Editor": http.StatusForbidden, "Admin": http.StatusOK} {
		r := httptest.NewRequest(http.MethodPost, "/api/plugins/"+pluginID+"/settings", strings.NewReader(`{"jsonData": {"maxUsers": 3}}`))
		r.AddCookie(&http.Cookie{Name: roleCookie, Value: role})
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("%s POST settings = %d %s, want %d", role, w.Code, w.Body, want)
		}
	}
}
