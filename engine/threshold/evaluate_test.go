package threshold

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/metrics"
)

// record sends n requests of one endpoint into run with latencies
// first, first+step, ... and the given status.
func record(run *metrics.Run, group, method, route string, n int, first, step time.Duration, status int, expected bool) {
	for i := range n {
		run.Record(metrics.Sample{
			VU: i, Group: group, Method: method, Route: route, Status: status, Expected: expected,
			Latency: first + time.Duration(i)*step,
		})
	}
}

func newRun(t *testing.T) *metrics.Run {
	t.Helper()
	run, err := metrics.NewRun(metrics.RunInfo{ID: "thr12345"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// fixture: auth 100 requests at 1..100ms (all 200); GET /users/{id} 100 at
// 201..300ms (90×200, 10×404 deliberate); PUT /users/{id} 50 at 1s (40×200,
// 5×500 unexpected, 5×no response unexpected). 250 requests over 10s.
func fixture(t *testing.T) (*metrics.Run, Data) {
	run := newRun(t)
	record(run, "auth", "POST", "/api/v1/auth/login", 100, time.Millisecond, time.Millisecond, 200, true)
	record(run, "user_query", "GET", "/api/v1/users/{id}", 90, 201*time.Millisecond, time.Millisecond, 200, true)
	record(run, "user_query", "GET", "/api/v1/users/{id}", 10, 291*time.Millisecond, time.Millisecond, 404, true)
	record(run, "user_mutation", "PUT", "/api/v1/users/{id}", 40, time.Second, 0, 200, true)
	record(run, "user_mutation", "PUT", "/api/v1/users/{id}", 5, time.Second, 0, 500, false)
	record(run, "user_mutation", "PUT", "/api/v1/users/{id}", 5, time.Second, 0, 0, false)
	return run, FromStats(run.Stats(), run.LatencyHistograms(), 10*time.Second)
}

func evalOne(t *testing.T, expr string, d Data) Result {
	t.Helper()
	th, err := Parse(expr)
	if err != nil {
		t.Fatal(err)
	}
	return Evaluate([]Threshold{th}, d)[0]
}

// within reports whether got is within 1% (HDR precision) of want.
func within(got, want float64) bool { return math.Abs(got-want) <= want*0.01+1e-9 }

func TestEvaluateAgainstRecordedRun(t *testing.T) {
	run, d := fixture(t)
	st := run.Stats()
	cases := []struct {
		expr     string
		observed float64
		pass     bool
	}{
		{"requests>=250", 250, true},
		{"requests>250", 250, false},
		{"requests{group=auth}>=100", 100, true},
		{"rps>=25", 25, true},
		{"rps{group=user_mutation}<5", 5, false},
		{"errors<=10", 10, true},
		{"errors{group=auth}<1", 0, true},
		{"error_rate<5%", 10.0 / 250, true},
		{"error_rate<4%", 10.0 / 250, false},
		{"error_rate{group=user_mutation}<=20%", 10.0 / 50, true},
		{"success_rate>=90%", 230.0 / 250, true},
		{"success_rate{route=/api/v1/users/{id}}>=90%", 130.0 / 150, false},
		{"server_error_rate<=2%", 5.0 / 250, true},
		{"network_error_rate{method=PUT}<10%", 5.0 / 50, false},
		// The whole run: the same figures as the run's own statistics.
		{"p50<1s", st.Latency.P50.Seconds(), true},
		{"p95<1s", st.Latency.P95.Seconds(), false},
		{"p99<=1s", st.Latency.P99.Seconds(), true},
		{"max<1s", 1, false},
		{"avg<400ms", st.Latency.Mean.Seconds(), true},
		// A group: percentiles over its endpoints together.
		{"p95{group=auth}<96ms", 0.095, true},
		{"p99{group=auth}<99ms", 0.099, false},
		{"p90{group=user_query}<=300ms", 0.290, true},
		{"avg{group=auth}<=50.5ms", 0.0505, true},
		// A route served by two methods: both together (GET 201–300ms ×100, PUT 1s ×50).
		{"p50{route=/api/v1/users/{id}}<300ms", 0.276, true},
		{"p99{route=/api/v1/users/{id}}<300ms", 1, false},
		{"p99{route=/api/v1/users/{id},method=GET}<300ms", 0.299, true},
		{"max{method=GET}<=300ms", 0.3, true},
	}
	for _, c := range cases {
		r := evalOne(t, c.expr, d)
		if r.Note != "" {
			t.Errorf("%s: note %q", c.expr, r.Note)
			continue
		}
		if !within(r.Observed, c.observed) || r.Pass != c.pass {
			t.Errorf("%s: observed %v pass %v; want %v pass %v", c.expr, r.Observed, r.Pass, c.observed, c.pass)
		}
	}
	// The run's own p95/p99 equal what the thresholds see, exactly.
	if r := evalOne(t, "p95<1s", d); r.Observed != round(Seconds, st.Latency.P95.Seconds()) {
		t.Errorf("p95 = %v, run's own p95 = %v", r.Observed, st.Latency.P95.Seconds())
	}
}

func TestEvaluateNoMatchingRequestsFails(t *testing.T) {
	_, d := fixture(t)
	for _, expr := range []string{"p95{group=admin}<1s", "error_rate{route=/api/v1/roles}<1%", "avg{method=DELETE}<1s"} {
		r := evalOne(t, expr, d)
		if r.Pass || !strings.Contains(r.Note, "no requests matched") {
			t.Errorf("%s: pass %v note %q; want a failure saying no requests matched", expr, r.Pass, r.Note)
		}
	}
	// Counts of nothing are simply zero.
	if r := evalOne(t, "requests{group=admin}<1", d); !r.Pass || r.Observed != 0 || r.Note != "" {
		t.Errorf("requests{group=admin}<1: %+v", r)
	}
	empty := FromStats(newRun(t).Stats(), nil, time.Second)
	if r := evalOne(t, "p95<1s", empty); r.Pass || !strings.Contains(r.Note, "no requests were sent") {
		t.Errorf("empty run: %+v", r)
	}
	if r := evalOne(t, "rps>1", FromStats(newRun(t).Stats(), nil, 0)); r.Pass || r.Note == "" {
		t.Errorf("zero duration: %+v", r)
	}
}

func TestEvaluateStatsOnly(t *testing.T) {
	run, _ := fixture(t)
	st := run.Stats()
	d := FromStats(st, nil, 10*time.Second)
	if r := evalOne(t, "p95<1s", d); r.Observed != round(Seconds, st.Latency.P95.Seconds()) || r.Note != "" {
		t.Errorf("p95 without histograms: %+v, want the run's p95 %v", r, st.Latency.P95)
	}
	if r := evalOne(t, "p99{method=POST}<99ms", d); r.Note != "" || !within(r.Observed, 0.099) {
		t.Errorf("p99 of one endpoint without histograms: %+v", r)
	}
	if r := evalOne(t, "p95{group=user_query}<1s", d); r.Note != "" {
		t.Errorf("p95 of a group of one endpoint without histograms: %+v", r)
	}
	r := evalOne(t, "p95{route=/api/v1/users/{id}}<1s", d)
	if r.Pass || !strings.Contains(r.Note, "without latency histograms") {
		t.Errorf("p95 over two endpoints without histograms: %+v, want a failure naming the reason", r)
	}
	if r := evalOne(t, "p90<1s", d); r.Pass || r.Note == "" {
		t.Errorf("p90 without histograms: %+v", r)
	}
}

func TestResultString(t *testing.T) {
	_, d := fixture(t)
	if s := evalOne(t, "p99{group=auth}<99ms", d).String(); !strings.HasPrefix(s, "FAIL p99{group=auth}<99ms: observed 99.") {
		t.Errorf("String = %q", s)
	}
	if s := evalOne(t, "error_rate<5%", d).String(); s != "PASS error_rate<5%: observed 4%" {
		t.Errorf("String = %q", s)
	}
}

// TestCapabilityScope: two capabilities on one method and route (list and
// search on GET /accounts) are judged apart by capability=.
func TestCapabilityScope(t *testing.T) {
	run := newRun(t)
	for i := range 100 {
		run.Record(metrics.Sample{VU: i, Group: "user_query", Method: "GET", Route: "/accounts", Capability: "users.list",
			Status: 200, Expected: true, Latency: 10 * time.Millisecond})
	}
	for i := range 50 {
		run.Record(metrics.Sample{VU: i, Group: "user_query", Method: "GET", Route: "/accounts", Capability: "users.search",
			Status: 200, Expected: true, Latency: 400 * time.Millisecond})
	}
	evalAll(t, FromStats(run.Stats(), run.LatencyHistograms(), 10*time.Second), []evalCase{
		{"requests{capability=users.search}>=50", 50, true},
		{"requests{route=/accounts}>=150", 150, true},
		{"p99{capability=users.list}<100ms", 0.010, true},
		{"p50{capability=users.search}<100ms", 0.400, false},
	})
	if _, err := Parse("p95{capability=users.find}<1s"); err == nil || !strings.Contains(err.Error(), "unknown capability") {
		t.Errorf("unknown capability: %v", err)
	}
}

// TestEvaluatePlainRequestGroups: a threshold scoped to a plain scenario's
// request group is judged on that group's requests alone.
func TestEvaluatePlainRequestGroups(t *testing.T) {
	run := newRun(t)
	record(run, "items", "GET", "/items", 30, 10*time.Millisecond, 0, 200, true)
	record(run, "items", "POST", "/items", 10, 20*time.Millisecond, 0, 500, false)
	record(run, "plain", "GET", "/health", 60, time.Second, 0, 200, true)
	evalAll(t, FromStats(run.Stats(), run.LatencyHistograms(), 10*time.Second), []evalCase{
		{"requests{group=items}>=40", 40, true},
		{"error_rate{group=items}<=25%", 10.0 / 40, true},
		{"error_rate{group=plain}<1%", 0, true},
		{"max{group=items}<100ms", 0.02, true},
		{"p95{group=plain}<100ms", 1, false},
		{"requests{group=items,method=GET}<=30", 30, true},
	})
}

// evalCase is an expression and its expected verdict.
type evalCase struct {
	expr     string
	observed float64
	pass     bool
}

// evalAll judges each case over d: its verdict and observed value (within
// HDR precision), measured (no note).
func evalAll(t *testing.T, d Data, cases []evalCase) {
	t.Helper()
	for _, c := range cases {
		r := evalOne(t, c.expr, d)
		if r.Pass != c.pass || !within(r.Observed, c.observed) || r.Note != "" {
			t.Errorf("%s: pass %v observed %v, want %v %v (note %q)", c.expr, r.Pass, r.Observed, c.pass, c.observed, r.Note)
		}
	}
}
