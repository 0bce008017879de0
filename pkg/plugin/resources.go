package plugin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/trafficsim/trafficsim/engine/enginerpc"
	"github.com/trafficsim/trafficsim/engine/loadshape"
	"github.com/trafficsim/trafficsim/pkg/enginehost"
)

// RunConfig is a run's config as the resources take and return it.
type RunConfig struct {
	Users           int    `json:"users"`
	MinRequestCount int    `json:"minRequestCount"`
	MaxRequestCount int    `json:"maxRequestCount"`
	DurationSeconds int    `json:"durationSeconds"`
	BaseURL         string `json:"baseUrl"`
	DelayMinMs      int    `json:"delayMinMs"`
	DelayMaxMs      int    `json:"delayMaxMs"`
	Scenario        string `json:"scenario"`
	Seed            int64  `json:"seed"`
	// The load model, in the words of `trafficsim run`'s flags (docs/load-models.md).
	RampUpSeconds int     `json:"rampUpSeconds"` // closed model: VUs start spread over it
	Stages        string  `json:"stages"`        // closed model: "30s:100,1m:500,30s:0"
	Rate          string  `json:"rate"`          // open model: "300/s", "90/m"
	RateStages    string  `json:"rateStages"`    // open model: "30s:10/s,1m:100/s"
	MaxVUs        int     `json:"maxVus"`        // open model: the VU pool (0: users)
	MaxRPS        float64 `json:"maxRps"`        // cap on the run's requests per second (0: none)
	// APIProfile names one of the app's API profiles for baseUrl; "": the
	// scenario's (the reference API).
	APIProfile string `json:"apiProfile"`
	// InsecureSkipVerify is reported, never taken (a request naming it is
	// refused): the target's TLS settings are the Admin's (targetTls), applied
	// by the plugin.
	InsecureSkipVerify bool `json:"insecureSkipVerify,omitempty" api:"output"`
}

// RequestEvent is one of a run's recent requests.
type RequestEvent struct {
	Time      time.Time `json:"time"`
	VU        int       `json:"vu"`
	Method    string    `json:"method"`
	Route     string    `json:"route"`
	Status    int       `json:"status"` // 0: no response
	LatencyMs float64   `json:"latencyMs"`
}

// RunStatus is one run as the resources and the live stream report it.
type RunStatus struct {
	ID        string         `json:"id"`
	State     string         `json:"state"`
	StartedAt *time.Time     `json:"startedAt"`
	EndedAt   *time.Time     `json:"endedAt"`
	Config    RunConfig      `json:"config"`
	Stats     Stats          `json:"stats"`
	Recent    []RequestEvent `json:"recent"`
	Error     string         `json:"error"`
	// What the cleanup of the run's simulation data did; null until it ran.
	Cleanup *CleanupJSON `json:"cleanup"`
	// Warnings the run's viewers must see, e.g. that the target's TLS
	// certificate is not verified.
	Warnings []string `json:"warnings"`
}

// CleanupJSON is a run's cleanup result, as the run summary's cleanup section
// says it (created = deleted + gone + left; verified: left was measured on the
// target, else reason says why not). Records left, or more created than deleted
// or gone, put the run in the "leftovers" state; POST /runs/{id}/cleanup tries again.
type CleanupJSON struct {
	Created   int      `json:"created"`
	Deleted   int      `json:"deleted"`
	Gone      int      `json:"gone"`
	Left      int      `json:"left"`
	LeftNames []string `json:"leftNames"`
	Verified  bool     `json:"verified"`
	Reason    string   `json:"reason"`
	Error     string   `json:"error"`
}

func toCleanupJSON(c *enginerpc.Cleanup) *CleanupJSON {
	if c == nil {
		return nil
	}
	names := c.LeftNames
	if names == nil {
		names = []string{}
	}
	return &CleanupJSON{Created: c.Created, Deleted: c.Deleted, Gone: c.Gone, Left: c.Left, LeftNames: names,
		Verified: c.Verified, Reason: engineWords.Replace(c.Reason), Error: engineWords.Replace(c.Error)}
}

// defaultRunConfig pre-fills the form and any field a POST /runs leaves out.
func (a *App) defaultRunConfig() RunConfig {
	return RunConfig{
		Users:           min(100, a.settings.MaxUsers),
		MinRequestCount: 10,
		MaxRequestCount: 1000,
		DurationSeconds: 300,
		DelayMinMs:      100,
		DelayMaxMs:      2000,
		Scenario:        "mixed",
	}
}

