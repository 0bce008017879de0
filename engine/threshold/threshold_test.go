package threshold

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/trafficsim/trafficsim/engine/catalog"
)

func TestParseValid(t *testing.T) {
	cases := []struct {
		in    string
		expr  string
		scope Scope
		op    Op
		limit float64
		unit  Unit
		abort bool
	}{
		{"p95<500ms", "p95<500ms", Scope{}, Less, 0.5, Seconds, false},
		{"  p95 < 500 ms ", "p95<500ms", Scope{}, Less, 0.5, Seconds, false},
		{"p95<500", "p95<500", Scope{}, Less, 0.5, Seconds, false}, // bare number = ms
		{"P99.9<=1.5s", "p99.9<=1.5s", Scope{}, LessEqual, 1.5, Seconds, false},
		{"p99{group=auth}<200ms", "p99{group=auth}<200ms", Scope{Group: "auth"}, Less, 0.2, Seconds, false},
		{"p50{route=/api/v1/users/{id}}<=100ms", "p50{route=/api/v1/users/{id}}<=100ms", Scope{Route: "/api/v1/users/{id}"}, LessEqual, 0.1, Seconds, false},
		{`p50{ route = "/api/v1/users/{userId}/roles/{roleId}" , method=delete }<100ms`, "p50{method=DELETE,route=/api/v1/users/{userId}/roles/{roleId}}<100ms",
			Scope{Method: "DELETE", Route: "/api/v1/users/{userId}/roles/{roleId}"}, Less, 0.1, Seconds, false},
		{"avg<250us", "avg<250us", Scope{}, Less, 0.00025, Seconds, false},
		{"max<1m", "max<1m", Scope{}, Less, 60, Seconds, false},
		{"error_rate<1%", "error_rate<1%", Scope{}, Less, 0.01, Ratio, false},
		{"error_rate<0.01;abort", "error_rate<0.01", Scope{}, Less, 0.01, Ratio, true},
		{"success_rate>=95%", "success_rate>=95%", Scope{}, GreaterEqual, 0.95, Ratio, false},
		{"server_error_rate{group=admin}<=5%", "server_error_rate{group=admin}<=5%", Scope{Group: "admin"}, LessEqual, 0.05, Ratio, false},
		{"network_error_rate<0.1%", "network_error_rate<0.1%", Scope{}, Less, 0.001, Ratio, false},
		{"rps>100", "rps>100", Scope{}, Greater, 100, RequestsPerSecond, false},
		{"rps>=12.5/s", "rps>=12.5/s", Scope{}, GreaterEqual, 12.5, RequestsPerSecond, false},
		{"requests>=1000", "requests>=1000", Scope{}, GreaterEqual, 1000, Requests, false},
		{"errors<10 ; abort", "errors<10", Scope{}, Less, 10, Requests, true},
	}
	for _, c := range cases {
		got, err := Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if got.Expr != c.expr || got.Scope != c.scope || got.Op != c.op || math.Abs(got.Limit-c.limit) > 1e-12 || got.Unit != c.unit || got.Abort != c.abort {
			t.Errorf("Parse(%q) = expr %q scope %+v op %q limit %v unit %s abort %v; want %q %+v %q %v %s %v",
				c.in, got.Expr, got.Scope, got.Op, got.Limit, got.Unit, got.Abort, c.expr, c.scope, c.op, c.limit, c.unit, c.abort)
		}
	}
}

