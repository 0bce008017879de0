// Package scenario reads scenario files: who the virtual users are (archetypes
// and their journeys), what they do afterwards (the request mix by endpoint group
// and the weight of each action), how long they think, which client errors they
// make on purpose, and the API profile of the target. The built-in scenarios are
// embedded files in the same format (docs/scenarios.md).
package scenario

import (
	"embed"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/client"
	"github.com/trafficsim/trafficsim/engine/inputfile"
	"github.com/trafficsim/trafficsim/engine/threshold"
)

//go:embed builtin/*.yaml
var builtinFS embed.FS

// Scenario is a loaded, validated scenario.
type Scenario struct {
	Name        string
	Description string
	Source      string // "built-in" or the file path
	// Archetypes sorted by name.
	Archetypes []Archetype
	// Mix is the share of requests per endpoint group (sums to 1), in
	// catalog.Groups order.
	Mix [catalog.NumGroups]float64
	// Actions are the weighted actions per group, in catalog.Groups order.
	Actions [catalog.NumGroups][]Weighted
	// ClientErrors is the share of requests the VUs aim to see answered 4xx;
	// deliberate errors make up what other 4xx leave.
	ClientErrors float64
	// ServerErrors is the share of requests the embedded target answers 500.
	ServerErrors float64
	// ErrorKinds are the deliberate errors, weighted.
	ErrorKinds []Weighted
	Think      map[string]Shape
	API        client.Profile
	// Requests are the plain requests (`requests:`), in file order.
	Requests []Request
	// Load is the load model of the `load:` section (zero: none).
	Load LoadModel
	// Plain is a scenario of requests without archetypes: its VUs (archetype
	// "plain") send the requests picked by weight, with no user-service logic.
	Plain bool
	// Thresholds are the `thresholds:` criteria, judged together with
	// --threshold (docs/thresholds.md).
	Thresholds []threshold.Threshold
	// Connections limits the connection pool of endpoint groups
	// (`connections:`, group: N); --max-conns-per-group overrides a group's.
	Connections map[string]int
}

// Archetype is a kind of user.
type Archetype struct {
	Name     string
	Weight   float64
	Admin    bool // logs in with the admin credentials
	Sessions [2]int
	Journey  []string
	// AccountPerSession: every session signs up a new account (`account:
	// session`) instead of the VU keeping one account for all its sessions.
	AccountPerSession bool
}

// MaxSessions bounds an archetype's sessions per VU: as many as the largest
// request budget allows a session of a few requests (--max-request-count is
// at most 10,000,000), for soak runs of short sessions.
const MaxSessions = 1_000_000

// The values of an archetype's `account:`.
const (
	AccountPerVU      = "vu"
	AccountPerSession = "session"
)

// Weighted is a name with a weight.
type Weighted struct {
	Name   string
	Weight float64
}

// Shape is a think-time distribution. A pause is placed in the run's
// [delay-min, delay-max]: at Median (0 = delay-min, 1 = delay-max) times a
// log-normal factor with the given Spread (σ), clamped to the range. People
// pause briefly mostly and long sometimes; the log-normal has that skew.
type Shape struct {
	Median float64 `yaml:"median"`
	Spread float64 `yaml:"spread"`
}

// Draw returns one pause within [lo, hi]; pace scales the median (a VU's
// personal speed, 1 = average).
func (s Shape) Draw(r *rand.Rand, lo, hi time.Duration, pace float64) time.Duration {
	if hi <= lo {
		return lo
	}
	pos := s.Median * pace
	if s.Spread > 0 {
		pos *= math.Exp(s.Spread * r.NormFloat64())
	}
	pos = min(max(pos, 0), 1)
	return lo + time.Duration(pos*float64(hi-lo))
}

