package plugin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/hashicorp/go-hclog"

	"github.com/trafficsim/trafficsim/pkg/enginehost"
)

// Setting defaults (documented in docs/plugin.md).
const (
	defaultMaxUsers          = 1000
	defaultMaxConcurrentRuns = 2
)

// Settings are the app's settings: jsonData plus the decrypted secureJsonData.
type Settings struct {
	AllowedTargets    []string
	MaxUsers          int
	MaxConcurrentRuns int
	MetricsAddr       string
	RemoteWriteURL    string
	// APIProfiles are the Admin's named API profiles (docs/api-profile.md) for
	// targets shaped unlike the reference API; the engine parses them.
	APIProfiles []APIProfile
	// TargetTLS are the TLS settings of allowlisted https targets (tls.go);
	// their PEMs come from secureJsonData.
	TargetTLS []TargetTLS

	// From secureJsonData: used, never returned by any resource.
	TargetAdminPassword string
	RemoteWritePassword string

	// Updated is when the settings were saved: an engine is never configured with
	// settings older than the ones it has.
	Updated time.Time

	allow allowlist
}

type jsonData struct {
	AllowedTargets    json.RawMessage `json:"allowedTargets"`
	MaxUsers          json.RawMessage `json:"maxUsers"`
	MaxConcurrentRuns json.RawMessage `json:"maxConcurrentRuns"`
	MetricsAddr       string          `json:"metricsAddr"`
	RemoteWriteURL    string          `json:"remoteWriteUrl"`
	APIProfiles       []APIProfile    `json:"apiProfiles"`
	TargetTLS         []targetTLSJSON `json:"targetTls"`
	// EnginePath is refused: settings never name an executable (an org Admin could
	// run any file as the Grafana user). The engine ships beside the plugin.
	EnginePath json.RawMessage `json:"enginePath"`
}

// ParseSettings reads the app settings; errors name the setting and the fix.
func ParseSettings(s backend.AppInstanceSettings) (Settings, error) {
	var jd jsonData
	if len(bytes.TrimSpace(s.JSONData)) > 0 {
		if err := json.Unmarshal(s.JSONData, &jd); err != nil {
			return Settings{}, fmt.Errorf("app settings: jsonData is not a JSON object of the expected shape: %w", err)
		}
	}
	out := Settings{
		MetricsAddr:         strings.TrimSpace(jd.MetricsAddr),
		RemoteWriteURL:      strings.TrimSpace(jd.RemoteWriteURL),
		TargetAdminPassword: s.DecryptedSecureJSONData["targetAdminPassword"],
		RemoteWritePassword: s.DecryptedSecureJSONData["remoteWritePassword"],
		Updated:             s.Updated,
	}
	var errs []error
	var err error
	if p := strings.TrimSpace(string(jd.EnginePath)); p != "" && p != "null" && p != `""` {
		errs = append(errs, fmt.Errorf("enginePath: the app settings no longer choose the engine binary (an org Admin could make Grafana run any file); remove enginePath — the engine ships beside the plugin, and only the Grafana operator may move it (%s)", enginehost.EnvEnginePath))
	}
	if out.AllowedTargets, err = parseTargetList(jd.AllowedTargets); err != nil {
		errs = append(errs, err)
	}
	for i, raw := range out.AllowedTargets {
		t, err := parseAllowed(raw)
		if err != nil {
			errs = append(errs, fmt.Errorf("allowedTargets[%d]: %w", i, err))
			continue
		}
		out.allow = append(out.allow, t)
	}
	if out.MaxUsers, err = positiveInt("maxUsers", jd.MaxUsers, defaultMaxUsers); err != nil {
		errs = append(errs, err)
	}
	if out.MaxConcurrentRuns, err = positiveInt("maxConcurrentRuns", jd.MaxConcurrentRuns, defaultMaxConcurrentRuns); err != nil {
		errs = append(errs, err)
	}
	if out.MetricsAddr != "" {
		if _, port, ok := strings.Cut(out.MetricsAddr, ":"); !ok || port == "" {
			errs = append(errs, fmt.Errorf("metricsAddr: %q must be host:port, e.g. 127.0.0.1:9464 (or empty for no /metrics)", out.MetricsAddr))
		}
	}
	if out.TargetTLS, err = parseTargetTLS(jd.TargetTLS, out.allow, s.DecryptedSecureJSONData); err != nil {
		errs = append(errs, err)
	}
	out.APIProfiles, err = checkProfiles(jd.APIProfiles)
	if err != nil {
		errs = append(errs, err)
	}
	if out.RemoteWriteURL != "" {
		if _, err := parseTarget(out.RemoteWriteURL); err != nil {
			errs = append(errs, fmt.Errorf("remoteWriteUrl: %w", err))
		}
	}
	return out, errors.Join(errs...)
}

