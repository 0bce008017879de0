package runner

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/client"
	"github.com/trafficsim/trafficsim/engine/loadshape"
	"github.com/trafficsim/trafficsim/engine/scenario"
	"github.com/trafficsim/trafficsim/engine/transport"
)

// Limits on a run's config; beyond them a value is a typo, not a test.
// MaxUsers counts the whole run: one process holds what fits in its memory
// (CheckCapacity), a sharded run N times that.
const (
	MaxUsers    = 10_000_000
	MaxRequests = 10_000_000
	MaxDelay    = 10 * time.Minute
	// MaxSeed is the largest seed: 2^53-1, the largest integer a JSON reader
	// that holds numbers as doubles (JavaScript, the plugin's pages, jq) keeps
	// exactly, so the seed the summary reports is the one to rerun with.
	MaxSeed = 1<<53 - 1
)

// Config is what a run is asked to do.
type Config struct {
	RunID         string        // empty: generated, 8 lowercase letters/digits
	Users         int           // concurrent virtual users
	MinRequests   int           // fewest requests per VU
	MaxRequests   int           // most requests per VU
	Duration      time.Duration // 0: until every VU is done
	BaseURL       string        // empty: the embedded reference target on an ephemeral loopback port
	DelayMin      time.Duration // think time between a VU's requests
	DelayMax      time.Duration
	Scenario      string // built-in name or file path
	Seed          int64  // 0: chosen and reported
	AdminUser     string // empty: "admin"
	AdminPassword string // empty: "admin" (the reference target's default)
	Cleanup       bool   // delete the run's simulation data at the end
	// APIProfile is the path of an API profile file; it replaces the scenario's
	// api section. Empty: the scenario's.
	APIProfile string
	// APIProfileYAML is an API profile's content, used as APIProfile's file
	// would be (the plugin sends profiles, not paths); APIProfileName names it
	// in errors. Not with APIProfile.
	APIProfileYAML []byte
	APIProfileName string

	// Load model (docs/load-models.md). None set: the scenario's load section,
	// else Users VUs from the start. Closed model: RampUp (VUs start spread
	// over it) or Stages (VU targets over time; Users is then the largest
	// target). Open model: Rate and/or RateStages (arrivals per second), each
	// arrival a session on a free VU of a pool of MaxVUs (0: Users).
	RampUp     time.Duration
	Stages     []loadshape.Stage
	Rate       float64
	RateStages []loadshape.Stage
	MaxVUs     int

	// Sharding (shard.go, docs/sharding.md): this process runs only its part
	// of the VUs or arrivals; StartAt (zero: at once) is when the VUs start.
	Shard   Shard
	StartAt time.Time

	// Network is how requests reach the target: HTTP client and version,
	// proxy, compression, TLS, connection limits per endpoint group
	// (engine/transport; field errors name http_client, ca_cert, …). The
	// scenario's `connections:` fill the groups it leaves unnamed.
	Network transport.Settings
}

// DefaultConfig returns the defaults of the command line (DESIGN.md).
func DefaultConfig() Config {
	return Config{
		Users:       100,
		MinRequests: 10,
		MaxRequests: 1000,
		DelayMin:    100 * time.Millisecond,
		DelayMax:    2000 * time.Millisecond,
		Scenario:    "mixed",
		AdminUser:   "admin",
		Cleanup:     true,
	}
}

// FieldError is an invalid Config field. Field is the snake_case name of the
// field as the plugin's RunConfig spells it (users, min_request_count,
// max_request_count, duration, base_url, delay_min, delay_max, scenario,
// run_id, seed, admin_user, admin_password, api_profile, ramp_up, stages,
// rate, rate_stages, max_vus); the CLI flag is the same with dashes.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

var runIDPattern = regexp.MustCompile(`^[a-z0-9]{8}$`)