// file is the YAML form.
type file struct {
	Name        string                        `yaml:"name"`
	Description string                        `yaml:"description"`
	Base        string                        `yaml:"base"`
	Archetypes  map[string]fileArchetype      `yaml:"archetypes"`
	Mix         map[string]float64            `yaml:"mix"`
	Actions     map[string]map[string]float64 `yaml:"actions"`
	Errors      fileErrors                    `yaml:"errors"`
	Think       map[string]Shape              `yaml:"think"`
	API         client.Profile                `yaml:"api"`
	Requests    []fileRequest                 `yaml:"requests"`
	Load        *fileLoad                     `yaml:"load"`
	Thresholds  []string                      `yaml:"thresholds"`
	Connections map[string]int                `yaml:"connections"`
}

type fileArchetype struct {
	// Weight and Admin are pointers so that an override of a base scenario's
	// archetype that leaves them out keeps the base's (mergeBase).
	Weight   *float64  `yaml:"weight"`
	Admin    *bool     `yaml:"admin"`
	Sessions *Sessions `yaml:"sessions"`
	Journey  []string  `yaml:"journey"`
	Account  *string   `yaml:"account"`
}

// Sessions is how many sessions (login … logout) a VU of an archetype runs.
type Sessions struct {
	Min int `yaml:"min"`
	Max int `yaml:"max"`
}

type fileErrors struct {
	Client *float64           `yaml:"client"`
	Server *float64           `yaml:"server"`
	Kinds  map[string]float64 `yaml:"kinds"`
}

// Info names a built-in scenario.
type Info struct {
	Name        string
	Description string
}

// builtinOrder is the order built-ins are listed in.
var builtinOrder = []string{"mixed", "development", "load_test", "metrics_generation", "new_user", "active_user", "admin", "power_user"}

// Builtins lists the built-in scenarios.
func Builtins() []Info {
	out := make([]Info, 0, len(builtinOrder))
	for _, n := range builtinOrder {
		s, err := Builtin(n)
		if err != nil {
			panic(err) // embedded files are tested
		}
		out = append(out, Info{Name: s.Name, Description: s.Description})
	}
	return out
}

// BuiltinNames lists the names of the built-in scenarios.
func BuiltinNames() []string { return slices.Clone(builtinOrder) }

// IsBuiltin reports whether name is a built-in scenario.
func IsBuiltin(name string) bool { return slices.Contains(builtinOrder, name) }

// Builtin loads a built-in scenario.
func Builtin(name string) (*Scenario, error) {
	if !IsBuiltin(name) {
		return nil, fmt.Errorf("unknown scenario %q: use one of %s, or the path of a scenario file", name, strings.Join(builtinOrder, ", "))
	}
	data, err := builtinFS.ReadFile("builtin/" + name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("read built-in scenario %s: %w", name, err)
	}
	return parse(data, name+".yaml (built-in)", "built-in", 0)
}

// Load loads a built-in scenario by name, or a scenario file by path.
func Load(nameOrPath string) (*Scenario, error) {
	if IsBuiltin(nameOrPath) {
		return Builtin(nameOrPath)
	}
	if !strings.ContainsAny(nameOrPath, `/\.`) {
		return nil, fmt.Errorf("unknown scenario %q: use one of %s, or the path of a scenario file", nameOrPath, strings.Join(builtinOrder, ", "))
	}
	return LoadFile(nameOrPath)
}

// LoadFile loads a scenario file.
func LoadFile(path string) (*Scenario, error) {
	data, err := inputfile.Read(path, inputfile.ConfigLimit)
	if err != nil {
		return nil, fmt.Errorf("read scenario file: %w", err)
	}
	return parse(data, path, path, 0)
}

// Parse parses scenario YAML; name is used in error messages (a file name).
func Parse(data []byte, name string) (*Scenario, error) { return parse(data, name, name, 0) }

