package metrics

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func newTestRun(t testing.TB, id string, reg prometheus.Registerer, opts ...Option) *Run {
	t.Helper()
	r, err := NewRun(RunInfo{ID: id, Scenario: "mixed", Target: "http://127.0.0.1:1", Version: "test"}, reg, opts...)
	if err != nil {
		t.Fatalf("NewRun(%q): %v", id, err)
	}
	return r
}

func sample(vu int, group, method, route string, status int, expected bool, errKind string, lat time.Duration) Sample {
	return Sample{VU: vu, Group: group, Method: method, Route: route, Status: status, Expected: expected,
		ErrKind: errKind, Start: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Latency: lat}
}

// series returns, for metric family name, every series as "k=v,k=v" (sorted
// label order as gathered) → value (counter, gauge, or histogram sample count).
func series(t *testing.T, g prometheus.Gatherer, name string) map[string]float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			var parts []string
			for _, lp := range m.GetLabel() {
				parts = append(parts, lp.GetName()+"="+lp.GetValue())
			}
			out[strings.Join(parts, ",")] = value(m)
		}
	}
	return out
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return -1
}

func TestRecordTotalsOutcomesGroupsStatuses(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	r := newTestRun(t, "abc12345", reg)

	const users = "/api/v1/users"
	const user = "/api/v1/users/{id}"
	r.Record(sample(0, "user_query", "GET", users, 200, true, "", 10*time.Millisecond))
	r.Record(sample(1, "user_query", "GET", users, 200, true, "", 20*time.Millisecond))
	r.Record(sample(2, "user_query", "GET", user, 404, true, "", 5*time.Millisecond))
	r.Record(sample(3, "user_mutation", "POST", users, 201, true, "", 30*time.Millisecond))
	r.Record(sample(4, "user_mutation", "POST", users, 500, false, "unexpected_status", 40*time.Millisecond))
	r.Record(sample(5, "auth", "POST", "/api/v1/auth/login", 0, false, "timeout", 2*time.Second))
	r.Record(sample(6, "auth", "POST", "/api/v1/auth/login", 401, false, "unexpected_status", 3*time.Millisecond))

	st := r.Stats()
	if st.Requests != 7 {
		t.Errorf("Requests = %d, want 7", st.Requests)
	}
	if st.Unexpected != 3 {
		t.Errorf("Unexpected = %d, want 3", st.Unexpected)
	}
	wantOut := Outcomes{Success: 3, ClientError: 2, ServerError: 1, NetworkError: 1}
	if st.Outcomes != wantOut {
		t.Errorf("Outcomes = %+v, want %+v", st.Outcomes, wantOut)
	}
	wantGroups := map[string]int64{"user_query": 3, "user_mutation": 2, "auth": 2}
	if fmt.Sprint(st.Groups) != fmt.Sprint(wantGroups) {
		t.Errorf("Groups = %v, want %v", st.Groups, wantGroups)
	}
	wantErrs := map[string]int64{"unexpected_status": 2, "timeout": 1}
	if fmt.Sprint(st.Errors) != fmt.Sprint(wantErrs) {
		t.Errorf("Errors = %v, want %v", st.Errors, wantErrs)
	}

	// Sorted by route, then method.
	var rows []string
	for _, e := range st.Endpoints {
		rows = append(rows, fmt.Sprintf("%s %s %s n=%d exp=%d %v", e.Group, e.Method, e.Route, e.Requests, e.Expected, e.Statuses))
	}
	want := []string{
		"auth POST /api/v1/auth/login n=2 exp=0 map[0:1 401:1]",
		"user_query GET /api/v1/users n=2 exp=2 map[200:2]",
		"user_mutation POST /api/v1/users n=2 exp=1 map[201:1 500:1]",
		"user_query GET /api/v1/users/{id} n=1 exp=1 map[404:1]",
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("endpoints:\n%s\nwant:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
	if got := st.Endpoints[1].Latency; got.Max != 20*time.Millisecond || got.Mean != 15*time.Millisecond {
		t.Errorf("GET /api/v1/users latency = %+v, want max 20ms mean 15ms", got)
	}
	if st.Latency.Max != 2*time.Second {
		t.Errorf("overall max = %v, want 2s", st.Latency.Max)
	}

	// Prometheus series carry the run id, status text / "none", expected.
	reqs := series(t, reg, "trafficsim_requests_total")
	for k, v := range map[string]float64{
		"capability=,expected=true,group=user_query,method=GET,route=/api/v1/users,run=abc12345,status=200":      2,
		"capability=,expected=false,group=auth,method=POST,route=/api/v1/auth/login,run=abc12345,status=none":    1,
		"capability=,expected=false,group=user_mutation,method=POST,route=/api/v1/users,run=abc12345,status=500": 1,
		"capability=,expected=true,group=user_mutation,method=POST,route=/api/v1/users,run=abc12345,status=201":  1,
		"capability=,expected=true,group=user_query,method=GET,route=/api/v1/users/{id},run=abc12345,status=404": 1,
		"capability=,expected=false,group=auth,method=POST,route=/api/v1/auth/login,run=abc12345,status=401":     1,
	} {
		if reqs[k] != v {
			t.Errorf("trafficsim_requests_total{%s} = %v, want %v", k, reqs[k], v)
		}
	}
	if len(reqs) != 6 {
		t.Errorf("trafficsim_requests_total has %d series, want 6 (no unused expected=... series): %v", len(reqs), reqs)
	}
	errs := series(t, reg, "trafficsim_request_errors_total")
	if errs["group=auth,kind=timeout,run=abc12345"] != 1 || errs["group=auth,kind=unexpected_status,run=abc12345"] != 1 ||
		errs["group=user_mutation,kind=unexpected_status,run=abc12345"] != 1 || len(errs) != 3 {
		t.Errorf("trafficsim_request_errors_total = %v", errs)
	}
	dur := series(t, reg, "trafficsim_request_duration_seconds")
	if dur["capability=,group=auth,method=POST,route=/api/v1/auth/login,run=abc12345"] != 2 || len(dur) != 4 {
		t.Errorf("trafficsim_request_duration_seconds counts = %v", dur)
	}
	info := series(t, reg, "trafficsim_run_info")
	if info["run=abc12345,scenario=mixed,target=http://127.0.0.1:1,version=test"] != 1 {
		t.Errorf("trafficsim_run_info = %v", info)
	}
}

func TestPercentilesMatchKnownDistribution(t *testing.T) {
	r := newTestRun(t, "pct", nil)
	// 1ms..10000ms once each, in a shuffled order, spread over VUs (shards).
	const n = 10000
	rng := rand.New(rand.NewPCG(1, 2))
	perm := rng.Perm(n)
	for i, v := range perm {
		r.Record(sample(i, "user_query", "GET", "/api/v1/users", 200, true, "", time.Duration(v+1)*time.Millisecond))
	}
	st := r.Stats()
	check := func(name string, got, want time.Duration) {
		t.Helper()
		// HDR with 2 significant digits: within 1% (plus the rank rounding of 1 value).
		tol := want/100 + time.Millisecond
		if d := got - want; d < -tol || d > tol {
			t.Errorf("%s = %v, want %v ± %v", name, got, want, tol)
		}
	}
	for _, l := range []Latency{st.Latency, st.Endpoints[0].Latency} {
		check("p50", l.P50, 5000*time.Millisecond)
		check("p95", l.P95, 9500*time.Millisecond)
		check("p99", l.P99, 9900*time.Millisecond)
		if l.Max != 10000*time.Millisecond {
			t.Errorf("max = %v, want exactly 10s", l.Max)
		}
		if want := 5000500 * time.Microsecond; l.Mean != want {
			t.Errorf("mean = %v, want exactly %v", l.Mean, want)
		}
	}
	// Stats is repeatable (the scratch histograms are reset between calls).
	if again := r.Stats(); again.Latency != st.Latency || again.Requests != n {
		t.Errorf("second Stats = %+v (n=%d), want %+v", again.Latency, again.Requests, st.Latency)
	}
}

// TestReadsSeeEveryLatency: a latency waits in its endpoint's pending batch
// until the batch is full (Record) or the histogram is read; every read —
// Stats and LatencyHistograms — sees each latency recorded before it, at
// every count whether or not it fills a batch.
func TestReadsSeeEveryLatency(t *testing.T) {
	r := newTestRun(t, "pending", nil)
	key := EndpointKey{Group: "user_query", Method: "GET", Route: "/api/v1/users"}
	for i := 1; i <= 40; i++ {
		r.Record(sample(0, key.Group, key.Method, key.Route, 200, true, "", time.Duration(i)*time.Millisecond))
		snap := r.LatencyHistograms()[key]
		if snap == nil {
			t.Fatalf("after %d latencies: no histogram for %v", i, key)
		}
		h := hdrhistogram.Import(snap)
		if h.TotalCount() != int64(i) || h.Max() < int64(i)*1000 {
			t.Fatalf("after %d latencies: histogram holds %d, max %dµs", i, h.TotalCount(), h.Max())
		}
		// Stats' p99 of 1..i ms is i ms within the histogram's 1%: the
		// newest latency is in.
		if p99 := r.Stats().Endpoints[0].Latency.P99; p99 < time.Duration(i)*time.Millisecond*99/100 {
			t.Fatalf("after %d latencies: p99 %s, want ≈%dms", i, p99, i)
		}
	}
}

func TestConcurrentRecord(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := newTestRun(t, "conc", reg, WithShards(4))
	const workers, per = 32, 2000
	routes := []string{"/api/v1/users", "/api/v1/users/{id}", "/api/v1/roles"}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	// A reader taking Stats concurrently, as the progress display does.
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
				_ = r.Stats()
			}
		}
	}()
	for w := range workers {
		wg.Go(func() {
			for i := range per {
				status, exp := 200, true
				if i%10 == 0 {
					status, exp = 503, false
				}
				r.Record(sample(w, "user_query", "GET", routes[i%len(routes)], status, exp, "", time.Duration(i)*time.Microsecond))
				if i%100 == 0 {
					r.TokenOp("refresh", i%200 == 0)
					r.VUTransition(VUActive, VUThinking)
					r.VUTransition(VUThinking, VUActive)
				}
			}
		})
	}
	wg.Wait()
	close(stop)

	st := r.Stats()
	if st.Requests != workers*per {
		t.Fatalf("Requests = %d, want %d", st.Requests, workers*per)
	}
	if st.Outcomes.ServerError != workers*per/10 || st.Unexpected != workers*per/10 {
		t.Errorf("server errors = %d, unexpected = %d, want %d", st.Outcomes.ServerError, st.Unexpected, workers*per/10)
	}
	var sum int64
	for _, e := range st.Endpoints {
		sum += e.Requests
	}
	if sum != workers*per {
		t.Errorf("sum over endpoints = %d, want %d", sum, workers*per)
	}
	var prom float64
	for _, v := range series(t, reg, "trafficsim_requests_total") {
		prom += v
	}
	if prom != workers*per {
		t.Errorf("trafficsim_requests_total sums to %v, want %d", prom, workers*per)
	}
	if got := st.TokenOps["refresh"]; got["success"]+got["failure"] != workers*per/100 {
		t.Errorf("token ops = %v", got)
	}
}

