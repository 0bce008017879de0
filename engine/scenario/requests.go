package scenario

import (
	"errors"
	"fmt"
	"math"
	"regexp"

	"github.com/trafficsim/trafficsim/engine/client"
)

// Request is a plain request step of a scenario (`requests:`): any method and
// path of the target, no user-service knowledge and no auth unless asked for.
// Journeys may name it as a step; a scenario with requests and no archetypes
// is a plain scenario whose VUs send the requests picked by weight.
type Request struct {
	Name   string
	Spec   client.PlainSpec
	Weight float64 // share among the requests of a plain scenario
	Think  string  // think-time class before it (default quick)
	// Expect is the status the step intends (an expected 404 counts as such);
	// 0: any 1xx–3xx.
	Expect int
	// Auth sends the VU's access token (logging in first), for journeys that mix
	// plain requests with the user-service actions.
	Auth bool
}

// PlainArchetype is the archetype every VU of a plain scenario has.
const PlainArchetype = "plain"

type fileRequest struct {
	Name    string            `yaml:"name"`
	Method  string            `yaml:"method"`
	Path    string            `yaml:"path"`
	Headers map[string]string `yaml:"headers"`
	Body    *string           `yaml:"body"`
	Weight  *float64          `yaml:"weight"`
	Think   string            `yaml:"think"`
	Expect  *int              `yaml:"expect"` // nil: left out (any 1xx–3xx)
	Group   string            `yaml:"group"`
	Auth    bool              `yaml:"auth"`
}

var groupLabel = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// buildRequests validates the requests section.
func buildRequests(f []fileRequest) ([]Request, *Error) {
	seen := map[string]bool{}
	var out []Request
	for i, fr := range f {
		field := fmt.Sprintf("requests.%d", i)
		if !archetypeName.MatchString(fr.Name) {
			return nil, bad(field+".name", "%q: name each request with lowercase letters, digits and _ (at most 32), e.g. get_home", fr.Name)
		}
		if Action(fr.Name) != nil || ErrorKind(fr.Name) != nil {
			return nil, bad(field+".name", "%q is the name of a built-in action; choose another", fr.Name)
		}
		if seen[fr.Name] {
			return nil, bad(field+".name", "%q is used by an earlier request", fr.Name)
		}
		seen[fr.Name] = true
		r := Request{Name: fr.Name, Weight: 1, Think: ThinkQuick, Auth: fr.Auth,
			Spec: client.PlainSpec{Method: fr.Method, Path: fr.Path, Headers: fr.Headers, Group: fr.Group}}
		if fr.Body != nil {
			r.Spec.Body, r.Spec.HasBody = *fr.Body, true
		}
		if fr.Weight != nil {
			r.Weight = *fr.Weight
		}
		if !(r.Weight >= 0) || math.IsInf(r.Weight, 0) {
			return nil, bad(field+".weight", "%v: must be a number ≥ 0", r.Weight)
		}
		if fr.Think != "" {
			r.Think = fr.Think
		}
		if !isThinkClass(r.Think) {
			return nil, bad(field+".think", "%q: use one of quick, read, form, pause", r.Think)
		}
		if fr.Expect != nil {
			// 0 is no status: it would silently mean "any 1xx–3xx".
			if *fr.Expect < 100 || *fr.Expect > 599 {
				return nil, bad(field+".expect", "%d: use an HTTP status from 100 to 599, e.g. 201, or leave expect out for any 1xx–3xx", *fr.Expect)
			}
			r.Expect = *fr.Expect
		}
		if fr.Group != "" && !groupLabel.MatchString(fr.Group) {
			return nil, bad(field+".group", "%q: use lowercase letters, digits and _ (at most 32)", fr.Group)
		}
		if err := client.ValidatePlain(r.Spec); err != nil {
			var fe *client.FieldError
			if errors.As(err, &fe) {
				return nil, bad(field+"."+fe.Field, "%s", fe.Message)
			}
			return nil, bad(field, "%v", err)
		}
		out = append(out, r)
	}
	return out, nil
}

func isThinkClass(c string) bool {
	for _, x := range ThinkClasses {
		if x == c {
			return true
		}
	}
	return false
}

// Request returns the scenario's plain request with the name, or nil.
func (s *Scenario) Request(name string) *Request {
	for i := range s.Requests {
		if s.Requests[i].Name == name {
			return &s.Requests[i]
		}
	}
	return nil
}

// StepThink is the think-time class before a journey step: a built-in action's
// or a plain request's.
func (s *Scenario) StepThink(step string) string {
	if a := Action(step); a != nil {
		return a.Think
	}
	if r := s.Request(step); r != nil {
		return r.Think
	}
	return ThinkQuick
}