// ParseBaseURL checks a target's base URL: http(s)://host[:port][/path], a
// port from 1 to 65535, no query, and no user info — credentials go in
// --admin-password or TRAFFICSIM_ADMIN_PASSWORD, never in a URL that is
// printed, logged and put in labels. The error is a *FieldError (base_url)
// that does not repeat the URL's user info.
func ParseBaseURL(raw string) (*url.URL, error) {
	bad := func(format string, args ...any) error {
		return &FieldError{Field: "base_url", Message: fmt.Sprintf(format, args...)}
	}
	u, err := url.Parse(raw)
	if err != nil {
		if strings.Contains(raw, "@") {
			return nil, bad("not a URL; and credentials do not belong in it: use --admin-user and --admin-password (or TRAFFICSIM_ADMIN_PASSWORD)")
		}
		return nil, bad("%q: want http(s)://host[:port] (no query), e.g. http://127.0.0.1:9501", raw)
	}
	if u.User != nil {
		u.User = nil
		return nil, bad("%s: user info in the URL is not allowed (it would be printed and logged); use --admin-user and --admin-password, or TRAFFICSIM_ADMIN_PASSWORD", u.Redacted())
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, bad("%q: want http(s)://host[:port] (no query), e.g. http://127.0.0.1:9501", raw)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, bad("%q: port %s is not from 1 to 65535", raw, p)
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return nil, bad("%q: empty port; give one from 1 to 65535 or none", raw)
	}
	return u, nil
}

// ParseRootBaseURL is ParseBaseURL for the target of a run, a check or a
// cleanup, which takes no path: http(s)://host[:port] only (a trailing / is no
// path). The engine would send its requests under the path, but the check's
// table, the route labels and the summary's routes would not show it: a prefix
// goes in the API profile's base_path (or a plain request's path), where
// everything shows it. A Config's target is checked with it (Validate), so
// every way a run starts refuses a path in the same words: `trafficsim run
// --base-url` (and check, cleanup) and a run the Grafana plugin starts
// through engine/runhost. The error is a *FieldError (base_url).
func ParseRootBaseURL(raw string) (*url.URL, error) {
	u, err := ParseBaseURL(raw)
	if err != nil {
		return nil, err
	}
	if u.Path != "" && u.Path != "/" {
		root := *u
		root.Path, root.RawPath = "", ""
		prefix := strings.TrimSuffix(u.Path, "/")
		return nil, &FieldError{Field: "base_url", Message: fmt.Sprintf("%q: a path is not taken, only http(s)://host[:port]; give --base-url %s and put %s in front of the API profile's base_path "+
			"(e.g. base_path: %s/api/v1 for the reference routes; --api-profile, docs/api-profile.md) or of each path of a plain scenario's requests",
			raw, root.String(), prefix, prefix)}
	}
	return u, nil
}

// Validate checks the config and returns the first problem as a *FieldError.
// A scenario file or API profile file is read and checked too.
func (c Config) Validate() error {
	_, _, err := c.load()
	return err
}