func TestUnregisterRemovesOnlyThatRun(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	a := newTestRun(t, "runaaaa1", reg)
	b := newTestRun(t, "runbbbb2", reg)
	for _, r := range []*Run{a, b} {
		r.Record(sample(0, "auth", "POST", "/api/v1/auth/login", 200, true, "timeout", time.Millisecond))
		r.VUTransition("", VUActive)
		r.AssignArchetype("admin")
		r.Session("admin", time.Second, true)
		r.TokenOp("login", true)
	}

	if _, err := NewRun(RunInfo{ID: "runaaaa1"}, reg); err == nil || !strings.Contains(err.Error(), "already in use") {
		t.Fatalf("second run with the same id: err = %v, want 'already in use'", err)
	}

	a.Unregister()
	a.Unregister() // idempotent

	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	names := map[string]bool{}
	for _, mf := range mfs {
		names[mf.GetName()] = true
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == "run" && lp.GetValue() != "runbbbb2" {
					t.Errorf("%s still has a series of run %q after Unregister", mf.GetName(), lp.GetValue())
				}
			}
		}
	}
	for _, n := range []string{
		"trafficsim_requests_total", "trafficsim_request_duration_seconds", "trafficsim_request_errors_total",
		"trafficsim_virtual_users", "trafficsim_sessions_total", "trafficsim_session_duration_seconds",
		"trafficsim_journeys_total", "trafficsim_token_operations_total", "trafficsim_run_info",
	} {
		if !names[n] {
			t.Errorf("%s of the remaining run is missing", n)
		}
	}

	// Recording after Unregister keeps the in-process stats and adds no series.
	a.Record(sample(0, "auth", "POST", "/api/v1/auth/login", 200, true, "", time.Millisecond))
	if got := a.Stats().Requests; got != 2 {
		t.Errorf("Requests after Unregister = %d, want 2", got)
	}
	if s := series(t, reg, "trafficsim_requests_total"); len(s) != 1 {
		t.Errorf("series after recording on an unregistered run: %v", s)
	}

	// The id is free again.
	c := newTestRun(t, "runaaaa1", reg)
	c.Unregister()
	b.Unregister()
	if mfs, _ := reg.Gather(); len(mfs) != 0 {
		t.Errorf("registry not empty after every run unregistered: %d families", len(mfs))
	}
}

func TestNewRunErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		info RunInfo
		opts []Option
		want string
	}{
		"empty id":    {RunInfo{}, nil, "RunInfo.ID is empty"},
		"bad shards":  {RunInfo{ID: "x"}, []Option{WithShards(0)}, "shards = 0"},
		"bad buckets": {RunInfo{ID: "x"}, []Option{WithLatencyBuckets([]float64{1, 0.5})}, "latency buckets must increase"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := NewRun(tc.info, prometheus.NewRegistry(), tc.opts...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want containing %q", err, tc.want)
			}
		})
	}
	// A registration failure other than a duplicate id is reported, not hidden.
	reg := prometheus.NewRegistry()
	clash := prometheus.NewCounter(prometheus.CounterOpts{Name: "trafficsim_requests_total", Help: "other help"})
	reg.MustRegister(clash)
	if _, err := NewRun(RunInfo{ID: "x"}, reg); err == nil || !strings.Contains(err.Error(), `register metrics of run "x"`) {
		t.Errorf("NewRun on a registry with a clashing metric: err = %v, want a registration error", err)
	}
	// Nothing of the failed run is left behind.
	if s := series(t, reg, "trafficsim_run_info"); len(s) != 0 {
		t.Errorf("failed NewRun left series: %v", s)
	}
}