// formatRate spells a rate as the rate field takes it; "" for none.
func formatRate(perSecond float64) string {
	if perSecond == 0 {
		return ""
	}
	return loadshape.FormatRate(perSecond)
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/float64(time.Microsecond)) / 1000 }

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func toRunStatus(st enginerpc.RunStatus) RunStatus {
	c := st.Config
	recent := make([]RequestEvent, len(st.Recent))
	for i, e := range st.Recent {
		recent[i] = RequestEvent{Time: e.Time.UTC(), VU: e.VU, Method: e.Method, Route: e.Route, Status: e.Status, LatencyMs: ms(e.Latency)}
	}
	return RunStatus{
		ID:        st.ID,
		State:     string(st.State),
		StartedAt: optTime(st.StartedAt),
		EndedAt:   optTime(st.EndedAt),
		Config: RunConfig{
			Users:           c.Users,
			MinRequestCount: c.MinRequestCount,
			MaxRequestCount: c.MaxRequestCount,
			DurationSeconds: int(c.Duration / time.Second),
			BaseURL:         c.BaseURL,
			DelayMinMs:      int(c.DelayMin / time.Millisecond),
			DelayMaxMs:      int(c.DelayMax / time.Millisecond),
			Scenario:        c.Scenario,
			Seed:            c.Seed,
			RampUpSeconds:   int(c.RampUp / time.Second),
			Stages:          loadshape.FormatStages(c.Stages, false),
			Rate:            formatRate(c.Rate),
			RateStages:      loadshape.FormatStages(c.RateStages, true),
			MaxVUs:          c.MaxVUs,
			MaxRPS:          c.MaxRPS,
			APIProfile:      c.APIProfileName,

			InsecureSkipVerify: c.InsecureSkipVerify,
		},
		Stats:    Stats{st.Stats},
		Recent:   recent,
		Error:    engineWords.Replace(st.Error),
		Cleanup:  toCleanupJSON(st.Cleanup),
		Warnings: tlsWarnings(c.TLS),
	}
}

// tlsWarnings are the warnings of a run's or a check's TLS (never nil).
func tlsWarnings(t enginerpc.TLS) []string {
	if t.InsecureSkipVerify {
		return []string{skipVerifyWarning}
	}
	return []string{}
}

type scenarioJSON struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Archetypes  []archetypeJSON `json:"archetypes"`
	Mix         []weightedJSON  `json:"mix"`
}

type archetypeJSON struct {
	Name    string   `json:"name"`
	Weight  float64  `json:"weight"`
	Journey []string `json:"journey"`
}

type weightedJSON struct {
	Name   string  `json:"name"`
	Weight float64 `json:"weight"`
}

func (a *App) handleScenarios(w http.ResponseWriter, r *http.Request) {
	list, err := a.host(r.Context()).Scenarios(r.Context())
	if err != nil {
		writeEngineError(w, err)
		return
	}
	out := make([]scenarioJSON, len(list))
	for i, s := range list {
		sc := scenarioJSON{Name: s.Name, Description: s.Description, Archetypes: []archetypeJSON{}, Mix: []weightedJSON{}}
		for _, a := range s.Archetypes {
			journey := a.Journey
			if journey == nil {
				journey = []string{}
			}
			sc.Archetypes = append(sc.Archetypes, archetypeJSON{Name: a.Name, Weight: a.Weight, Journey: journey})
		}
		for _, m := range s.Mix {
			sc.Mix = append(sc.Mix, weightedJSON{Name: m.Name, Weight: m.Weight})
		}
		out[i] = sc
	}
	writeJSON(w, http.StatusOK, map[string]any{"scenarios": out})
}

func (a *App) handleLimits(w http.ResponseWriter, _ *http.Request) {
	// The valid entries, as the Admin wrote them: an invalid one (with a password
	// in it, say) is the Admin's to see on the configuration page, not every
	// Viewer's.
	targets := []string{}
	for _, raw := range a.settings.AllowedTargets {
		if _, err := parseAllowed(raw); err == nil {
			targets = append(targets, raw)
		}
	}
	profiles := make([]string, len(a.settings.APIProfiles))
	for i, p := range a.settings.APIProfiles {
		profiles[i] = p.Name
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"allowedTargets":    targets,
		"apiProfiles":       profiles,
		"maxUsers":          a.settings.MaxUsers,
		"maxConcurrentRuns": a.settings.MaxConcurrentRuns,
		"defaults":          a.defaultRunConfig(),
	})
}

