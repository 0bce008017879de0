package plugin

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/trafficsim/trafficsim/internal/tlstest"
)

// tlsSettings are app settings with one https target and its TLS entry "a1".
func tlsSettings(entry string, secrets map[string]string) backend.AppInstanceSettings {
	return backend.AppInstanceSettings{
		JSONData:                json.RawMessage(fmt.Sprintf(`{"allowedTargets":["https://127.0.0.1:8443","http://127.0.0.1:9501"],"targetTls":[%s]}`, entry)),
		DecryptedSecureJSONData: secrets,
	}
}

// TestParseTargetTLS: TLS entries parse with their PEMs, and every mistake is
// named by its field (a jsonData path, or the secret's key) with the fix.
func TestParseTargetTLS(t *testing.T) {
	pki := tlstest.New(t)
	good := map[string]string{"tls.a1.caCert": pki.CAPEM, "tls.a1.clientCert": pki.ClientCertPEM, "tls.a1.clientKey": pki.ClientKeyPEM}
	s, err := ParseSettings(tlsSettings(`{"id":"a1","target":"https://127.0.0.1:8443/","insecureSkipVerify":true,"serverName":"svc.test"}`, good))
	if err != nil {
		t.Fatal(err)
	}
	sub, _ := parseTarget("https://127.0.0.1:8443")
	other, _ := parseTarget("https://127.0.0.1:8444")
	got := s.tlsFor(sub)
	if got.CACertPEM != strings.TrimSpace(pki.CAPEM) || got.ClientKeyPEM == "" || !got.InsecureSkipVerify || got.TLSServerName != "svc.test" {
		t.Errorf("tlsFor(%s) = %+v", sub.url, got)
	}
	if got := s.tlsFor(other); got.CACertPEM != "" || got.InsecureSkipVerify {
		t.Errorf("another target got TLS settings: %+v", got)
	}

	cases := []struct {
		name, entry string
		secrets     map[string]string
		field, says string
	}{
		{"CA not PEM", `{"id":"a1","target":"https://127.0.0.1:8443"}`, map[string]string{"tls.a1.caCert": "hello"}, "tls.a1.caCert", "holds no PEM certificate"},
		{"CA a key", `{"id":"a1","target":"https://127.0.0.1:8443"}`, map[string]string{"tls.a1.caCert": pki.ClientKeyPEM}, "tls.a1.caCert", "not a CERTIFICATE"},
		{"CA bytes broken", `{"id":"a1","target":"https://127.0.0.1:8443"}`, map[string]string{"tls.a1.caCert": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}, "tls.a1.caCert", "does not parse"},
		{"key of another", `{"id":"a1","target":"https://127.0.0.1:8443"}`, map[string]string{"tls.a1.clientCert": pki.ClientCertPEM, "tls.a1.clientKey": pki.OtherKeyPEM}, "tls.a1.clientKey", "does not go with the client certificate"},
		{"cert without key", `{"id":"a1","target":"https://127.0.0.1:8443"}`, map[string]string{"tls.a1.clientCert": pki.ClientCertPEM}, "tls.a1.clientKey", "has no key"},
		{"key without cert", `{"id":"a1","target":"https://127.0.0.1:8443"}`, map[string]string{"tls.a1.clientKey": pki.ClientKeyPEM}, "tls.a1.clientCert", "has no certificate"},
		{"key not a key", `{"id":"a1","target":"https://127.0.0.1:8443"}`, map[string]string{"tls.a1.clientCert": pki.ClientCertPEM, "tls.a1.clientKey": pki.CAPEM}, "tls.a1.clientKey", "not a PEM private key"},
		{"plain http", `{"id":"a1","target":"http://127.0.0.1:9501"}`, nil, "targetTls[0].target", "https:// targets only"},
		{"not allowlisted", `{"id":"a1","target":"https://127.0.0.1:9999"}`, nil, "targetTls[0].target", "not one of allowedTargets"},
		{"a path", `{"id":"a1","target":"https://127.0.0.1:8443/api"}`, nil, "targetTls[0].target", "a path is not taken"},
		{"bad id", `{"id":"A/1","target":"https://127.0.0.1:8443"}`, nil, "targetTls[0].id", "lowercase"},
		{"twice", `{"id":"a1","target":"https://127.0.0.1:8443"},{"id":"a2","target":"https://127.0.0.1:8443/"}`, nil, "targetTls[1].target", "twice"},
		{"server name", `{"id":"a1","target":"https://127.0.0.1:8443","serverName":"a b"}`, nil, "targetTls[0].serverName", "not a host name"},
	}
	for _, tc := range cases {
		_, err := ParseSettings(tlsSettings(tc.entry, tc.secrets))
		var fe *fieldError
		if !errors.As(err, &fe) || fe.Field != tc.field || !strings.Contains(fe.Message, tc.says) {
			t.Errorf("%s: %v; want a %s error saying %q", tc.name, err, tc.field, tc.says)
		}
	}
}

