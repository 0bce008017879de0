// Package threshold turns pass/fail criteria such as `p95<500ms`,
// `p99{group=auth}<200ms` or `error_rate<1%` into results a CI job can gate on:
// evaluated over the whole run and, optionally, over a sliding window with
// abort-on-fail (docs/thresholds.md): parsing, judging, windows. Results feed
// the summary JSON and, outside this package, the final report and its JUnit
// file (engine/report) and the trafficsim_threshold_passing gauge
// (engine/metrics, told through Options.OnVerdicts).
package threshold

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/trafficsim/trafficsim/engine/catalog"
)

// Syntax is the one-line grammar quoted in parse errors.
const Syntax = "METRIC[{group=G,method=M,route=R,capability=C}] OP VALUE[;abort], e.g. p95<500ms, p99{group=auth}<200ms, error_rate<1%"

// Op is a comparison operator.
type Op string

// Operators.
const (
	Less         Op = "<"
	LessEqual    Op = "<="
	Greater      Op = ">"
	GreaterEqual Op = ">="
)

func (o Op) holds(observed, limit float64) bool {
	switch o {
	case Less:
		return observed < limit
	case LessEqual:
		return observed <= limit
	case Greater:
		return observed > limit
	case GreaterEqual:
		return observed >= limit
	}
	return false
}

// worse reports whether a is further from passing than b.
func (o Op) worse(a, b float64) bool {
	if o == Less || o == LessEqual {
		return a > b
	}
	return a < b
}

// Unit is what a metric's values measure; limits and observed values are in it.
type Unit string

// Units.
const (
	Seconds           Unit = "seconds"             // latency
	Ratio             Unit = "ratio"               // 0–1; written as 1% or 0.01
	Requests          Unit = "requests"            // a count
	RequestsPerSecond Unit = "requests_per_second" // throughput
)

// kind is how a metric is computed.
type kind int

const (
	kindPercentile kind = iota
	kindAvg
	kindMax
	kindErrorRate        // unexpected outcomes / requests
	kindSuccessRate      // 1xx–3xx / requests
	kindServerErrorRate  // 5xx / requests
	kindNetworkErrorRate // no response / requests
	kindRequests
	kindErrors // unexpected outcomes, counted
	kindRPS
)

type metricDef struct {
	kind kind
	unit Unit
	help string
}

// metricDefs are the metrics besides pNN.
var metricDefs = map[string]metricDef{
	"avg":                {kindAvg, Seconds, "mean latency"},
	"max":                {kindMax, Seconds, "highest latency"},
	"error_rate":         {kindErrorRate, Ratio, "share of requests whose outcome the VU did not intend"},
	"success_rate":       {kindSuccessRate, Ratio, "share of requests answered 1xx–3xx"},
	"server_error_rate":  {kindServerErrorRate, Ratio, "share of requests answered 5xx"},
	"network_error_rate": {kindNetworkErrorRate, Ratio, "share of requests that got no response"},
	"requests":           {kindRequests, Requests, "requests sent"},
	"errors":             {kindErrors, Requests, "requests whose outcome the VU did not intend"},
	"rps":                {kindRPS, RequestsPerSecond, "requests per second"},
}

// metricNames lists the metrics for error messages.
const metricNames = "p50, p90, p95, p99, p99.9 (any pN), avg, max, error_rate, success_rate, server_error_rate, network_error_rate, requests, errors, rps"

// Scope narrows a threshold to an endpoint group (or the group of a
// scenario's plain requests), a method and/or a route template; the zero
// Scope is the whole run.
type Scope struct {
	Group  string `json:"group,omitempty"`
	Method string `json:"method,omitempty"`
	Route  string `json:"route,omitempty"`
	// Capability is a catalog endpoint id (users.search): it tells apart two
	// capabilities a profile maps to one method and route.
	Capability string `json:"capability,omitempty"`
}

