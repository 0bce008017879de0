package enginerpc

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/trafficsim/trafficsim/engine/enginerpc/enginepb"
)

// Every field survives the trip through the protobuf messages (times to the
// millisecond, latencies to the nanosecond they were given in), except the admin
// password, which never travels back.
func TestStatusSurvivesTheWire(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 3, 0, 0, 123_000_000, time.UTC)
	in := RunStatus{
		ID: "k3v9x2ab", State: StateRunning, StartedAt: t0, EndedAt: time.Time{},
		Config: RunConfig{RunID: "k3v9x2ab", Users: 50, MinRequestCount: 10, MaxRequestCount: 200, Duration: 2 * time.Minute,
			BaseURL: "http://127.0.0.1:9501", DelayMin: 100 * time.Millisecond, DelayMax: 2 * time.Second, Scenario: "mixed",
			Seed: 81723, AdminUser: "admin", AdminPassword: "s3cret", Cleanup: true,
			RampUp: 1500 * time.Millisecond, Stages: []Stage{{Duration: 30 * time.Second, Target: 100}, {Duration: 0, Target: 5}},
			Rate: 2.5, RateStages: []Stage{{Duration: time.Minute, Target: 0.25}}, MaxVUs: 400, MaxRPS: 75.5,
			APIProfile: "token:\n  access: data.accessToken\n", APIProfileName: "othersvc",
			TLS: TLS{CACertPEM: "CA PEM", ClientCertPEM: "CERT PEM", ClientKeyPEM: "KEY PEM", InsecureSkipVerify: true, TLSServerName: "svc.test"}},
		Stats: &RunStats{ActiveUsers: 50, TotalUsers: 50, Requests: 5230, Errors: 12, SuccessRate: 0.86, Rps: 87.5,
			AvgLatencyMs: 4.2, P95LatencyMs: 11.8, MaxLatencyMs: 95.1, ElapsedSeconds: 60.3, RemainingSeconds: -1,
			Model: "open", TargetUsers: 400, TargetRate: 12.5, Stage: 2, Iterations: 640, DroppedIterations: 3,
			Breakers: []*Breaker{{Group: "auth", State: "half_open"}, {Group: "profile", State: "open"}}, Degradation: "heavy"},
		Recent: []RequestEvent{{Time: t0.Add(time.Second), VU: 17, Method: "GET", Route: "/api/v1/users/{id}", Status: 200, Latency: 300 * time.Microsecond},
			{Time: t0.Add(2 * time.Second), VU: 3, Method: "POST", Route: "/api/v1/auth/login", Status: 0, Latency: time.Second}},
		Error: "",
		Cleanup: &Cleanup{Created: 9, Deleted: 5, Gone: 1, Left: 3, LeftNames: []string{"sim_k3v9x2ab_u0_1", "sim_k3v9x2ab_u1_1", "sim_k3v9x2ab_u2_1"},
			Reason: "could not verify: target down", Error: "delete user sim_k3v9x2ab_u0_1: answered 503"},
	}
	out := overTheWire(t, in)
	want := in
	want.Config.AdminPassword = ""
	want.Config.APIProfile = "" // a status names the profile; its text stays with the run
	want.Config.ClientKeyPEM = ""
	if !proto.Equal(out.Stats, want.Stats) {
		t.Fatalf("stats after the wire:\n got %v\nwant %v", out.Stats, want.Stats)
	}
	out.Stats, want.Stats = nil, nil // compared as messages
	if !reflect.DeepEqual(out, want) {
		t.Fatalf("after the wire:\n got %+v\nwant %+v", out, want)
	}
	in.Stats = &RunStats{RemainingSeconds: 30}
	in.State, in.EndedAt, in.Error = StateFailed, t0.Add(time.Minute), "the engine process exited"
	if out := overTheWire(t, in); out.Stats.GetRemainingSeconds() != 30 || out.State != StateFailed || !out.EndedAt.Equal(in.EndedAt) || out.Error != in.Error {
		t.Fatalf("after the wire: %+v", out)
	}
	if cfg := configFromPB(configToPB(in.Config)); !reflect.DeepEqual(cfg, in.Config) {
		t.Fatalf("config after the wire = %+v; want %+v (the request keeps the password)", cfg, in.Config)
	}
}

// overTheWire encodes st as the server sends it and decodes it as the client does.
func overTheWire(t *testing.T, st RunStatus) RunStatus {
	t.Helper()
	b, err := proto.Marshal(statusToPB(st))
	if err != nil {
		t.Fatal(err)
	}
	var back enginepb.RunStatus
	if err := proto.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	return statusFromPB(&back)
}

// A check's request and report keep every field over the wire.
func TestCheckSurvivesTheWire(t *testing.T) {
	req := CheckRequest{BaseURL: "http://127.0.0.1:9501", APIProfile: "token:\n  access: x\n", APIProfileName: "p",
		AdminUser: "root", AdminPassword: "s3cret", OrgID: 7,
		TLS: TLS{CACertPEM: "CA PEM", ClientCertPEM: "CERT PEM", ClientKeyPEM: "KEY PEM", InsecureSkipVerify: true, TLSServerName: "svc.test"}}
	if got := checkRequestFromPB(checkRequestToPB(req)); got != req {
		t.Fatalf("request after the wire = %+v; want %+v", got, req)
	}
	rep := CheckReport{Fatal: "no token", Rows: []CheckRow{
		{Capability: "auth.login (admin)", Method: "POST", Path: "/session", Status: 200, Verdict: "FAIL", Fix: "set token.access", Note: "n"},
		{Capability: "users.list", Method: "GET", Path: "/accounts", Verdict: "skipped"}}}
	if got := checkReportFromPB(checkReportToPB(rep)); !reflect.DeepEqual(got, rep) {
		t.Fatalf("report after the wire = %+v; want %+v", got, rep)
	}
}

func TestErrorsSurviveTheWire(t *testing.T) {
	cases := []struct {
		err   error
		check func(error) bool
	}{
		{&FieldError{Field: "users", Message: "must be at least 1"}, func(err error) bool {
			var fe *FieldError
			return errors.As(err, &fe) && fe.Field == "users" && fe.Message == "must be at least 1"
		}},
		{fmt.Errorf("run %q: %w", "x", ErrNotFound), func(err error) bool { return errors.Is(err, ErrNotFound) }},
		{context.Canceled, func(err error) bool { return errors.Is(err, context.Canceled) }},
		{context.DeadlineExceeded, func(err error) bool { return errors.Is(err, context.DeadlineExceeded) }},
		{errors.New("disk on fire"), func(err error) bool {
			return err != nil && !errors.Is(err, ErrNotFound) && errors.Unwrap(err) == nil && strings.Contains(err.Error(), "disk on fire")
		}},
	}
	for _, c := range cases {
		if got := fromStatus("call", toStatus(c.err)); !c.check(got) {
			t.Errorf("%v came back as %v", c.err, got)
		}
	}
	if toStatus(nil) != nil {
		t.Fatal("nil error became a status")
	}
}