// parseAllowed parses an allowlist entry: http(s)://host[:port], no path (a
// run's baseUrl takes none, so no run could use an entry with one).
func parseAllowed(raw string) (target, error) {
	return parseRoot(raw, "list")
}

// APIProfile is one named API profile: its YAML, as `trafficsim check
// --api-profile` reads it from a file.
type APIProfile struct {
	Name string `json:"name"`
	YAML string `json:"yaml"`
}

// Bounds on the stored profiles: they travel in every settings load.
const (
	maxProfiles     = 20
	maxProfileBytes = 64 << 10
)

var profileName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$`)

// checkProfiles checks what the plugin can of the profiles: names and sizes.
// Their content is the engine's to parse (POST /profiles/validate, and every
// run and check that uses one).
func checkProfiles(list []APIProfile) ([]APIProfile, error) {
	if len(list) > maxProfiles {
		return nil, fmt.Errorf("apiProfiles: %d profiles; keep at most %d", len(list), maxProfiles)
	}
	seen := map[string]bool{}
	out := make([]APIProfile, 0, len(list))
	for i, p := range list {
		p.Name = strings.TrimSpace(p.Name)
		switch {
		case !profileName.MatchString(p.Name):
			return nil, fmt.Errorf("apiProfiles[%d].name: %q: use 1 to 64 letters, digits, spaces, '.', '_' or '-', starting with a letter or digit", i, p.Name)
		case seen[p.Name]:
			return nil, fmt.Errorf("apiProfiles[%d].name: %q is used twice; give each profile its own name", i, p.Name)
		case strings.TrimSpace(p.YAML) == "":
			return nil, fmt.Errorf("apiProfiles[%d].yaml: profile %q is empty; paste the YAML of an API profile (trafficsim profile init writes one)", i, p.Name)
		case len(p.YAML) > maxProfileBytes:
			return nil, fmt.Errorf("apiProfiles[%d].yaml: profile %q is %d bytes; keep it under %d", i, p.Name, len(p.YAML), maxProfileBytes)
		}
		seen[p.Name] = true
		out = append(out, p)
	}
	return out, nil
}

// profile returns the named profile.
func (s Settings) profile(name string) (APIProfile, bool) {
	for _, p := range s.APIProfiles {
		if p.Name == name {
			return p, true
		}
	}
	return APIProfile{}, false
}

// parseTargetList accepts a JSON array of strings, or one string of targets
// separated by commas or newlines (what a text area sends).
func parseTargetList(raw json.RawMessage) ([]string, error) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		var one string
		if err2 := json.Unmarshal(raw, &one); err2 != nil {
			return nil, fmt.Errorf("allowedTargets: must be a list of targets (http(s)://host[:port]) such as [\"http://127.0.0.1:9501\"]")
		}
		list = strings.FieldsFunc(one, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' })
	}
	out := list[:0]
	for _, s := range list {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// positiveInt reads a number (or a numeric string, as form inputs send) ≥ 1.
func positiveInt(name string, raw json.RawMessage, def int) (int, error) {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	if s == "" || s == "null" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return def, fmt.Errorf("%s: %s is not a whole number ≥ 1; leave it empty for the default %d", name, string(raw), def)
	}
	return n, nil
}

// engineBinaryName is the engine's file name in dist/ for this platform.
func engineBinaryName() string {
	name := "trafficsim_" + runtime.GOOS + "_" + runtime.GOARCH
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	return name
}

// EnginePath is the engine binary: the Grafana operator's GF_PLUGIN_ENGINE_PATH
// (grafana.ini: [plugin.trafficsim-simulator-app] engine_path), else the binary
// beside the plugin executable, where the plugin archive ships it.
func EnginePath(getenv func(string) string) string {
	if p := strings.TrimSpace(getenv(enginehost.EnvEnginePath)); p != "" {
		return p
	}
	exe, err := os.Executable()
	if err != nil {
		return engineBinaryName()
	}
	return filepath.Join(filepath.Dir(exe), engineBinaryName())
}

// Operator limits over all orgs (grafana.ini: [plugin.trafficsim-simulator-app]
// max_total_runs, max_total_users), with their defaults (docs/plugin.md).
const (
	envMaxTotalRuns      = "GF_PLUGIN_MAX_TOTAL_RUNS"
	envMaxTotalUsers     = "GF_PLUGIN_MAX_TOTAL_USERS"
	defaultMaxTotalRuns  = 8
	defaultMaxTotalUsers = 5000
)

// operatorTotals reads the limits over all orgs; a bad value is logged and the
// default used (the plugin must still start).
func operatorTotals(getenv func(string) string, log hclog.Logger) enginehost.Totals {
	read := func(name string, def int) int {
		raw := strings.TrimSpace(getenv(name))
		if raw == "" {
			return def
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			log.Error("ignoring an invalid operator limit; using the default", "variable", name, "value", raw, "default", def, "fix", "a whole number ≥ 1")
			return def
		}
		return n
	}
	return enginehost.Totals{MaxRuns: read(envMaxTotalRuns, defaultMaxTotalRuns), MaxUsers: read(envMaxTotalUsers, defaultMaxTotalUsers)}
}

// The operator's idle stop (grafana.ini: [plugin.trafficsim-simulator-app]
// idle_stop): how long an org's engine may sit idle before it is stopped
// (enginehost.IdleStop; default enginehost.DefaultIdleStop). It is the
// server's (one process per org that used the app), so the operator's, not an
// org Admin's.
const (
	envIdleStop = "GF_PLUGIN_IDLE_STOP"
	minIdleStop = time.Second
	maxIdleStop = 24 * time.Hour
)

// parseIdleStop reads idle_stop: empty for the default; a duration with its
// unit ("90s", "5m", "1h30m") from 1s to 24h; or 0 ("0", "0s", "never"): an
// idle engine is never stopped (enginehost.IdleStop's ≤0). A bare number is
// refused rather than given a unit: 300 could mean seconds or milliseconds.
func parseIdleStop(raw string) (time.Duration, error) {
	raw = strings.TrimSpace(raw)
	switch strings.ToLower(raw) {
	case "":
		return enginehost.DefaultIdleStop, nil
	case "never":
		return 0, nil
	}
	bad := func(why string) error {
		return fmt.Errorf("idle_stop (%s): %q %s; give a duration with its unit from %s to %s (e.g. 90s, 10m, 1h), 0 (or never) to never stop an idle engine, or nothing for the default %s",
			envIdleStop, raw, why, shortDuration(minIdleStop), shortDuration(maxIdleStop), shortDuration(enginehost.DefaultIdleStop))
	}
	d, err := time.ParseDuration(raw)
	switch {
	case err != nil && strings.Trim(raw, "0123456789.+-") == "":
		return 0, bad("has no unit")
	case err != nil:
		return 0, bad("is not a duration")
	case d < 0:
		return 0, bad("is negative")
	case d == 0:
		return 0, nil
	case d < minIdleStop:
		return 0, bad("is under " + shortDuration(minIdleStop))
	case d > maxIdleStop:
		return 0, bad("is over " + shortDuration(maxIdleStop))
	}
	return d, nil
}

// shortDuration writes d as a person would: 5m, not 5m0s; 24h, not 24h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// operatorIdleStop reads the operator's idle stop; a bad value is logged and
// the default used (the plugin must still start).
func operatorIdleStop(getenv func(string) string, log hclog.Logger) time.Duration {
	d, err := parseIdleStop(getenv(envIdleStop))
	if err != nil {
		log.Error("ignoring an invalid operator setting; using the default", "error", err.Error(), "default", shortDuration(enginehost.DefaultIdleStop))
		return enginehost.DefaultIdleStop
	}
	if d != enginehost.DefaultIdleStop {
		log.Info("the operator's idle_stop: an org's idle engine is stopped after it (0: never)", "idle_stop", shortDuration(d))
	}
	return d
}