func TestParseErrorsNameTheFix(t *testing.T) {
	cases := map[string]string{
		"":                                   "empty; write METRIC",
		"p95":                                "missing operator",
		"p95<":                               "missing limit",
		"p95=500ms":                          "use <, <=, > or >=",
		"p95==500ms":                         "use <, <=, > or >=",
		"p95<500xs":                          "write e.g. 500ms",
		"p95<5%":                             "is a latency, not a ratio",
		"p95<-5ms":                           "not a duration",
		"p0<5ms":                             "above 0 and below 100",
		"p100<5ms":                           "write max",
		"p95.<5ms":                           "above 0 and below 100",
		"mean<5ms":                           "write avg",
		"latency<5ms":                        "use one of p50",
		"error_rate<5":                       "write 5% for a percentage",
		"error_rate<150%":                    "outside 0%–100%",
		"error_rate<abc":                     "not a ratio",
		"requests>=1.5":                      "whole number of requests",
		"rps>fast":                           "not a rate",
		"p99{group=Auht-x}<200ms":            `unknown group "Auht-x"; use one of auth, user_query, user_mutation, profile, role_permission, admin, or the group of a scenario's requests`,
		"p99{}<200ms":                        "empty scope {}",
		"p99{grp=auth}<200ms":                `unknown scope key "grp"; use group, method, route or capability`,
		"p99{group=auth<200ms":               "close with }",
		"p99{group=auth,group=admin}<200ms":  "names group twice",
		"p99{route=api/v1/users}<200ms":      "not a route template",
		"p99{method=FETCH}<200ms":            "unknown method",
		"p99{route=\"/api/v1/users}<200ms":   "unterminated quote",
		"p99{group=auth;route=/x}<200ms":     "separate keys with commas",
		"p95<500ms;stop":                     "the only option is abort",
		"{group=auth}<5ms":                   "expected a metric name",
		"p95 500ms":                          "expected an operator",
		"p99{group=auth route=/x}<200ms":     "separate keys with commas",
		"p99{route=/api/v1/users/{id}<200ms": "close with }",
		"p99{route=/api/v1/users/{id}":       "not closed",
	}
	for in, want := range cases {
		_, err := Parse(in)
		if err == nil {
			t.Errorf("Parse(%q): no error, want one containing %q", in, want)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v; want it to contain %q", in, err, want)
		}
		if !strings.HasPrefix(err.Error(), fmt.Sprintf("threshold %q: ", in)) {
			t.Errorf("Parse(%q) = %v; want it to name the expression", in, err)
		}
		if _, ok := err.(*ParseError); !ok {
			t.Errorf("Parse(%q) error is %T, want *ParseError", in, err)
		}
	}
}

func TestParseAll(t *testing.T) {
	ts, err := ParseAll([]string{"p95<500ms", "error_rate<1%;abort", "p99{group=auth}<200ms"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 3 || ts[1].Metric != "error_rate" || !ts[1].Abort || ts[2].Scope.Group != "auth" {
		t.Fatalf("ParseAll = %+v", ts)
	}
	if _, err := ParseAll([]string{"p95<500ms", "p95 < 500ms;abort"}); err == nil || !strings.Contains(err.Error(), "listed twice") {
		t.Fatalf("duplicate: err = %v, want 'listed twice'", err)
	}
	if _, err := ParseAll([]string{"p95<500ms", "p95<"}); err == nil || !strings.Contains(err.Error(), `threshold "p95<"`) {
		t.Fatalf("bad second: err = %v, want it to name the bad expression", err)
	}
	if ts, err := ParseAll(nil); err != nil || len(ts) != 0 {
		t.Fatalf("ParseAll(nil) = %v, %v", ts, err)
	}
}

func TestFormatValue(t *testing.T) {
	cases := []struct {
		u    Unit
		v    float64
		want string
	}{
		{Seconds, 0.5123, "512.3ms"},
		{Seconds, 1.25, "1.25s"},
		{Seconds, 0.000250, "250µs"},
		{Seconds, 0, "0ms"},
		{Ratio, 0.0125, "1.25%"},
		{Ratio, 1, "100%"},
		{Requests, 1000, "1000"},
		{RequestsPerSecond, 98.234, "98.23/s"},
	}
	for _, c := range cases {
		if got := FormatValue(c.u, c.v); got != c.want {
			t.Errorf("FormatValue(%s, %v) = %q, want %q", c.u, c.v, got, c.want)
		}
	}
}

func TestOpWorse(t *testing.T) {
	if !Less.worse(2, 1) || Less.worse(1, 2) || !GreaterEqual.worse(1, 2) || GreaterEqual.worse(2, 1) {
		t.Fatal("worse: wrong direction")
	}
}

// TestCheckGroups: a threshold may be scoped to the group of a plain
// scenario's requests when the run's traffic has it; a group it has not is
// an error naming the known ones.
func TestCheckGroups(t *testing.T) {
	ts, err := ParseAll([]string{"p95{group=items}<1s", "error_rate{group=plain,method=GET}<1%", "p95<1s"})
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckGroups(ts, []string{"items", "plain"}); err != nil {
		t.Errorf("request groups refused: %v", err)
	}
	err = CheckGroups(ts, []string{"auth", "user_query", "plain"})
	var pe *ParseError
	if !errors.As(err, &pe) || err.Error() != `threshold "p95{group=items}<1s": unknown group "items"; use one of auth, user_query, plain` {
		t.Errorf("CheckGroups = %v; want items refused, naming the known groups", err)
	}
	auht, err := ParseAll([]string{"p99{group=auht}<200ms"})
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckGroups(auht, catalog.Groups); err == nil || !strings.Contains(err.Error(), `unknown group "auht"; use one of auth, user_query, user_mutation, profile, role_permission, admin`) {
		t.Errorf("CheckGroups(auht) = %v", err)
	}
}