// Error is a mistake in a scenario or API profile file, with where it is.
type Error struct {
	File   string
	Line   int    // 0 when unknown
	Column int    // 0 when unknown
	Field  string // e.g. archetypes.admin.weight
	// Message says what is wrong and how to fix it.
	Message string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
		if e.Column > 0 {
			b.WriteString(":" + strconv.Itoa(e.Column))
		}
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

func parse(data []byte, fileName, source string, depth int) (*Scenario, error) {
	root, err := parseNode(fileName, data)
	if err != nil {
		return nil, err
	}
	if len(root.Content) == 0 {
		return nil, &Error{File: fileName, Message: "the file is empty; see docs/scenarios.md for the format"}
	}
	// A base scenario first, then this file over it.
	var head struct {
		Base string `yaml:"base"`
	}
	_ = root.Decode(&head) // a base of the wrong kind is reported by decodeNode
	var f file
	if head.Base != "" {
		if depth > 0 || !IsBuiltin(head.Base) {
			return nil, (&Error{Field: "base", Message: fmt.Sprintf("%q is not a built-in scenario; use one of %s", head.Base, strings.Join(builtinOrder, ", "))}).place(fileName, root)
		}
		bf, err := resolveBase(head.Base, readBuiltin, nil)
		if err != nil {
			return nil, (&Error{Field: "base", Message: err.Error()}).place(fileName, root)
		}
		f = *bf
		f.Name, f.Description = "", ""
	}
	base := f.Archetypes
	f.Archetypes = nil
	if err := decodeNode(fileName, "docs/scenarios.md", root, &f); err != nil {
		return nil, err
	}
	mergeBase(&f, base)
	s, ferr := build(&f, source)
	if ferr == nil {
		s.Load, ferr = buildLoad(f.Load)
	}
	if ferr == nil {
		s.Thresholds, ferr = buildThresholds(f.Thresholds, s.ThresholdGroups())
	}
	if ferr != nil {
		return nil, ferr.place(fileName, root)
	}
	if s.Name == "" {
		s.Name = strings.TrimSuffix(filepath.Base(fileName), filepath.Ext(fileName))
	}
	return s, nil
}

// readBuiltin reads a built-in scenario's file.
func readBuiltin(name string) ([]byte, error) { return builtinFS.ReadFile("builtin/" + name + ".yaml") }

// resolveBase reads the built-in scenario name as a base: its own base first
// (built-ins build on one another, e.g. admin on mixed), then its file over
// it, as parse puts a file over its base. chain is the bases that led here; a
// name already on it is a cycle.
func resolveBase(name string, read func(string) ([]byte, error), chain []string) (*file, error) {
	chain = append(chain, name)
	if slices.Contains(chain[:len(chain)-1], name) {
		return nil, fmt.Errorf("the built-in scenarios' bases form a cycle (%s): a scenario cannot build on itself", strings.Join(chain, " → "))
	}
	data, err := read(name)
	if err != nil {
		return nil, fmt.Errorf("read built-in scenario %s: %w", name, err)
	}
	root, err := parseNode(name+".yaml (built-in)", data)
	if err != nil {
		return nil, fmt.Errorf("built-in scenario %s: %w", name, err)
	}
	var head struct {
		Base string `yaml:"base"`
	}
	if err := root.Decode(&head); err != nil {
		return nil, fmt.Errorf("built-in scenario %s: %w", name, err)
	}
	f := &file{}
	if head.Base != "" {
		if f, err = resolveBase(head.Base, read, chain); err != nil {
			return nil, err
		}
	}
	base := f.Archetypes
	f.Archetypes = nil
	if err := root.Decode(f); err != nil {
		return nil, fmt.Errorf("built-in scenario %s: %w", name, err)
	}
	mergeBase(f, base)
	return f, nil
}

var archetypeName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// build validates the YAML form and turns it into a Scenario: connections,
// requests, then either a plain scenario or the user-service sections.
func build(f *file, source string) (*Scenario, *Error) {
	s := &Scenario{Name: f.Name, Description: strings.TrimSpace(f.Description), Source: source, Think: map[string]Shape{}, API: f.API}
	if f.Name != "" && !archetypeName.MatchString(f.Name) {
		return nil, bad("name", "%q: use lowercase letters, digits and _ (at most 32)", f.Name)
	}
	for g, n := range f.Connections {
		if n < 1 || n > 100_000 {
			return nil, bad("connections."+g, "%d: give the group 1 to 100000 connections", n)
		}
	}
	s.Connections = f.Connections

	// Plain requests first: journeys may name them.
	reqs, rerr := buildRequests(f.Requests)
	if rerr != nil {
		return nil, rerr
	}
	s.Requests = reqs
	if len(f.Archetypes) == 0 && len(reqs) > 0 {
		return buildPlain(f, s)
	}
	for _, step := range []func(*file, *Scenario) *Error{buildArchetypes, buildMix, buildActions, buildErrors, buildThink, buildAPI} {
		if err := step(f, s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// bad is a mistake in the field (the position is found later, from it).
func bad(field, format string, args ...any) *Error {
	return &Error{Field: field, Message: fmt.Sprintf(format, args...)}
}

// weight checks a weight: a number ≥ 0.
func weight(field string, w float64) *Error {
	if !(w >= 0) || math.IsInf(w, 0) {
		return bad(field, "%v: must be a number ≥ 0", w)
	}
	return nil
}

// buildArchetypes fills s.Archetypes (sorted by name; weight 0 leaves one out).
func buildArchetypes(f *file, s *Scenario) *Error {
	var total float64
	for _, name := range slices.Sorted(maps.Keys(f.Archetypes)) {
		a := f.Archetypes[name]
		field := "archetypes." + name
		if !archetypeName.MatchString(name) {
			return bad(field, "%q: archetype names use lowercase letters, digits and _ (at most 32)", name)
		}
		if a.Weight == nil {
			return bad(field+".weight", "missing: give the archetype a weight, e.g. weight: 1 (0 turns it off)")
		}
		if err := weight(field+".weight", *a.Weight); err != nil {
			return err
		}
		if *a.Weight == 0 {
			continue
		}
		arch := Archetype{Name: name, Weight: *a.Weight, Admin: a.Admin != nil && *a.Admin, Sessions: [2]int{1, 1}, Journey: a.Journey}
		if a.Sessions != nil {
			if a.Sessions.Min < 1 || a.Sessions.Max < a.Sessions.Min || a.Sessions.Max > MaxSessions {
				return bad(field+".sessions", "min %d, max %d: want 1 ≤ min ≤ max ≤ %d", a.Sessions.Min, a.Sessions.Max, MaxSessions)
			}
			arch.Sessions = [2]int{a.Sessions.Min, a.Sessions.Max}
		}
		if a.Account != nil {
			switch *a.Account {
			case AccountPerVU:
			case AccountPerSession:
				if arch.Admin {
					return bad(field+".account", "session: admins log in with --admin-user; give an admin archetype account: vu (the default)")
				}
				arch.AccountPerSession = true
			default:
				return bad(field+".account", "%q: use vu (one account for all the VU's sessions, the default) or session (a new account every session)", *a.Account)
			}
		}
		if len(a.Journey) == 0 {
			return bad(field+".journey", "is empty; list the steps, e.g. [login, list_users, logout]")
		}
		for i, step := range a.Journey {
			if Action(step) == nil && s.Request(step) == nil {
				return bad(fmt.Sprintf("%s.journey.%d", field, i), "unknown step %q; steps are the actions (%s) and the names of the file's requests", step, strings.Join(catalog.ActionNames(""), ", "))
			}
		}
		total += arch.Weight
		s.Archetypes = append(s.Archetypes, arch)
	}
	if total == 0 {
		return bad("archetypes", "no archetype has a weight above 0; give at least one, e.g. active_user: {weight: 1, journey: [login, list_users]}")
	}
	return nil
}

// buildMix fills s.Mix: the groups' shares, summing to 1.
func buildMix(f *file, s *Scenario) *Error {
	var total float64
	for _, g := range slices.Sorted(maps.Keys(f.Mix)) {
		i := catalog.GroupIndex(g)
		if i < 0 {
			return bad("mix."+g, "unknown endpoint group; use %s", strings.Join(catalog.Groups, ", "))
		}
		if err := weight("mix."+g, f.Mix[g]); err != nil {
			return err
		}
		s.Mix[i] = f.Mix[g]
		total += f.Mix[g]
	}
	if total == 0 {
		return bad("mix", "no group has a weight above 0; e.g. mix: {auth: 20, user_query: 80}")
	}
	for i := range s.Mix {
		s.Mix[i] /= total
	}
	return nil
}

// buildActions fills s.Actions: every action of a group weighs 1 unless the
// file says otherwise.
func buildActions(f *file, s *Scenario) *Error {
	for g := range f.Actions {
		if catalog.GroupIndex(g) < 0 {
			return bad("actions."+g, "unknown endpoint group; use %s", strings.Join(catalog.Groups, ", "))
		}
	}
	for gi, g := range catalog.Groups {
		weights := f.Actions[g]
		for _, name := range slices.Sorted(maps.Keys(weights)) {
			field := "actions." + g + "." + name
			a := Action(name)
			if a == nil || a.JourneyOnly {
				return bad(field, "unknown action; the %s actions are %s", g, strings.Join(catalog.ActionNames(g), ", "))
			}
			if a.Group != g {
				return bad(field, "%s belongs to group %s", name, a.Group)
			}
			if err := weight(field, weights[name]); err != nil {
				return err
			}
		}
		for _, a := range catalog.Actions() {
			if a.JourneyOnly || a.Group != g {
				continue
			}
			w, set := weights[a.Name]
			if !set {
				w = 1
			}
			if w > 0 {
				s.Actions[gi] = append(s.Actions[gi], Weighted{Name: a.Name, Weight: w})
			}
		}
		if s.Mix[gi] > 0 && len(s.Actions[gi]) == 0 {
			return bad("actions."+g, "every action has weight 0 but mix.%s is above 0", g)
		}
	}
	return nil
}

// buildErrors fills the deliberate errors: the shares and the kinds, each
// kind weighing 1 unless the file says otherwise.
func buildErrors(f *file, s *Scenario) *Error {
	if f.Errors.Client != nil {
		s.ClientErrors = *f.Errors.Client
	}
	if f.Errors.Server != nil {
		s.ServerErrors = *f.Errors.Server
	}
	if !(s.ClientErrors >= 0 && s.ClientErrors <= 0.9) {
		return bad("errors.client", "%v: use a share from 0 to 0.9, e.g. 0.12", s.ClientErrors)
	}
	if !(s.ServerErrors >= 0 && s.ServerErrors <= 1) {
		return bad("errors.server", "%v: use a share from 0 to 1, e.g. 0.03", s.ServerErrors)
	}
	for _, name := range slices.Sorted(maps.Keys(f.Errors.Kinds)) {
		if ErrorKind(name) == nil {
			return bad("errors.kinds."+name, "unknown error kind; use %s", strings.Join(catalog.ErrorKindNames(), ", "))
		}
		if err := weight("errors.kinds."+name, f.Errors.Kinds[name]); err != nil {
			return err
		}
	}
	for _, k := range catalog.ErrorKinds() {
		w, set := f.Errors.Kinds[k.Name]
		if !set {
			w = 1
		}
		if w > 0 {
			s.ErrorKinds = append(s.ErrorKinds, Weighted{Name: k.Name, Weight: w})
		}
	}
	if s.ClientErrors > 0 && len(s.ErrorKinds) == 0 {
		return bad("errors.kinds", "every kind has weight 0 but errors.client is above 0")
	}
	return nil
}

// buildAPI checks the API profile; its errors name the field under api.
func buildAPI(f *file, _ *Scenario) *Error {
	if err := f.API.Validate(); err != nil {
		var fe *client.FieldError
		if errors.As(err, &fe) {
			return bad("api."+fe.Field, "%s", fe.Message)
		}
		return bad("api", "%v", err)
	}
	return nil
}

// buildThink fills s.Think: the default shapes, overridden by the file's.
func buildThink(f *file, s *Scenario) *Error {
	defaults := map[string]Shape{
		ThinkQuick: {Median: 0.1, Spread: 0.6},
		ThinkRead:  {Median: 0.35, Spread: 0.5},
		ThinkForm:  {Median: 0.7, Spread: 0.3},
		ThinkPause: {Median: 1, Spread: 0},
	}
	maps.Copy(s.Think, defaults)
	for _, c := range slices.Sorted(maps.Keys(f.Think)) {
		sh := f.Think[c]
		if _, ok := defaults[c]; !ok {
			return bad("think."+c, "unknown think-time class; use %s", strings.Join(ThinkClasses, ", "))
		}
		if !(sh.Median >= 0 && sh.Median <= 1) {
			return bad("think."+c+".median", "%v: use 0 (delay-min) to 1 (delay-max)", sh.Median)
		}
		if !(sh.Spread >= 0 && sh.Spread <= 3) {
			return bad("think."+c+".spread", "%v: use 0 (always the median) to 3", sh.Spread)
		}
		s.Think[c] = sh
	}

	return nil
}

// buildPlain finishes a plain scenario: requests and no archetypes. The
// user-service sections do not apply to it.
func buildPlain(f *file, s *Scenario) (*Scenario, *Error) {
	switch {
	case len(f.Mix) > 0:
		return nil, bad("mix", "a plain scenario (requests, no archetypes) picks its requests by their weight; remove mix, or add archetypes whose journeys name the requests")
	case len(f.Actions) > 0:
		return nil, bad("actions", "a plain scenario (requests, no archetypes) has no user-service actions; remove actions")
	case f.Errors.Client != nil || f.Errors.Server != nil || len(f.Errors.Kinds) > 0:
		return nil, bad("errors", "a plain scenario (requests, no archetypes) makes no deliberate errors; remove errors and use expect: on a request instead")
	}
	var total float64
	for _, r := range s.Requests {
		total += r.Weight
	}
	if total == 0 {
		return nil, bad("requests", "no request has a weight above 0; give at least one a weight, e.g. weight: 1")
	}
	for i, r := range s.Requests {
		if r.Auth {
			return nil, bad(fmt.Sprintf("requests.%d.auth", i), "a plain scenario has no accounts to log in with; set headers (e.g. Authorization) instead, or name the request in an archetype's journey")
		}
	}
	s.Plain = true
	s.Archetypes = []Archetype{{Name: PlainArchetype, Weight: 1, Sessions: [2]int{1, 1}}}
	if err := buildThink(f, s); err != nil {
		return nil, err
	}
	return s, nil
}

// LoadProfile reads an API profile file (--api-profile): the `api:` section of
// a scenario on its own.
func LoadProfile(path string) (client.Profile, error) {
	data, err := inputfile.Read(path, inputfile.ConfigLimit)
	if err != nil {
		return client.Profile{}, fmt.Errorf("read API profile: %w", err)
	}
	return ParseProfile(data, path)
}

// ParseProfile parses an API profile; path names it in errors.
func ParseProfile(data []byte, path string) (client.Profile, error) {
	var p client.Profile
	root, err := parseNode(path, data)
	if err != nil {
		return p, err
	}
	if err := decodeNode(path, "docs/api-profile.md", root, &p); err != nil {
		return client.Profile{}, err
	}
	if err := p.Validate(); err != nil {
		var fe *client.FieldError
		if errors.As(err, &fe) {
			return client.Profile{}, (&Error{Field: fe.Field, Message: fe.Message}).place(path, root)
		}
		return client.Profile{}, &Error{File: path, Message: err.Error()}
	}
	return p, nil
}

// mergeBase joins the base scenario's archetypes with the file's: the file
// adds archetypes and overrides the base's; what an override leaves out
// (weight, admin, sessions, journey) stays the base's, never silently zero.
func mergeBase(f *file, base map[string]fileArchetype) {
	if len(base) == 0 {
		return
	}
	merged := maps.Clone(base)
	for name, a := range f.Archetypes {
		b, inBase := base[name]
		if !inBase {
			merged[name] = a
			continue
		}
		if a.Weight == nil {
			a.Weight = b.Weight
		}
		if a.Admin == nil {
			a.Admin = b.Admin
		}
		if a.Sessions == nil {
			a.Sessions = b.Sessions
		}
		if a.Journey == nil {
			a.Journey = b.Journey
		}
		if a.Account == nil {
			a.Account = b.Account
		}
		merged[name] = a
	}
	f.Archetypes = merged
}