func TestVUsArchetypesTokens(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := newTestRun(t, "vus", reg)
	for range 5 {
		r.VUTransition("", VUActive)
	}
	r.VUTransition(VUActive, VUThinking)
	r.VUTransition(VUActive, VUThinking)
	r.VUTransition(VUThinking, VUActive)
	r.VUTransition(VUActive, VUDone)
	r.VUTransition("bogus", "worse") // ignored

	r.AssignArchetype("new_user")
	r.AssignArchetype("new_user")
	r.AssignArchetype("power_user")
	r.Session("new_user", 2*time.Second, true)
	r.Session("new_user", 4*time.Second, false)
	r.Session("power_user", time.Second, true)
	r.TokenOp("login", true)
	r.TokenOp("login", false)
	r.TokenOp("logout", true)

	st := r.Stats()
	if want := map[VUState]int64{VUActive: 3, VUThinking: 1, VUDone: 1, VUParked: 0}; fmt.Sprint(st.VUs) != fmt.Sprint(want) {
		t.Errorf("VUs = %v, want %v", st.VUs, want)
	}
	g := series(t, reg, "trafficsim_virtual_users")
	if g["run=vus,state=active"] != 3 || g["run=vus,state=thinking"] != 1 || g["run=vus,state=done"] != 1 {
		t.Errorf("trafficsim_virtual_users = %v", g)
	}
	nu := st.Archetypes["new_user"]
	if nu.VUs != 2 || nu.Sessions != 2 || nu.Completed != 1 || nu.Aborted != 1 || nu.MeanDuration != 3*time.Second {
		t.Errorf("new_user = %+v", nu)
	}
	if pu := st.Archetypes["power_user"]; pu.VUs != 1 || pu.Sessions != 1 || pu.Completed != 1 {
		t.Errorf("power_user = %+v", pu)
	}
	if st.TokenOps["login"]["success"] != 1 || st.TokenOps["login"]["failure"] != 1 || st.TokenOps["logout"]["success"] != 1 {
		t.Errorf("TokenOps = %v", st.TokenOps)
	}
	j := series(t, reg, "trafficsim_journeys_total")
	if j["archetype=new_user,result=completed,run=vus"] != 1 || j["archetype=new_user,result=aborted,run=vus"] != 1 {
		t.Errorf("trafficsim_journeys_total = %v", j)
	}
	if s := series(t, reg, "trafficsim_session_duration_seconds"); s["archetype=new_user,run=vus"] != 2 {
		t.Errorf("trafficsim_session_duration_seconds = %v", s)
	}
	tok := series(t, reg, "trafficsim_token_operations_total")
	if tok["op=login,result=failure,run=vus"] != 1 || tok["op=logout,result=success,run=vus"] != 1 {
		t.Errorf("trafficsim_token_operations_total = %v", tok)
	}
}