// TestValidateTLSEndpoint: POST /tls/validate is the save's check: Admins
// only; a typed PEM is checked with the stored ones (null keeps a stored PEM,
// "" clears it); a key that does not match is a 400 naming the key's field;
// no answer ever carries a PEM.
func TestValidateTLSEndpoint(t *testing.T) {
	pki := tlstest.New(t)
	a := newTestApp(t, `{"allowedTargets":["https://127.0.0.1:8443"],"targetTls":[{"id":"k1","target":"https://127.0.0.1:8443"}]}`)
	a.settings.DecryptedSecureJSONData["tls.k1.clientCert"] = pki.ClientCertPEM
	a.settings.DecryptedSecureJSONData["tls.k1.clientKey"] = pki.ClientKeyPEM
	a.App = NewAppWithPool(a.settings, a.pool)
	if a.settingsErr != nil {
		t.Fatal(a.settingsErr)
	}
	body := func(secrets string) string {
		return `{"allowedTargets":["https://127.0.0.1:8443"],"targetTls":[{"id":"k1","target":"https://127.0.0.1:8443"}],"secrets":` + secrets + `}`
	}
	js := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	for _, tc := range []struct {
		role, secrets string
		status        int
		field         string
	}{
		{"Editor", `{}`, http.StatusForbidden, ""},
		{"Admin", `{}`, http.StatusOK, ""},                                                                       // the stored pair
		{"Admin", `{"tls.k1.caCert":` + js(pki.CAPEM) + `}`, http.StatusOK, ""},                                  // a CA beside it
		{"Admin", `{"tls.k1.clientKey":` + js(pki.OtherKeyPEM) + `}`, http.StatusBadRequest, "tls.k1.clientKey"}, // against the stored cert
		{"Admin", `{"tls.k1.clientKey":""}`, http.StatusBadRequest, "tls.k1.clientKey"},                          // the cert left alone
		{"Admin", `{"tls.k1.clientKey":"","tls.k1.clientCert":""}`, http.StatusOK, ""},                           // both reset
		{"Admin", `{"tls.k1.clientKey":null}`, http.StatusOK, ""},
		{"Admin", `{"tls.k1.caCert":"nope"}`, http.StatusBadRequest, "tls.k1.caCert"},
		{"Admin", `{"targetAdminPassword":"x"}`, http.StatusBadRequest, "targetAdminPassword"},
	} {
		res := a.call(t, tc.role, http.MethodPost, "/tls/validate", body(tc.secrets))
		if res.status != tc.status {
			t.Errorf("%s %s: %d %s; want %d", tc.role, tc.secrets, res.status, res.body, tc.status)
			continue
		}
		if tc.field != "" {
			if f := res.errorField(t); f != tc.field {
				t.Errorf("%s: field %q, want %q (%s)", tc.secrets, f, tc.field, res.body)
			}
		}
		for _, p := range []string{pki.CAPEM, pki.ClientCertPEM, pki.ClientKeyPEM, pki.OtherKeyPEM} {
			if strings.Contains(string(res.body), strings.Split(p, "\n")[1]) {
				t.Errorf("POST /tls/validate echoed a PEM: %s", res.body)
			}
		}
	}
}