func (a *App) handleListRuns(w http.ResponseWriter, r *http.Request) {
	runs, err := a.host(r.Context()).List(r.Context())
	if err != nil {
		writeEngineError(w, err)
		return
	}
	out := make([]RunStatus, len(runs))
	for i, st := range runs {
		out[i] = toRunStatus(st)
	}
	writeJSON(w, http.StatusOK, map[string]any{"runs": out})
}

func (a *App) handleGetRun(w http.ResponseWriter, r *http.Request) {
	st, err := a.host(r.Context()).Status(r.Context(), r.PathValue("id"))
	if err != nil {
		writeEngineError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, toRunStatus(st))
}

func (a *App) handleStopRun(w http.ResponseWriter, r *http.Request) {
	req := struct {
		Graceful *bool `json:"graceful"`
	}{}
	if err := decodeBody(r.Body, &req, true); err != nil {
		writeBodyError(w, err)
		return
	}
	graceful := req.Graceful == nil || *req.Graceful
	st, err := a.host(r.Context()).Stop(r.Context(), r.PathValue("id"), graceful)
	if err != nil {
		writeEngineError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, toRunStatus(st))
}

// readRunConfig reads a run config body over the form's defaults; false: it wrote
// the error (settings an Admin must fix first, or a body that does not decode).
func (a *App) readRunConfig(w http.ResponseWriter, r *http.Request) (RunConfig, bool) {
	if a.settingsErr != nil {
		writeError(w, http.StatusInternalServerError, "", fmt.Sprintf("the app settings are invalid (%v); an Admin must fix them on the app's configuration page", a.settingsErr))
		return RunConfig{}, false
	}
	cfg := a.defaultRunConfig()
	if err := decodeBody(r.Body, &cfg, false); err != nil {
		writeBodyError(w, err)
		return RunConfig{}, false
	}
	return cfg, true
}

func (a *App) handleStartRun(w http.ResponseWriter, r *http.Request) {
	cfg, ok := a.readRunConfig(w, r)
	if !ok {
		return
	}
	rc, status, ferr := a.validate(r, cfg)
	if ferr != nil {
		writeError(w, status, ferr.Field, ferr.Message)
		return
	}
	st, err := a.pool.Start(r.Context(), backend.PluginConfigFromContext(r.Context()).OrgID, rc, a.settings.MaxConcurrentRuns)
	if err != nil {
		writeEngineError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, toRunStatus(st))
}

// handleCleanupRun removes what an ended run left on its target, through the
// engine, logging in with this org's current targetAdminPassword (an Admin who
// fixed a wrong password can then clean up) over the org's current TLS settings
// for the target: the password goes only where they verify it. The run's target
// must still be in the org's allowlist.
func (a *App) handleCleanupRun(w http.ResponseWriter, r *http.Request) {
	if err := decodeBody(r.Body, &struct{}{}, true); err != nil {
		writeBodyError(w, err)
		return
	}
	if a.settingsErr != nil {
		writeError(w, http.StatusInternalServerError, "", fmt.Sprintf("the app settings are invalid (%v); an Admin must fix them on the app's configuration page", a.settingsErr))
		return
	}
	host := a.host(r.Context())
	id := r.PathValue("id")
	st, err := host.Status(r.Context(), id)
	if err != nil {
		writeEngineError(w, err)
		return
	}
	if st.Config.BaseURL != "" {
		t, err := parseTarget(st.Config.BaseURL)
		if err != nil || !a.settings.allow.allows(t) {
			writeError(w, http.StatusForbidden, "", fmt.Sprintf("the run's target %s is no longer in the app's allowedTargets; an Admin can add it back to clean up, or remove the data with `trafficsim cleanup --run %s`", st.Config.BaseURL, id))
			return
		}
	}
	st, err = host.CleanupRun(r.Context(), enginerpc.CleanupRequest{ID: id, AdminPassword: a.settings.TargetAdminPassword,
		TLS: a.tlsOf(st.Config.BaseURL)})
	if err != nil {
		writeEngineError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, toRunStatus(st))
}

// validate checks a run config against the API's rules and the admin's limits and
// returns the first problem; the engine validates again (its own parsers and
// rules) when the run starts, and its field errors are mapped back.
func (a *App) validate(r *http.Request, c RunConfig) (enginerpc.RunConfig, int, *enginerpc.FieldError) {
	cfg, problems := a.checkRun(r, c)
	if len(problems) > 0 {
		return enginerpc.RunConfig{}, problems[0].status, problems[0].err
	}
	return cfg, 0, nil
}

