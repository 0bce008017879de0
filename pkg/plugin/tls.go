package plugin

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/trafficsim/trafficsim/engine/enginerpc"
)

// TargetTLS is how the engine speaks TLS to one allowlisted https target:
// jsonData's targetTls entry (id, target, skip-verify, server name) with its
// PEMs from secureJsonData under the keys tlsKey(id, …). The PEMs go to the
// engine in the run's (and the check's) config and are never returned by
// any resource.
type TargetTLS struct {
	ID     string // names the entry's secrets
	Target string // the allowlisted target it applies to, canonical
	target target
	enginerpc.TLS
}

// targetTLSJSON is one jsonData.targetTls entry.
type targetTLSJSON struct {
	ID                 string `json:"id"`
	Target             string `json:"target"`
	InsecureSkipVerify bool   `json:"insecureSkipVerify"`
	ServerName         string `json:"serverName"`
}

// The secrets of an entry, by the suffix of their secureJsonData key.
const (
	secretCACert     = "caCert"
	secretClientCert = "clientCert"
	secretClientKey  = "clientKey"
)

// tlsKey is the secureJsonData key of one of an entry's PEMs: tls.<id>.caCert.
func tlsKey(id, what string) string { return "tls." + id + "." + what }

var (
	tlsID      = regexp.MustCompile(`^[a-z0-9]{1,16}$`)
	serverName = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$`)
)

// maxPEMBytes bounds one PEM (a CA bundle is a few certificates).
const maxPEMBytes = 64 << 10

// fieldError is a setting or request field that is wrong: Field names it (a
// jsonData path, a secureJsonData key or a body member), Message says what is
// wrong and the fix.
type fieldError struct{ Field, Message string }

func (e *fieldError) Error() string { return e.Field + ": " + e.Message }

func tlsErr(field, format string, args ...any) *fieldError {
	return &fieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// parseTargetTLS checks the entries against the allowlist and their PEMs
// (secrets: secureJsonData): each applies to one https target of the
// allowlist, once; a CA bundle must hold certificates that parse; a client
// certificate needs its key, and the key must be the certificate's.
func parseTargetTLS(entries []targetTLSJSON, allow allowlist, secrets map[string]string) ([]TargetTLS, error) {
	out := make([]TargetTLS, 0, len(entries))
	seenID, seenTarget := map[string]bool{}, map[string]bool{}
	for i, e := range entries {
		field := fmt.Sprintf("targetTls[%d]", i)
		if !tlsID.MatchString(e.ID) || seenID[e.ID] {
			return nil, tlsErr(field+".id", "%q must be 1 to 16 lowercase letters or digits, unique (the configuration page chooses it)", e.ID)
		}
		seenID[e.ID] = true
		t, err := parseAllowed(e.Target)
		if err != nil {
			return nil, tlsErr(field+".target", "%v", err)
		}
		switch {
		case t.scheme != "https":
			return nil, tlsErr(field+".target", "%s is plain http; TLS settings apply to https:// targets only", t.url)
		case !slicesContainsTarget(allow, t):
			return nil, tlsErr(field+".target", "%s is not one of allowedTargets; add it there, or remove its TLS settings", t.url)
		case seenTarget[t.url]:
			return nil, tlsErr(field+".target", "%s has TLS settings twice; keep one", t.url)
		}
		seenTarget[t.url] = true
		name := strings.TrimSpace(e.ServerName)
		if name != "" && !serverName.MatchString(name) {
			return nil, tlsErr(field+".serverName", "%q is not a host name; give the name on the target's certificate (e.g. api.internal.example), or leave it empty for the target's host", name)
		}
		x := TargetTLS{ID: e.ID, Target: t.url, target: t, TLS: enginerpc.TLS{
			CACertPEM:          strings.TrimSpace(secrets[tlsKey(e.ID, secretCACert)]),
			ClientCertPEM:      strings.TrimSpace(secrets[tlsKey(e.ID, secretClientCert)]),
			ClientKeyPEM:       strings.TrimSpace(secrets[tlsKey(e.ID, secretClientKey)]),
			InsecureSkipVerify: e.InsecureSkipVerify,
			TLSServerName:      name,
		}}
		if err := checkPEMs(x); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// slicesContainsTarget reports whether t is one of the allowlist's prefixes.
func slicesContainsTarget(allow allowlist, t target) bool {
	for _, p := range allow {
		if p.url == t.url {
			return true
		}
	}
	return false
}

// checkPEMs checks an entry's PEMs as the engine will use them.
func checkPEMs(x TargetTLS) error {
	for what, v := range map[string]string{secretCACert: x.CACertPEM, secretClientCert: x.ClientCertPEM, secretClientKey: x.ClientKeyPEM} {
		if len(v) > maxPEMBytes {
			return tlsErr(tlsKey(x.ID, what), "%d bytes for %s; keep a PEM under %d bytes", len(v), x.Target, maxPEMBytes)
		}
	}
	if x.CACertPEM != "" {
		if err := checkCABundle(x.CACertPEM); err != nil {
			return tlsErr(tlsKey(x.ID, secretCACert), "the CA certificate for %s %v; paste the CA's certificate in PEM form, from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----", x.Target, err)
		}
	}
	switch {
	case x.ClientCertPEM == "" && x.ClientKeyPEM == "":
		return nil
	case x.ClientKeyPEM == "":
		return tlsErr(tlsKey(x.ID, secretClientKey), "the client certificate for %s has no key; paste its private key in PEM form (-----BEGIN PRIVATE KEY-----), or reset the certificate", x.Target)
	case x.ClientCertPEM == "":
		return tlsErr(tlsKey(x.ID, secretClientCert), "a client key for %s has no certificate; paste the client certificate in PEM form (-----BEGIN CERTIFICATE-----), or reset the key", x.Target)
	}
	if err := checkCABundle(x.ClientCertPEM); err != nil {
		return tlsErr(tlsKey(x.ID, secretClientCert), "the client certificate for %s %v; paste it in PEM form, from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----", x.Target, err)
	}
	if b, _ := pem.Decode([]byte(x.ClientKeyPEM)); b == nil || !strings.Contains(b.Type, "PRIVATE KEY") {
		return tlsErr(tlsKey(x.ID, secretClientKey), "the client key for %s is not a PEM private key; paste it from -----BEGIN PRIVATE KEY----- (or EC/RSA PRIVATE KEY) to its END line, unencrypted", x.Target)
	}
	if _, err := tls.X509KeyPair([]byte(x.ClientCertPEM), []byte(x.ClientKeyPEM)); err != nil {
		return tlsErr(tlsKey(x.ID, secretClientKey), "the client key for %s does not go with the client certificate (%v); paste the private key issued with this certificate", x.Target, err)
	}
	return nil
}

// checkCABundle reports what is wrong with a PEM of certificates ("holds …").
func checkCABundle(s string) error {
	rest, n := []byte(s), 0
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			return fmt.Errorf("holds a %q block, not a CERTIFICATE", b.Type)
		}
		n++
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return fmt.Errorf("holds certificate %d that does not parse (%v)", n, err)
		}
	}
	if n == 0 {
		return fmt.Errorf("holds no PEM certificate")
	}
	if strings.TrimSpace(string(rest)) != "" {
		return fmt.Errorf("has text after its last certificate that is not PEM")
	}
	return nil
}

// tlsFor is the TLS the engine uses for a target: that of the https entry
// for its scheme, host and port (at most one: parseTargetTLS); none: the
// system's roots.
func (s Settings) tlsFor(t target) enginerpc.TLS {
	for _, x := range s.TargetTLS {
		if x.target.covers(t) {
			return x.TLS
		}
	}
	return enginerpc.TLS{}
}

// skipVerifyWarning is the run's and the check's warning when the target's
// certificate is not verified.
const skipVerifyWarning = "the target's TLS certificate is NOT verified (skip-verify is on for this target in the app's settings): anyone on the path can read and alter this traffic"

// tlsValidateRequest is POST /tls/validate's body: the targets and TLS
// entries about to be saved, with the PEMs the Admin typed. A PEM left out
// (null) keeps the stored one; "" clears it.
type tlsValidateRequest struct {
	AllowedTargets []string                    `json:"allowedTargets"`
	TargetTLS      []targetTLSJSON             `json:"targetTls"`
	Secrets        map[string]*json.RawMessage `json:"secrets"`
}

// handleValidateTLS checks TLS settings before an Admin saves them (Grafana
// stores app settings itself, so this is the save's validation): 200
// {"ok": true}, else 400 naming the field (a secureJsonData key such as
// tls.<id>.clientKey) and the fix. Only this org's stored secrets are merged
// in, and none is ever echoed.
func (a *App) handleValidateTLS(w http.ResponseWriter, r *http.Request) {
	var req tlsValidateRequest
	if err := decodeBody(r.Body, &req, false); err != nil {
		writeBodyError(w, err)
		return
	}
	var allow allowlist
	for i, raw := range req.AllowedTargets {
		t, err := parseAllowed(raw)
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("allowedTargets[%d]", i), err.Error())
			return
		}
		allow = append(allow, t)
	}
	secrets := map[string]string{}
	for _, x := range a.settings.TargetTLS {
		secrets[tlsKey(x.ID, secretCACert)] = x.CACertPEM
		secrets[tlsKey(x.ID, secretClientCert)] = x.ClientCertPEM
		secrets[tlsKey(x.ID, secretClientKey)] = x.ClientKeyPEM
	}
	for k, raw := range req.Secrets {
		if !strings.HasPrefix(k, "tls.") {
			writeError(w, http.StatusBadRequest, k, "is not a TLS secret; send tls.<id>.caCert, tls.<id>.clientCert or tls.<id>.clientKey")
			return
		}
		if raw == nil {
			continue // keep the stored one
		}
		var v string
		if err := json.Unmarshal(*raw, &v); err != nil {
			writeError(w, http.StatusBadRequest, k, "must be a string of PEM text, or null to keep the stored one")
			return
		}
		secrets[k] = v
	}
	if _, err := parseTargetTLS(req.TargetTLS, allow, secrets); err != nil {
		var fe *fieldError
		if errors.As(err, &fe) {
			writeError(w, http.StatusBadRequest, fe.Field, fe.Message)
		} else {
			writeError(w, http.StatusBadRequest, "targetTls", err.Error())
		}
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}