func TestRecentKeepsNewestTwenty(t *testing.T) {
	r := newTestRun(t, "recent", nil, WithShards(4))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 50 {
		r.Record(Sample{VU: i % 7, Group: "auth", Method: "POST", Route: "/api/v1/auth/login", Status: 200 + i,
			Expected: true, Start: base.Add(time.Duration(i) * time.Second), Latency: time.Millisecond})
	}
	rec := r.Stats().Recent
	if len(rec) != recentSize {
		t.Fatalf("len(Recent) = %d, want %d", len(rec), recentSize)
	}
	for i, e := range rec {
		if want := 200 + 30 + i; e.Status != want {
			t.Errorf("Recent[%d].Status = %d, want %d (newest last)", i, e.Status, want)
		}
	}
	if want := base.Add(49*time.Second + time.Millisecond); !rec[recentSize-1].Time.Equal(want) {
		t.Errorf("newest event time = %v, want %v (send time + latency)", rec[recentSize-1].Time, want)
	}
}

func TestRecordDoesNotAllocate(t *testing.T) {
	r := newTestRun(t, "alloc", prometheus.NewRegistry())
	samples := []Sample{
		sample(0, "user_query", "GET", "/api/v1/users", 200, true, "", 12*time.Millisecond),
		sample(1, "auth", "POST", "/api/v1/auth/login", 401, true, "", 3*time.Millisecond),
		sample(2, "user_mutation", "POST", "/api/v1/users", 0, false, "timeout", 30*time.Second),
		sample(3, "admin", "DELETE", "/api/v1/users/{id}", 500, false, "unexpected_status", time.Second),
	}
	for _, s := range samples { // warm up: first sight of each endpoint/status allocates
		r.Record(s)
	}
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		r.Record(samples[i%len(samples)])
		i++
	})
	if allocs != 0 {
		t.Errorf("Record allocates %.1f times per call in steady state, want 0", allocs)
	}
}