// IsZero reports whether the scope is the whole run.
func (s Scope) IsZero() bool { return s == Scope{} }

// String is the scope as written in an expression: "" or {group=auth,route=/x}.
func (s Scope) String() string {
	var parts []string
	if s.Group != "" {
		parts = append(parts, "group="+s.Group)
	}
	if s.Method != "" {
		parts = append(parts, "method="+s.Method)
	}
	if s.Route != "" {
		parts = append(parts, "route="+s.Route)
	}
	if s.Capability != "" {
		parts = append(parts, "capability="+s.Capability)
	}
	if len(parts) == 0 {
		return ""
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func (s Scope) matches(k endpointKey) bool {
	return (s.Group == "" || s.Group == k.Group) &&
		(s.Method == "" || s.Method == k.Method) &&
		(s.Route == "" || s.Route == k.Route) &&
		(s.Capability == "" || s.Capability == k.Capability)
}

// requestGroup is the form of a plain request's `group` (docs/scenarios.md).
var requestGroup = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// CheckGroups checks the groups the thresholds are scoped to against known,
// the groups of the run's traffic: the endpoint groups of a user-service
// scenario and the groups of its plain requests (scenario's
// ThresholdGroups). The error is a *ParseError naming the threshold, the
// group and the known ones.
func CheckGroups(ts []Threshold, known []string) error {
	for _, t := range ts {
		if g := t.Scope.Group; g != "" && !slices.Contains(known, g) {
			return &ParseError{Expr: t.Expr, Msg: fmt.Sprintf("unknown group %q; use one of %s", g, strings.Join(known, ", "))}
		}
	}
	return nil
}

// Threshold is one parsed criterion.
type Threshold struct {
	Expr   string  // canonical text without options, e.g. p99{group=auth}<200ms; unique in a set
	Metric string  // p95, avg, error_rate, ...
	Scope  Scope   // zero: the whole run
	Op     Op      // <, <=, >, >=
	Limit  float64 // in Unit
	Unit   Unit
	// Abort stops the run as soon as the threshold fails over a sliding window
	// (needs a window; written `;abort`).
	Abort bool

	kind       kind
	percentile float64 // for kindPercentile: 0 < p ≤ 100
	limitText  string  // the limit as written, for messages
}

// ParseError is a threshold expression that could not be parsed.
type ParseError struct {
	Expr string // as given
	Msg  string // what is wrong and how to fix it
}

func (e *ParseError) Error() string { return fmt.Sprintf("threshold %q: %s", e.Expr, e.Msg) }

// Parse reads one expression. Errors are *ParseError naming the expression and
// the fix.
func Parse(expr string) (Threshold, error) {
	p := parser{in: expr}
	t, err := p.parse()
	if err != nil {
		return Threshold{}, &ParseError{Expr: expr, Msg: err.Error()}
	}
	return t, nil
}

// ParseAll parses a list of expressions (the --threshold flags, or a scenario
// file's thresholds). It fails on the first bad expression, and on the same
// criterion listed twice (its results would be indistinguishable).
func ParseAll(exprs []string) ([]Threshold, error) {
	out := make([]Threshold, 0, len(exprs))
	seen := map[string]bool{}
	for _, e := range exprs {
		t, err := Parse(e)
		if err != nil {
			return nil, err
		}
		if seen[t.Expr] {
			return nil, &ParseError{Expr: e, Msg: fmt.Sprintf("%s is listed twice; keep one (add ;abort to it if it should stop the run)", t.Expr)}
		}
		seen[t.Expr] = true
		out = append(out, t)
	}
	return out, nil
}

type parser struct {
	in  string
	pos int
}

func (p *parser) skipSpace() {
	for p.pos < len(p.in) && (p.in[p.pos] == ' ' || p.in[p.pos] == '\t') {
		p.pos++
	}
}

func (p *parser) parse() (Threshold, error) {
	var t Threshold
	if strings.TrimSpace(p.in) == "" {
		return t, errors.New("empty; write " + Syntax)
	}
	p.skipSpace()
	start := p.pos
	for p.pos < len(p.in) && isNameByte(p.in[p.pos]) {
		p.pos++
	}
	name := strings.ToLower(p.in[start:p.pos])
	if name == "" {
		return t, fmt.Errorf("expected a metric name at %q; write %s", p.rest(), Syntax)
	}
	if err := t.setMetric(name); err != nil {
		return t, err
	}
	p.skipSpace()
	if p.pos < len(p.in) && p.in[p.pos] == '{' {
		sc, err := p.parseScope()
		if err != nil {
			return t, err
		}
		t.Scope = sc
		p.skipSpace()
	}
	op, err := p.parseOp()
	if err != nil {
		return t, err
	}
	t.Op = op
	p.skipSpace()
	vstart := p.pos
	for p.pos < len(p.in) && p.in[p.pos] != ';' {
		p.pos++
	}
	t.limitText = strings.Join(strings.Fields(p.in[vstart:p.pos]), "")
	if t.Limit, err = parseLimit(t.unitOf(), t.Metric, t.limitText); err != nil {
		return t, err
	}
	for p.pos < len(p.in) {
		p.pos++ // ';'
		ostart := p.pos
		for p.pos < len(p.in) && p.in[p.pos] != ';' {
			p.pos++
		}
		switch opt := strings.ToLower(strings.TrimSpace(p.in[ostart:p.pos])); opt {
		case "abort", "abort_on_fail", "abortonfail":
			t.Abort = true
		case "":
		default:
			return t, fmt.Errorf("unknown option %q after ';'; the only option is abort (stop the run when the threshold fails over --threshold-window)", opt)
		}
	}
	t.Unit = t.unitOf()
	t.Expr = t.Metric + t.Scope.String() + string(t.Op) + t.limitText
	return t, nil
}

func (p *parser) rest() string { return p.in[p.pos:] }

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.'
}

func (t *Threshold) setMetric(name string) error {
	if d, ok := metricDefs[name]; ok {
		t.Metric, t.kind = name, d.kind
		return nil
	}
	switch name {
	case "mean", "average":
		return fmt.Errorf("unknown metric %q; write avg", name)
	case "p100":
		return fmt.Errorf("unknown metric %q; write max", name)
	}
	if len(name) > 1 && name[0] == 'p' {
		v, err := strconv.ParseFloat(name[1:], 64)
		if err != nil || math.IsNaN(v) || v <= 0 || v >= 100 || strings.HasSuffix(name, ".") {
			return fmt.Errorf("bad percentile %q: write p followed by a number above 0 and below 100, e.g. p95 or p99.9", name)
		}
		t.Metric, t.kind, t.percentile = name, kindPercentile, v
		return nil
	}
	return fmt.Errorf("unknown metric %q; use one of %s", name, metricNames)
}

func (t *Threshold) unitOf() Unit {
	if t.kind == kindPercentile {
		return Seconds
	}
	return metricDefs[t.Metric].unit
}

// parseScope reads {key=value,...}; a route value may itself hold braces
// (/api/v1/users/{id}) and may be quoted.
func (p *parser) parseScope() (Scope, error) {
	var sc Scope
	open := p.pos
	p.pos++ // '{'
	seen := map[string]bool{}
	for {
		p.skipSpace()
		kstart := p.pos
		for p.pos < len(p.in) && isNameByte(p.in[p.pos]) {
			p.pos++
		}
		key := strings.ToLower(p.in[kstart:p.pos])
		p.skipSpace()
		if key == "" && p.pos < len(p.in) && p.in[p.pos] == '}' && len(seen) == 0 {
			return sc, errors.New("empty scope {}; drop the braces for the whole run, or write e.g. {group=auth}")
		}
		if key == "" || p.pos >= len(p.in) || p.in[p.pos] != '=' {
			return sc, fmt.Errorf("bad scope at %q: write {group=G}, {route=R}, {method=M} or several separated by commas", p.in[open:])
		}
		p.pos++ // '='
		p.skipSpace()
		val, err := p.scopeValue()
		if err != nil {
			return sc, err
		}
		if seen[key] {
			return sc, fmt.Errorf("scope names %s twice; give it once", key)
		}
		seen[key] = true
		switch key {
		case "group":
			// Which request groups exist is known with the scenario (CheckGroups).
			if !catalog.IsGroup(val) && !requestGroup.MatchString(val) {
				return sc, fmt.Errorf("unknown group %q; use one of %s, or the group of a scenario's requests (lowercase letters, digits and _)", val, strings.Join(catalog.Groups, ", "))
			}
			sc.Group = val
		case "method":
			m := strings.ToUpper(val)
			switch m {
			case "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS":
			default:
				return sc, fmt.Errorf("unknown method %q; use GET, POST, PUT, DELETE or PATCH", val)
			}
			sc.Method = m
		case "route":
			if !strings.HasPrefix(val, "/") || strings.ContainsAny(val, "? \t") {
				return sc, fmt.Errorf("route %q is not a route template; write it as in the metrics, e.g. route=/api/v1/users/{id}", val)
			}
			sc.Route = val
		case "capability":
			if catalog.Lookup(val) == nil {
				return sc, fmt.Errorf("unknown capability %q; use a catalog endpoint id, e.g. capability=users.search (docs/api-profile.md lists them)", val)
			}
			sc.Capability = val
		default:
			return sc, fmt.Errorf("unknown scope key %q; use group, method, route or capability", key)
		}
		p.skipSpace()
		if p.pos >= len(p.in) {
			return sc, fmt.Errorf("scope %q is not closed; end it with }", p.in[open:])
		}
		switch p.in[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return sc, nil
		default:
			return sc, fmt.Errorf("unexpected %q in scope %q; separate keys with commas and close with }", p.in[p.pos], p.in[open:])
		}
	}
}

// scopeValue reads a quoted value or an unquoted one up to the ',' or '}'
// that is not inside a {param} of a route template (or up to a character no
// group, method or route holds).
func (p *parser) scopeValue() (string, error) {
	if p.pos < len(p.in) && (p.in[p.pos] == '"' || p.in[p.pos] == '\'') {
		q := p.in[p.pos]
		end := strings.IndexByte(p.in[p.pos+1:], q)
		if end < 0 {
			return "", fmt.Errorf("unterminated quote in scope at %q; close it with %c", p.rest(), q)
		}
		v := p.in[p.pos+1 : p.pos+1+end]
		p.pos += end + 2
		if v == "" {
			return "", errors.New("empty value in scope; give a group, method or route")
		}
		return v, nil
	}
	start := p.pos
	depth := 0
	for p.pos < len(p.in) {
		c := p.in[p.pos]
		if c == '{' {
			depth++
		} else if c == '}' {
			if depth == 0 {
				break
			}
			depth--
		} else if depth == 0 && strings.IndexByte(",<>=;\"' \t", c) >= 0 {
			break
		}
		p.pos++
	}
	v := strings.TrimSpace(p.in[start:p.pos])
	if v == "" {
		return "", fmt.Errorf("empty value in scope at %q; give a group, method or route", p.rest())
	}
	return v, nil
}

func (p *parser) parseOp() (Op, error) {
	r := p.rest()
	for _, op := range []Op{LessEqual, GreaterEqual, Less, Greater} {
		if strings.HasPrefix(r, string(op)) {
			p.pos += len(op)
			return op, nil
		}
	}
	switch {
	case strings.HasPrefix(r, "=<"), strings.HasPrefix(r, "=>"), strings.HasPrefix(r, "=="), strings.HasPrefix(r, "="), strings.HasPrefix(r, "!="):
		return "", fmt.Errorf("unsupported operator at %q; use <, <=, > or >=", r)
	case r == "":
		return "", fmt.Errorf("missing operator and limit; write %s", Syntax)
	}
	return "", fmt.Errorf("expected an operator (<, <=, >, >=) at %q; write %s", r, Syntax)
}

// parseLimit reads VALUE in the metric's unit.
func parseLimit(u Unit, metric, s string) (float64, error) {
	if s == "" {
		return 0, fmt.Errorf("missing limit after the operator; e.g. %s", example(u, metric))
	}
	switch u {
	case Seconds:
		// A bare number is milliseconds, as for --delay-min/--delay-max.
		if v, err := strconv.ParseFloat(s, 64); err == nil {
			if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, fmt.Errorf("latency limit %q must be a non-negative duration, e.g. %s", s, example(u, metric))
			}
			return v / 1000, nil
		}
		d, err := time.ParseDuration(strings.ReplaceAll(s, "µ", "u"))
		if err != nil || d < 0 {
			if strings.HasSuffix(s, "%") {
				return 0, fmt.Errorf("%s is a latency, not a ratio: give a duration such as 500ms, 1.5s or a bare number of milliseconds", metric)
			}
			return 0, fmt.Errorf("latency limit %q is not a duration; write e.g. 500ms, 1.5s, 250us or a bare number of milliseconds", s)
		}
		return d.Seconds(), nil
	case Ratio:
		pct := strings.HasSuffix(s, "%")
		num := strings.TrimSpace(strings.TrimSuffix(s, "%"))
		v, err := strconv.ParseFloat(num, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("%s limit %q is not a ratio; write a percentage such as 1%% or a fraction such as 0.01", metric, s)
		}
		if pct {
			v /= 100
		} else if v > 1 {
			return 0, fmt.Errorf("%s limit %q is above 1; write %s%% for a percentage or a fraction from 0 to 1", metric, s, num)
		}
		if v < 0 || v > 1 {
			return 0, fmt.Errorf("%s limit %q is outside 0%%–100%%", metric, s)
		}
		return v, nil
	case Requests:
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 0 {
			return 0, fmt.Errorf("%s limit %q is not a whole number of requests; write e.g. %s", metric, s, example(u, metric))
		}
		return float64(v), nil
	case RequestsPerSecond:
		num := strings.TrimSpace(strings.TrimSuffix(s, "/s"))
		v, err := strconv.ParseFloat(num, 64)
		if err != nil || v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("rps limit %q is not a rate; write requests per second, e.g. rps>100 or rps>100/s", s)
		}
		return v, nil
	}
	return 0, fmt.Errorf("metric %s has no unit", metric)
}

func example(u Unit, metric string) string {
	switch u {
	case Seconds:
		return metric + "<500ms"
	case Ratio:
		if metric == "success_rate" {
			return "success_rate>=95%"
		}
		return metric + "<1%"
	case Requests:
		if metric == "errors" {
			return "errors<10"
		}
		return "requests>=1000"
	}
	return "rps>100"
}

// FormatValue renders a value of unit u for people: 512.3ms, 1.25%, 1000, 98.2/s.
func FormatValue(u Unit, v float64) string {
	switch u {
	case Seconds:
		d := time.Duration(math.Round(v * 1e9))
		switch {
		case d >= time.Second:
			return trimFloat(v, 3) + "s"
		case d >= time.Millisecond:
			return trimFloat(v*1e3, 2) + "ms"
		case d > 0:
			return trimFloat(v*1e6, 1) + "µs"
		}
		return "0ms"
	case Ratio:
		return trimFloat(v*100, 3) + "%"
	case Requests:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case RequestsPerSecond:
		return trimFloat(v, 2) + "/s"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func trimFloat(v float64, digits int) string {
	s := strconv.FormatFloat(v, 'f', digits, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