// load validates the config and loads its scenario.
func (c Config) load() (*scenario.Scenario, *url.URL, error) {
	bad := func(field, format string, args ...any) error {
		return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
	}
	if c.RunID != "" && !runIDPattern.MatchString(c.RunID) {
		return nil, nil, bad("run_id", "%q: use 8 lowercase letters or digits, or leave it empty", c.RunID)
	}
	if c.Users < 1 || c.Users > MaxUsers {
		return nil, nil, bad("users", "%d: use 1 to %d virtual users", c.Users, MaxUsers)
	}
	if c.MinRequests < 1 || c.MinRequests > MaxRequests {
		return nil, nil, bad("min_request_count", "%d: use 1 to %d requests per user", c.MinRequests, MaxRequests)
	}
	if c.MaxRequests < 1 || c.MaxRequests > MaxRequests {
		return nil, nil, bad("max_request_count", "%d: use 1 to %d requests per user", c.MaxRequests, MaxRequests)
	}
	if c.MinRequests > c.MaxRequests {
		return nil, nil, bad("min_request_count", "%d is above the maximum request count %d; lower it or raise the maximum", c.MinRequests, c.MaxRequests)
	}
	if c.Duration < 0 || c.Duration > loadshape.MaxDuration {
		// The longest run is the plugin's and the load shapes' limit too.
		return nil, nil, bad("duration", "%v: use a duration from 0 (until every VU is done) to %v (7 days, the longest run), e.g. 5m", c.Duration, loadshape.MaxDuration)
	}
	if c.DelayMin < 0 || c.DelayMin > MaxDelay {
		return nil, nil, bad("delay_min", "%v: use 0 to %v", c.DelayMin, MaxDelay)
	}
	if c.DelayMax < 0 || c.DelayMax > MaxDelay {
		return nil, nil, bad("delay_max", "%v: use 0 to %v", c.DelayMax, MaxDelay)
	}
	if c.DelayMin > c.DelayMax {
		return nil, nil, bad("delay_min", "%v is above delay_max %v; lower it or raise the maximum", c.DelayMin, c.DelayMax)
	}
	if c.Seed < 0 || c.Seed > MaxSeed {
		return nil, nil, bad("seed", "%d: use 1 to %d (2^53-1, what JSON keeps exactly), e.g. 42, or 0 to let the engine choose", c.Seed, int64(MaxSeed))
	}
	var target *url.URL
	if c.BaseURL != "" {
		u, err := ParseRootBaseURL(c.BaseURL)
		if err != nil {
			return nil, nil, err
		}
		target = u
	}
	if c.BaseURL == "" && c.AdminUser != "" && c.AdminUser != "admin" {
		return nil, nil, bad("admin_user", "%q: the embedded target's admin is \"admin\"; --admin-user applies to a target given with --base-url", c.AdminUser)
	}
	if c.Scenario == "" {
		return nil, nil, bad("scenario", "is empty; use one of the built-in scenarios (mixed, …) or a scenario file")
	}
	sc, err := scenario.Load(c.Scenario)
	if err != nil {
		return nil, nil, &FieldError{Field: "scenario", Message: err.Error()}
	}
	if c.APIProfile != "" {
		if _, err := os.Stat(c.APIProfile); err != nil {
			return nil, nil, bad("api_profile", "%v", err)
		}
		p, err := scenario.LoadProfile(c.APIProfile)
		if err != nil {
			return nil, nil, &FieldError{Field: "api_profile", Message: err.Error()}
		}
		sc.API = p
	}
	if len(c.APIProfileYAML) > 0 {
		if c.APIProfile != "" {
			return nil, nil, bad("api_profile", "give the profile as a file or as its content, not both")
		}
		p, err := scenario.ParseProfile(c.APIProfileYAML, cmp.Or(c.APIProfileName, "API profile"))
		if err != nil {
			return nil, nil, &FieldError{Field: "api_profile", Message: err.Error()}
		}
		sc.API = p
	}
	if len(c.AdminPassword) > 72 {
		return nil, nil, bad("admin_password", "is longer than 72 bytes")
	}
	if err := c.withLoad(sc.Load).validateLoad(); err != nil {
		return nil, nil, err
	}
	if err := c.withLoad(sc.Load).validateShard(); err != nil {
		return nil, nil, err
	}
	if err := c.validateNetwork(sc); err != nil {
		return nil, nil, err
	}
	return sc, target, nil
}

// network is the run's network settings with the scenario's connection
// limits under the flag's.
func (c Config) network(sc *scenario.Scenario) transport.Settings {
	n := c.Network
	if len(sc.Connections) == 0 {
		return n
	}
	limits := maps.Clone(sc.Connections)
	maps.Copy(limits, n.MaxConnsPerGroup)
	n.MaxConnsPerGroup = limits
	return n
}

// validateNetwork checks the network settings and that every limited group
// is one the run sends requests of.
func (c Config) validateNetwork(sc *scenario.Scenario) error {
	n := c.network(sc)
	if err := n.Validate(); err != nil {
		var fe *transport.FieldError
		if errors.As(err, &fe) {
			return &FieldError{Field: fe.Field, Message: fe.Message}
		}
		return err
	}
	groups := slices.Clone(catalog.Groups)
	for _, r := range sc.Requests {
		groups = append(groups, r.Spec.Group)
	}
	if len(sc.Requests) > 0 {
		groups = append(groups, client.PlainGroup)
	}
	for g := range n.MaxConnsPerGroup {
		if !slices.Contains(groups, g) {
			return &FieldError{Field: "max_conns_per_group", Message: fmt.Sprintf("%q is not an endpoint group of this run; use %s", g, strings.Join(groups, ", "))}
		}
	}
	return nil
}