func benchSamples() []Sample {
	routes := []struct{ group, method, route string }{
		{"user_query", "GET", "/api/v1/users"},
		{"user_query", "GET", "/api/v1/users/{id}"},
		{"user_query", "GET", "/api/v1/users/search"},
		{"auth", "POST", "/api/v1/auth/login"},
		{"user_mutation", "POST", "/api/v1/users"},
		{"profile", "GET", "/api/v1/users/{userId}/profile"},
		{"role_permission", "GET", "/api/v1/roles"},
		{"admin", "PUT", "/api/v1/users/{id}/activate"},
	}
	statuses := []int{200, 200, 200, 201, 404, 401, 500, 0}
	var out []Sample
	for i := range 256 {
		rt := routes[i%len(routes)]
		st := statuses[(i/len(routes))%len(statuses)]
		kind := ""
		if st == 0 {
			kind = "timeout"
		}
		out = append(out, sample(i, rt.group, rt.method, rt.route, st, st < 500, kind, time.Duration(1+i*997%400)*time.Millisecond))
	}
	return out
}

// BenchmarkRecord records samples of 8 rows found by their names, and by
// their slots (Sample.Slot, as the VUs record).
func BenchmarkRecord(b *testing.B) {
	for _, slotted := range []bool{false, true} {
		b.Run(map[bool]string{false: "by-name", true: "by-slot"}[slotted], func(b *testing.B) {
			r := newTestRun(b, "bench", prometheus.NewRegistry())
			ss := benchSamples()
			for i := range ss {
				if slotted {
					ss[i].Slot = 1 + i%8 // benchSamples cycles through 8 routes
				}
				r.Record(ss[i])
			}
			b.ReportAllocs()
			b.ResetTimer()
			i := 0
			for b.Loop() {
				r.Record(ss[i&255])
				i++
			}
		})
	}
}

func BenchmarkRecordParallel(b *testing.B) { benchRecordParallel(b, "benchp", 1) }

// benchRecordParallel records from goroutines that each play one VU, as in the
// runner, perCPU of them per CPU.
func benchRecordParallel(b *testing.B, id string, perCPU int) {
	r := newTestRun(b, id, prometheus.NewRegistry())
	ss := benchSamples()
	for _, s := range ss {
		r.Record(s)
	}
	var next sync.Mutex
	vu := 0
	b.SetParallelism(perCPU)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		next.Lock()
		me := vu
		vu++
		next.Unlock()
		i := 0
		for pb.Next() {
			s := ss[i&255]
			s.VU = me
			r.Record(s)
			i++
		}
	})
}

func BenchmarkStats(b *testing.B) {
	r := newTestRun(b, "benchs", nil)
	for _, s := range benchSamples() {
		r.Record(s)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = r.Stats()
	}
}