// The longest duration a run config's fields take, in their units.
const (
	maxSeconds = int(loadshape.MaxDuration / time.Second)
	maxMillis  = int(loadshape.MaxDuration / time.Millisecond)
)

// problem is a field a run config gets wrong, with the HTTP status it earns.
type problem struct {
	status int
	err    *enginerpc.FieldError
}

// checkRun checks every field of a run config against the API's rules and the
// admin's limits, at most one problem per field, in the order of the form; without
// problems it returns the config for the engine.
func (a *App) checkRun(r *http.Request, c RunConfig) (enginerpc.RunConfig, []problem) {
	var problems []problem
	add := func(status int, ferr *enginerpc.FieldError) {
		if !slices.ContainsFunc(problems, func(p problem) bool { return p.err.Field == ferr.Field }) {
			problems = append(problems, problem{status, ferr})
		}
	}
	bad := func(field, format string, args ...any) {
		add(http.StatusBadRequest, &enginerpc.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	// With VU stages the run's VUs are the largest stage target (as the engine
	// runs them): users is not used, and the stages are held to maxUsers instead.
	withStages := strings.TrimSpace(c.Stages) != ""
	switch {
	case withStages:
	case c.Users < 1:
		bad("users", "must be at least 1")
	case c.Users > a.settings.MaxUsers:
		bad("users", "%d is above the limit of %d users per run set by the app's maxUsers setting", c.Users, a.settings.MaxUsers)
	}
	if c.MinRequestCount < 1 {
		bad("minRequestCount", "must be at least 1")
	}
	if c.MaxRequestCount < c.MinRequestCount {
		bad("maxRequestCount", "must be at least minRequestCount (%d)", c.MinRequestCount)
	}
	// The bounds keep every duration far from time.Duration's overflow, which
	// would turn a huge number into a short (or endless) run.
	switch {
	case c.DurationSeconds < 0:
		bad("durationSeconds", "must be 0 (until every user is done) or more")
	case c.DurationSeconds > maxSeconds:
		bad("durationSeconds", "%d is more than %d (%v), the longest run; ask for less", c.DurationSeconds, maxSeconds, loadshape.MaxDuration)
	}
	switch {
	case c.DelayMinMs < 0:
		bad("delayMinMs", "must be 0 or more")
	case c.DelayMinMs > maxMillis:
		bad("delayMinMs", "%d is more than %d (%v); ask for less", c.DelayMinMs, maxMillis, loadshape.MaxDuration)
	}
	switch {
	case c.DelayMaxMs < c.DelayMinMs:
		bad("delayMaxMs", "must be at least delayMinMs (%d)", c.DelayMinMs)
	case c.DelayMaxMs > maxMillis:
		bad("delayMaxMs", "%d is more than %d (%v); ask for less", c.DelayMaxMs, maxMillis, loadshape.MaxDuration)
	}
	if c.Seed < 0 {
		bad("seed", "must be 0 (chosen by the engine) or a positive number")
	}
	if strings.TrimSpace(c.Scenario) == "" {
		bad("scenario", "is required; GET /scenarios lists the built-in ones")
	}
	baseURL := ""
	if strings.TrimSpace(c.BaseURL) != "" {
		var status int
		var ferr *enginerpc.FieldError
		if baseURL, status, ferr = a.allowedTarget(c.BaseURL); ferr != nil {
			add(status, ferr)
		}
	}
	prof, status, ferr := a.namedProfile(c.APIProfile, baseURL)
	// A rejected baseUrl says enough: the profile goes with a target that passed.
	if ferr != nil && (baseURL != "" || strings.TrimSpace(c.BaseURL) == "") {
		add(status, ferr)
	}
	cfg := enginerpc.RunConfig{
		Users:           c.Users,
		MinRequestCount: c.MinRequestCount,
		MaxRequestCount: c.MaxRequestCount,
		Duration:        time.Duration(c.DurationSeconds) * time.Second,
		BaseURL:         baseURL,
		DelayMin:        time.Duration(c.DelayMinMs) * time.Millisecond,
		DelayMax:        time.Duration(c.DelayMaxMs) * time.Millisecond,
		Scenario:        c.Scenario,
		Seed:            c.Seed,
		AdminPassword:   a.settings.TargetAdminPassword,
		Cleanup:         true,
		APIProfile:      prof.YAML,
		APIProfileName:  prof.Name,
		TLS:             a.tlsOf(baseURL),
	}
	for _, ferr := range a.loadModel(c, &cfg) {
		add(http.StatusBadRequest, ferr)
	}
	if withStages {
		cfg.Users = 1
		for _, st := range cfg.Stages {
			cfg.Users = max(cfg.Users, int(st.Target))
		}
	}
	if strings.TrimSpace(c.Scenario) != "" {
		scenarios, err := a.host(r.Context()).Scenarios(r.Context())
		if err != nil {
			add(http.StatusServiceUnavailable, &enginerpc.FieldError{Message: err.Error()})
		} else if !slices.ContainsFunc(scenarios, func(s enginerpc.Scenario) bool { return s.Name == c.Scenario }) {
			names := make([]string, len(scenarios))
			for i, s := range scenarios {
				names[i] = s.Name
			}
			bad("scenario", "%q is not a built-in scenario; choose one of %s", c.Scenario, strings.Join(names, ", "))
		}
	}
	return cfg, problems
}

// handleValidate checks a run config as POST /runs would, starting nothing: the
// API's rules and the org's limits and allowlist here, then the engine's own
// parsers and rules (enginerpc Validate). 200 {"ok", "errors": {field: message}};
// the form shows the messages under its fields as the user types.
func (a *App) handleValidate(w http.ResponseWriter, r *http.Request) {
	c, ok := a.readRunConfig(w, r)
	if !ok {
		return
	}
	cfg, problems := a.checkRun(r, c)
	errs := map[string]string{}
	for _, p := range problems {
		if p.err.Field == "" { // the engine could not be asked
			writeError(w, p.status, "", p.err.Message)
			return
		}
		errs[p.err.Field] = p.err.Message
	}
	if len(errs) == 0 {
		var fe *enginerpc.FieldError
		switch err := a.host(r.Context()).Validate(r.Context(), cfg); {
		case errors.As(err, &fe):
			field, msg := apiFieldError(fe)
			errs[field] = msg
		case err != nil:
			writeEngineError(w, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": len(errs) == 0, "errors": errs})
}

// allowedTarget parses a target URL (http(s)://host[:port], no path: the
// engine's --base-url takes none) and checks it against the org's allowlist;
// it returns the canonical URL the engine is given.
func (a *App) allowedTarget(raw string) (string, int, *enginerpc.FieldError) {
	t, err := parseRoot(raw, "give baseUrl")
	if err != nil {
		return "", http.StatusBadRequest, &enginerpc.FieldError{Field: "baseUrl", Message: err.Error()}
	}
	if !a.settings.allow.allows(t) {
		return "", http.StatusForbidden, &enginerpc.FieldError{Field: "baseUrl",
			Message: fmt.Sprintf("%s is not in the app's allowedTargets; an Admin can add it (scheme, host and port) on the app's configuration page, or leave baseUrl empty for the embedded reference target", t.url)}
	}
	return t.url, 0, nil
}

// tlsOf is the org's TLS settings for an allowed target URL ("": the
// embedded target, plain HTTP).
func (a *App) tlsOf(baseURL string) enginerpc.TLS {
	if baseURL == "" {
		return enginerpc.TLS{}
	}
	t, err := parseTarget(baseURL)
	if err != nil {
		return enginerpc.TLS{}
	}
	return a.settings.tlsFor(t)
}

// namedProfile finds the app's API profile called name ("": none) for the
// target baseURL; a profile needs a target, the embedded one is the reference API.
func (a *App) namedProfile(name, baseURL string) (APIProfile, int, *enginerpc.FieldError) {
	if name == "" {
		return APIProfile{}, 0, nil
	}
	p, ok := a.settings.profile(name)
	if !ok {
		names := make([]string, len(a.settings.APIProfiles))
		for i, p := range a.settings.APIProfiles {
			names[i] = p.Name
		}
		return APIProfile{}, http.StatusBadRequest, &enginerpc.FieldError{Field: "apiProfile",
			Message: fmt.Sprintf("%q is not one of the app's API profiles (%s); an Admin adds profiles on the app's configuration page", name, strings.Join(names, ", "))}
	}
	if baseURL == "" {
		return APIProfile{}, http.StatusBadRequest, &enginerpc.FieldError{Field: "apiProfile",
			Message: "applies to a target given in baseUrl; the embedded reference target needs no profile"}
	}
	return p, 0, nil
}

// checkRequest is POST /check's body.
type checkRequest struct {
	BaseURL    string `json:"baseUrl"`
	APIProfile string `json:"apiProfile"`
}

// checkRowJSON is one row of the check's table.
type checkRowJSON struct {
	Capability string `json:"capability"`
	Method     string `json:"method"`
	Path       string `json:"path"`
	Status     int    `json:"status"` // 0: no answer
	Verdict    string `json:"verdict"`
	Fix        string `json:"fix"`
	Note       string `json:"note"`
}

// handleCheck runs the engine's check (`trafficsim check`) of an allowlisted
// target under one of the app's API profiles, logging in with this org's
// targetAdminPassword. The engine's client follows no redirects.
func (a *App) handleCheck(w http.ResponseWriter, r *http.Request) {
	if a.settingsErr != nil {
		writeError(w, http.StatusInternalServerError, "", fmt.Sprintf("the app settings are invalid (%v); an Admin must fix them on the app's configuration page", a.settingsErr))
		return
	}
	var req checkRequest
	if err := decodeBody(r.Body, &req, false); err != nil {
		writeBodyError(w, err)
		return
	}
	if strings.TrimSpace(req.BaseURL) == "" {
		writeError(w, http.StatusBadRequest, "baseUrl", "is required: the check runs against a target from the app's allowedTargets (the embedded reference target needs none)")
		return
	}
	baseURL, status, ferr := a.allowedTarget(req.BaseURL)
	if ferr == nil {
		var prof APIProfile
		prof, status, ferr = a.namedProfile(req.APIProfile, baseURL)
		if ferr == nil {
			a.runCheck(w, r, enginerpc.CheckRequest{BaseURL: baseURL, APIProfile: prof.YAML, APIProfileName: prof.Name,
				AdminPassword: a.settings.TargetAdminPassword, OrgID: backend.PluginConfigFromContext(r.Context()).OrgID,
				TLS: a.tlsOf(baseURL)})
			return
		}
	}
	writeError(w, status, ferr.Field, ferr.Message)
}

func (a *App) runCheck(w http.ResponseWriter, r *http.Request, req enginerpc.CheckRequest) {
	rep, err := a.host(r.Context()).CheckTarget(r.Context(), req)
	if err != nil {
		writeEngineError(w, err)
		return
	}
	rows := make([]checkRowJSON, len(rep.Rows))
	passed := rep.Fatal == ""
	for i, x := range rep.Rows {
		rows[i] = checkRowJSON(x)
		passed = passed && x.Verdict != "FAIL"
	}
	writeJSON(w, http.StatusOK, map[string]any{"rows": rows, "fatal": engineWords.Replace(rep.Fatal), "passed": passed, "warnings": tlsWarnings(req.TLS)})
}

// handleValidateProfile has the engine parse an API profile before an Admin
// saves it: 200 {"ok": true}, else 400 naming the line and the mistake.
func (a *App) handleValidateProfile(w http.ResponseWriter, r *http.Request) {
	var req APIProfile
	if err := decodeBody(r.Body, &req, false); err != nil {
		writeBodyError(w, err)
		return
	}
	if _, err := checkProfiles([]APIProfile{req}); err != nil {
		writeError(w, http.StatusBadRequest, "apiProfile", strings.TrimPrefix(err.Error(), "apiProfiles[0]."))
		return
	}
	if _, err := a.host(r.Context()).CheckTarget(r.Context(), enginerpc.CheckRequest{APIProfile: req.YAML, APIProfileName: req.Name}); err != nil {
		writeEngineError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

// loadModel reads the load-model fields into out and checks that no model asks
// for more VUs than the app's maxUsers; one error per field. How the fields combine
// (stages or a rate, not both) is the engine's rule; its errors come back in the
// API's words (engineWords).
func (a *App) loadModel(c RunConfig, out *enginerpc.RunConfig) []*enginerpc.FieldError {
	var errs []*enginerpc.FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, &enginerpc.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	var err error
	switch {
	case c.RampUpSeconds < 0:
		bad("rampUpSeconds", "must be 0 (every user at once) or more")
	case c.RampUpSeconds > maxSeconds:
		bad("rampUpSeconds", "%d is more than %d (%v); ask for less", c.RampUpSeconds, maxSeconds, loadshape.MaxDuration)
	}
	out.RampUp = time.Duration(c.RampUpSeconds) * time.Second
	if strings.TrimSpace(c.Stages) != "" {
		if out.Stages, err = loadshape.ParseStages(c.Stages); err != nil {
			bad("stages", "%v", err)
		}
	}
	if strings.TrimSpace(c.Rate) != "" {
		if out.Rate, err = loadshape.ParseRate(c.Rate); err != nil {
			bad("rate", "%v", err)
		}
	}
	if strings.TrimSpace(c.RateStages) != "" {
		if out.RateStages, err = loadshape.ParseRateStages(c.RateStages); err != nil {
			bad("rateStages", "%v", err)
		}
	}
	out.MaxVUs, out.MaxRPS = c.MaxVUs, c.MaxRPS
	if c.MaxRPS < 0 || math.IsNaN(c.MaxRPS) || math.IsInf(c.MaxRPS, 0) {
		bad("maxRps", "must be 0 (no cap) or a positive number of requests per second")
	}
	switch {
	case c.MaxVUs < 0:
		bad("maxVus", "must be 0 (the pool is users) or more")
	case c.MaxVUs > a.settings.MaxUsers:
		bad("maxVus", "%d is above the limit of %d users per run set by the app's maxUsers setting", c.MaxVUs, a.settings.MaxUsers)
	}
	for i, st := range out.Stages {
		if st.Target > float64(a.settings.MaxUsers) {
			bad("stages", "stage %d asks for %g VUs, above the limit of %d users per run set by the app's maxUsers setting", i+1, st.Target, a.settings.MaxUsers)
			break
		}
	}
	return errs
}

// engineFields maps the engine's (protobuf) field names to the API's.
var engineFields = map[string]string{
	"users":             "users",
	"min_request_count": "minRequestCount",
	"max_request_count": "maxRequestCount",
	"duration_ms":       "durationSeconds",
	"base_url":          "baseUrl",
	"delay_min_ms":      "delayMinMs",
	"delay_max_ms":      "delayMaxMs",
	"scenario":          "scenario",
	"seed":              "seed",
	"ramp_up_ms":        "rampUpSeconds",
	"stages":            "stages",
	"rate":              "rate",
	"rate_stages":       "rateStages",
	"max_vus":           "maxVus",
	"max_rps":           "maxRps",
	"admin_password":    "targetAdminPassword", // the app setting it comes from
	"api_profile":       "apiProfile",
}

// engineWords turns the engine's messages, which name `trafficsim run`'s flags,
// into the API's field names (longer flags first: --rate-stages before --rate).
var engineWords = strings.NewReplacer(
	// Advice that has no plugin counterpart goes first, whole: a plugin run is
	// one process, sized by the app, and its admin password is a setting.
	"; split the run over processes or machines with --shard i/N (each runs 1/N of --users), or ask fewer --users", "; ask fewer users",
	" (the machine's available memory, or --max-memory)", " (the machine's available memory)",
	"--admin-user and --admin-password (or TRAFFICSIM_ADMIN_PASSWORD)", "the app's targetAdminPassword setting",
	"--admin-user and --admin-password, or TRAFFICSIM_ADMIN_PASSWORD", "the app's targetAdminPassword setting",
	"--rate-stages", "rateStages", "--rate", "rate", "--ramp-up", "rampUpSeconds", "--stages", "stages",
	"--max-vus", "maxVus", "--max-rps", "maxRps", "--users", "users", "--duration", "durationSeconds",
	"--min-request-count", "minRequestCount", "--max-request-count", "maxRequestCount",
	"--delay-min", "delayMinMs", "--delay-max", "delayMaxMs", "--seed", "seed", "--scenario", "scenario",
	"--base-url", "baseUrl", "--api-profile", "apiProfile",
	"--admin-user and --admin-password", "the app's targetAdminPassword setting",
	"--admin-password", "the app's targetAdminPassword setting",
	"--ca-cert FILE", "the target's CA certificate (the app's configuration page, TLS of the allowed target)",
	"--tls-server-name NAME", "the target's TLS server name (the app's configuration page)",
	"--client-cert and --client-key", "the target's client certificate and key (the app's configuration page)",
)

// apiFieldError words an engine's field error in the API's names.
func apiFieldError(fe *enginerpc.FieldError) (field, msg string) {
	field, ok := engineFields[fe.Field]
	if !ok {
		field = fe.Field
	}
	return field, engineWords.Replace(fe.Message)
}

func writeEngineError(w http.ResponseWriter, err error) {
	var fe *enginerpc.FieldError
	switch {
	case errors.As(err, &fe):
		field, msg := apiFieldError(fe)
		writeError(w, http.StatusBadRequest, field, msg)
	case errors.Is(err, enginerpc.ErrNotFound):
		writeError(w, http.StatusNotFound, "", "no such run (runs are forgotten some time after they end)")
	case errors.Is(err, enginehost.ErrTooManyRuns), errors.Is(err, enginehost.ErrTooManyUsers):
		writeError(w, http.StatusConflict, "", err.Error())
	case errors.Is(err, enginehost.ErrMetricsAddrTaken):
		writeError(w, http.StatusConflict, "metricsAddr", err.Error())
	case errors.Is(err, enginerpc.ErrRunActive):
		writeError(w, http.StatusConflict, "", err.Error())
	case errors.Is(err, enginehost.ErrEngineMissing), errors.Is(err, enginehost.ErrEngineChecksum):
		writeError(w, http.StatusServiceUnavailable, "", err.Error())
	default:
		writeError(w, http.StatusBadGateway, "", "engine: "+err.Error())
	}
}

// maxBody is the largest request body the resources read.
const maxBody = 1 << 20

// Body errors, each with its status.
var (
	errBodyTooLarge  = fmt.Errorf("the request body is larger than the limit of %d bytes (1 MiB)", maxBody)
	errBodyEmpty     = errors.New("the request body is empty; send one JSON object")
	errBodyTrailing  = errors.New("the request body has data after its JSON object; send exactly one JSON object")
	errBodyNotObject = errors.New("the request body must be one JSON object ({...})")
)

// decodeBody reads a body of exactly one JSON object (at most maxBody bytes),
// refusing unknown fields. optional: an empty body is allowed (v keeps its values).
func decodeBody(body io.Reader, v any, optional bool) error {
	var raw []byte
	if body != nil {
		var err error
		if raw, err = io.ReadAll(io.LimitReader(body, maxBody+1)); err != nil {
			return fmt.Errorf("read the request body: %w", err)
		}
	}
	if len(raw) > maxBody {
		return errBodyTooLarge
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		if optional {
			return nil
		}
		return errBodyEmpty
	}
	if bytes.TrimSpace(raw)[0] != '{' {
		return errBodyNotObject
	}
	if err := exactKeys(raw, v); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errBodyTrailing
	}
	return nil
}

// exactKeys refuses a top-level member of raw that is not spelled exactly as one
// of v's (a struct pointer) JSON fields, or that is output only (tag api:"output"):
// encoding/json matches names regardless of case and takes output fields, so
// {"baseURL": …} or {"insecureSkipVerify": true} would pass for what they are not.
func exactKeys(raw []byte, v any) error {
	var members map[string]json.RawMessage
	if json.Unmarshal(raw, &members) != nil {
		return nil // the decoder says what is wrong
	}
	t := reflect.TypeOf(v)
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil
	}
	names := map[string]bool{} // name → taken
	for f := range t.Elem().Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names[name] = f.Tag.Get("api") != "output"
	}
	keys := slices.Sorted(maps.Keys(members))
	for _, k := range keys {
		taken, known := names[k]
		switch {
		case known && !taken:
			return &fieldError{Field: k, Message: "is reported in a run's status, never taken from a request; the target's TLS settings are the Admin's (targetTls on the app's configuration page)"}
		case known:
			continue
		}
		for name := range names {
			if strings.EqualFold(name, k) {
				return &fieldError{Field: k, Message: fmt.Sprintf("is not a field; names are case-sensitive: did you mean %q?", name)}
			}
		}
	}
	return nil
}

// writeBodyError reports a body that does not decode, naming the field when it can.
func writeBodyError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, errBodyTooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, "", err.Error())
		return
	case errors.Is(err, errBodyEmpty), errors.Is(err, errBodyTrailing), errors.Is(err, errBodyNotObject):
		writeError(w, http.StatusBadRequest, "", err.Error())
		return
	}
	var fe *fieldError
	if errors.As(err, &fe) {
		writeError(w, http.StatusBadRequest, fe.Field, fe.Message)
		return
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		writeError(w, http.StatusBadRequest, te.Field, fmt.Sprintf("must be a %s, not a JSON %s", te.Type, te.Value))
		return
	}
	if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
		field := strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`)
		writeError(w, http.StatusBadRequest, field, "is not a run setting; see docs/plugin.md for the fields")
		return
	}
	writeError(w, http.StatusBadRequest, "", "the request body is not valid JSON: "+err.Error())
}

type errorJSON struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

func writeError(w http.ResponseWriter, status int, field, msg string) {
	if field != "" {
		msg = field + ": " + msg
	}
	writeJSON(w, status, errorJSON{Error: msg, Field: field})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("marshal %T: %v", v, err))
	}
	return b
}
