package behaviour

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trafficsim/trafficsim/engine/client"
	"github.com/trafficsim/trafficsim/engine/generator"
	"github.com/trafficsim/trafficsim/engine/metrics"
	"github.com/trafficsim/trafficsim/engine/resilience"
	"github.com/trafficsim/trafficsim/engine/scenario"
	"github.com/trafficsim/trafficsim/engine/usersvc"
)

// BenchmarkJourney is one journey VU with no think time (1 ns) against the real
// reference target over loopback, as bench/run.sh's sweep j runs it: the
// journey of bench/scenarios/journey.yaml (a session of 18 requests, then
// the next) and the built-in active_user (long sessions of weighted actions),
// with the run's default resilience policy. An op is one request; cpu-ns/op
// is the process's user+system CPU per request.
//
// By default the target runs in this process, so every figure includes its
// share. With TRAFFICSIM_BENCH_TARGET set to the URL of a separate
// `trafficsim target --bcrypt-cost 4` they are the engine's alone (ns/op is
// then mostly the wait for the target; cpu-ns/op, B/op and allocs/op are
// the figures to compare).
func BenchmarkJourney(b *testing.B) {
	url := os.Getenv("TRAFFICSIM_BENCH_TARGET")
	if url == "" {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		target, err := usersvc.Start(ctx, usersvc.Config{BcryptCost: 4, AdminPassword: "Bench-admin-1"}, "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		url = target.URL
	}
	for _, c := range []struct{ name, scenario string }{
		{"journey", "../../bench/scenarios/journey.yaml"},
		{"active_user", "active_user"},
	} {
		b.Run(c.name, func(b *testing.B) {
			v := journeyVU(b, url, c.scenario, b.N)
			b.ReportAllocs()
			cpu0 := cpuTime(b)
			b.ResetTimer()
			drive(v, -1)
			b.StopTimer()
			b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(b.N), "cpu-ns/op")
			if v.sent != b.N {
				b.Fatalf("sent %d requests, want %d", v.sent, b.N)
			}
		})
	}
}

// runOf prepares what the VUs of a run of the scenario against url share, as
// the runner would: its recorder on reg, its client with the policy (nil: the
// client's fixed timeout), the load model of the closed model without ramp-up.
func runOf(tb testing.TB, url string, sc *scenario.Scenario, set Settings, reg *prometheus.Registry, pol client.Policy) *Shared {
	tb.Helper()
	return runDialling(tb, url, sc, set, reg, pol, nil, make(chan struct{}))
}

// runDialling is runOf with the client dialling with dial (nil: the dialer)
// and the run stopped by closing stop.
func runDialling(tb testing.TB, url string, sc *scenario.Scenario, set Settings, reg *prometheus.Registry, pol client.Policy,
	dial func(context.Context, string, string) (net.Conn, error), stop chan struct{}) *Shared {
	tb.Helper()
	rec, err := metrics.NewRun(metrics.RunInfo{ID: set.RunID, Scenario: sc.Name, Target: url}, reg)
	if err != nil {
		tb.Fatal(err)
	}
	cl, err := client.New(client.Options{BaseURL: url, Conns: 4, Policy: pol, Dial: dial})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(cl.Close)
	adv, _ := pol.(client.Advisor)
	return NewShared(Options{
		Settings: set, Scenario: sc, Client: cl, Recorder: rec, Stop: stop, Requests: context.Background(),
		Monitor: generator.New(generator.Options{}), Log: slog.New(slog.DiscardHandler), Ledger: NewLedger(set.RunID),
		Advisor: adv, Load: Load{Slots: 1},
	})
}

// drive runs a journey VU started as by Start in the calling goroutine: to
// its next pause, and at once past it as its timer would, actions times (-1:
// until it is over, then false). It leaves the VU thinking.
func drive(v *VU, actions int) (thinking bool) {
	v.begin()
	for a := 0; ; a++ {
		d, over := v.advance()
		if over {
			return false
		}
		v.pause(d)
		if a == actions {
			return true
		}
		v.resume(true)
	}
}

// journeyVU prepares VU 0 of a run of the scenario against url with a budget
// of n requests and no think time, as the runner would, without starting it.
// The budget is split between the file's sessions: they are the journey's 18
// requests each when n is 18 a session (sweep j's 18,000 for 1,000 sessions).
func journeyVU(b *testing.B, url, name string, n int) *VU {
	b.Helper()
	sc, err := scenario.Load(name)
	if err != nil {
		b.Fatal(err)
	}
	// A run id of its own: the target may have seen this VU's names (another
	// b.N, or an earlier benchmark against TRAFFICSIM_BENCH_TARGET).
	run := fmt.Sprintf("bj%06x", rand.Uint32()&0xffffff)
	reg := metrics.NewRegistry()
	pol, err := resilience.New(resilience.Defaults(), resilience.Run{ID: run, Users: 1, Registerer: reg})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pol.Stop)
	sh := runOf(b, url, sc, Settings{RunID: run, Seed: 1, MinRequests: n, MaxRequests: n, DelayMin: time.Nanosecond, DelayMax: time.Nanosecond}, reg, pol)
	var arch *scenario.Archetype
	for i := range sc.Archetypes {
		if a := &sc.Archetypes[i]; a.Name == "active_user" {
			arch = a
		}
	}
	if arch == nil {
		b.Fatalf("scenario %s has no active_user", name)
	}
	v := New(sh, 0, arch)
	v.jt = &parking{} // as Start leaves it, with drive for its timer
	if name != "active_user" {
		v.sessions = max(1, n/18)
	}
	return v
}