// TestParallelRunsOneRegistry is the plugin host's case: runs start, record and
// end concurrently on one registry while it is scraped.
func TestParallelRunsOneRegistry(t *testing.T) {
	reg := NewRegistry()
	const runs, workers, per = 4, 4, 500
	stop := make(chan struct{})
	scraped := make(chan struct{})
	go func() {
		defer close(scraped)
		for {
			select {
			case <-stop:
				return
			default:
				if _, err := reg.Gather(); err != nil {
					t.Errorf("gather during parallel runs: %v", err)
					return
				}
			}
		}
	}()
	all := make([]*Run, runs)
	for i := range all {
		all[i] = newTestRun(t, fmt.Sprintf("par%05d", i), reg)
	}
	var wg sync.WaitGroup
	for i, r := range all {
		wg.Go(func() {
			var inner sync.WaitGroup
			for w := range workers {
				inner.Go(func() {
					for j := range per {
						r.Record(sample(w, "user_query", "GET", "/api/v1/users", 200+j%2, true, "", time.Millisecond))
					}
				})
			}
			inner.Wait()
			if i > 0 { // run 0 stays registered
				r.Unregister()
			}
		})
	}
	wg.Wait()
	close(stop)
	<-scraped

	reqs := series(t, reg, "trafficsim_requests_total")
	var total float64
	for k, v := range reqs {
		if !strings.Contains(k, "run=par00000") {
			t.Errorf("series of an ended run left: %s", k)
		}
		total += v
	}
	if total != workers*per {
		t.Errorf("remaining run's requests = %v, want %d", total, workers*per)
	}
	for i, r := range all {
		if got := r.Stats().Requests; got != workers*per {
			t.Errorf("run %d: Requests = %d, want %d", i, got, workers*per)
		}
	}
}

// BenchmarkRecordParallelManyVUs: 32 goroutines per CPU, as with many more VUs
// than cores.
func BenchmarkRecordParallelManyVUs(b *testing.B) { benchRecordParallel(b, "benchm", 32) }

func TestPrometheusHistogramBuckets(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	r := newTestRun(t, "hist", reg, WithLatencyBuckets([]float64{0.001, 0.01, 1}))
	for _, d := range []time.Duration{
		500 * time.Microsecond, time.Millisecond, // ≤ 1ms (le is inclusive)
		1001 * time.Microsecond, 10 * time.Millisecond, // ≤ 10ms
		999 * time.Millisecond, // ≤ 1s
		45 * time.Second,       // +Inf only
	} {
		r.Record(sample(int(d%7), "auth", "POST", "/api/v1/auth/login", 200, true, "", d))
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var h *dto.Histogram
	for _, mf := range mfs {
		if mf.GetName() == "trafficsim_request_duration_seconds" {
			h = mf.GetMetric()[0].GetHistogram()
		}
	}
	if h == nil {
		t.Fatal("no trafficsim_request_duration_seconds")
	}
	var got []string
	for _, b := range h.GetBucket() {
		got = append(got, fmt.Sprintf("%g:%d", b.GetUpperBound(), b.GetCumulativeCount()))
	}
	if want := "0.001:2 0.01:4 1:5"; strings.Join(got, " ") != want {
		t.Errorf("buckets = %v, want %s", got, want)
	}
	if h.GetSampleCount() != 6 {
		t.Errorf("count = %d, want 6", h.GetSampleCount())
	}
	if want := 0.0005 + 0.001 + 0.001001 + 0.01 + 0.999 + 45; h.GetSampleSum() < want-1e-9 || h.GetSampleSum() > want+1e-9 {
		t.Errorf("sum = %v, want %v", h.GetSampleSum(), want)
	}
}

func TestActiveUsers(t *testing.T) {
	st := Stats{VUs: map[VUState]int64{VUActive: 3, VUThinking: 4, VUDone: 9}}
	if got := st.ActiveUsers(); got != 7 {
		t.Errorf("ActiveUsers = %d, want 7", got)
	}
}

// TestRecordSlots: a sample's Slot only speeds the look-up of its row: rows
// sharing a slot, a slot out of range and a slot-less sample of a slotted
// row all count where their names say, as do the statuses that alternate
// within a row.
func TestRecordSlots(t *testing.T) {
	r := newTestRun(t, "slots", prometheus.NewRegistry())
	type row struct {
		group, method, route string
		slot                 int
	}
	rows := []row{
		{"user_query", "GET", "/api/v1/users", 1},
		{"user_query", "GET", "/api/v1/users/{id}", 1}, // the same slot: names decide
		{"auth", "POST", "/api/v1/auth/login", MaxSlots + 5},
		{"auth", "POST", "/api/v1/auth/logout", 0},
	}
	want := map[string]map[int]int64{}
	for i := range 400 {
		rw := rows[i%len(rows)]
		status := 200
		if i%3 == 0 {
			status = 404
		}
		s := sample(i%7, rw.group, rw.method, rw.route, status, status == 200, "", time.Millisecond)
		s.Slot = rw.slot
		if i%5 == 0 {
			s.Slot = 0 // the same row recorded without its slot
		}
		r.Record(s)
		if want[rw.route] == nil {
			want[rw.route] = map[int]int64{}
		}
		want[rw.route][status]++
	}
	st := r.Stats()
	if len(st.Endpoints) != len(rows) {
		t.Fatalf("%d endpoint rows, want %d", len(st.Endpoints), len(rows))
	}
	for _, ep := range st.Endpoints {
		var n int64
		for code, c := range want[ep.Route] {
			n += c
			if ep.Statuses[code] != c {
				t.Errorf("%s: %d answers of %d, want %d", ep.Route, ep.Statuses[code], code, c)
			}
		}
		if ep.Requests != n {
			t.Errorf("%s: %d requests, want %d", ep.Route, ep.Requests, n)
		}
	}
}

// TestFailedAnswersAreNoSuccess: an answer of 1xx–3xx that failed (a
// redirect, an unreadable answer) is the outcome failed_answer, not a
// success, in the totals and in its endpoint's row.
func TestFailedAnswersAreNoSuccess(t *testing.T) {
	r := newTestRun(t, "abc12345", prometheus.NewPedanticRegistry())
	const users = "/api/v1/users"
	r.Record(sample(0, "user_query", "GET", users, 200, true, "", time.Millisecond))
	r.Record(sample(1, "user_query", "GET", users, 301, false, "redirect", time.Millisecond))
	r.Record(sample(2, "user_query", "GET", users, 200, false, "protocol", time.Millisecond))
	st := r.Stats()
	if want := (Outcomes{Success: 1, FailedAnswer: 2}); st.Outcomes != want {
		t.Errorf("Outcomes = %+v, want %+v", st.Outcomes, want)
	}
	if len(st.Endpoints) != 1 || st.Endpoints[0].Failed != 2 {
		t.Errorf("endpoints %+v, want one with 2 failed answers", st.Endpoints)
	}
}

// TestErrorSamples: the failures behind an error kind keep their messages:
// the first distinct ones, at most MaxErrorSamples a kind, whatever the
// shard; a repeated message is kept once.
func TestErrorSamples(t *testing.T) {
	r := newTestRun(t, "abc12345", prometheus.NewPedanticRegistry())
	for i := range 20 {
		s := sample(i, "user_query", "GET", "/api/v1/users", 200, false, "protocol", time.Millisecond)
		s.Err = fmt.Errorf("malformed answer %d", i%2)
		r.Record(s)
	}
	for i := range 5 {
		s := sample(i, "auth", "POST", "/api/v1/auth/login", 0, false, "connection", time.Millisecond)
		s.Err = fmt.Errorf("connection refused %d", i)
		r.Record(s)
	}
	r.Record(sample(0, "auth", "POST", "/api/v1/auth/login", 500, false, "unexpected_status", time.Millisecond))
	got := r.Stats().ErrorSamples
	if p := got["protocol"]; len(p) != 2 || p[0] == p[1] {
		t.Errorf("protocol samples %q, want the 2 distinct messages", p)
	}
	if c := got["connection"]; len(c) != MaxErrorSamples {
		t.Errorf("connection samples %q, want %d", c, MaxErrorSamples)
	}
	if u, ok := got["unexpected_status"]; ok {
		t.Errorf("unexpected_status samples %q, want none (no message)", u)
	}
}
