package enginerpc

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
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
		Stats: RunStats{ActiveUsers: 50, TotalUsers: 50, Requests: 5230, Errors: 12, SuccessRate: 0.86, RPS: 87.5,
			AvgLatency: 4200 * time.Microsecond, P95Latency: 11800 * time.Microsecond, MaxLatency: 95100 * time.Microsecond,
			Elapsed: 60300 * time.Millisecond, Remaining: -1,
			Model: "open", TargetUsers: 400, TargetRate: 12.5, Stage: 2, Iterations: 640, DroppedIterations: 3,
			Breakers: []Breaker{{Group: "auth", State: "half_open"}, {Group: "profile", State: "open"}}, Degradation: "heavy"},
		Recent: []RequestEvent{{Time: t0.Add(time.Second), VU: 17, Method: "GET", Route: "/api/v1/users/{id}", Status: 200, Latency: 300 * time.Microsecond},
			{Time: t0.Add(2 * time.Second), VU: 3, Method: "POST", Route: "/api/v1/auth/login", Status: 0, Latency: time.Second}},
		Error: "",
	}
	out := statusFromPB(statusToPB(in))
	want := in
	want.Config.AdminPassword = ""
	want.Config.APIProfile = "" // a status names the profile; its text stays with the run
	want.Config.ClientKeyPEM = ""
	if !reflect.DeepEqual(out, want) {
		t.Fatalf("after the wire:\n got %+v\nwant %+v", out, want)
	}
	in.Stats.Remaining = 30 * time.Second
	in.State, in.EndedAt, in.Error = StateFailed, t0.Add(time.Minute), "the engine process exited"
	if out := statusFromPB(statusToPB(in)); out.Stats.Remaining != 30*time.Second || out.State != StateFailed || !out.EndedAt.Equal(in.EndedAt) || out.Error != in.Error {
		t.Fatalf("after the wire: %+v", out)
	}
	if cfg := configFromPB(configToPB(in.Config)); !reflect.DeepEqual(cfg, in.Config) {
		t.Fatalf("config after the wire = %+v; want %+v (the request keeps the password)", cfg, in.Config)
	}
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

// The plugin reads and shows the load model in the command line's words.
func TestLoadTextRoundTrips(t *testing.T) {
	st, err := ParseStages("30s:100, 1m:500,30s:0")
	if err != nil || FormatStages(st, false) != "30s:100,1m0s:500,30s:0" {
		t.Fatalf("ParseStages = %v, %v; formatted %q", st, err, FormatStages(st, false))
	}
	rs, err := ParseRateStages("30s:90/m,1m:100/s")
	if err != nil || FormatStages(rs, true) != "30s:1.5/s,1m0s:100/s" {
		t.Fatalf("ParseRateStages = %v, %v; formatted %q", rs, err, FormatStages(rs, true))
	}
	if r, err := ParseRate("90/m"); err != nil || r != 1.5 || FormatRate(r) != "1.5/s" || FormatRate(0) != "" {
		t.Fatalf("ParseRate(90/m) = %v, %v", r, err)
	}
	for _, bad := range []string{"30s100", "30s:-1", "x:10"} {
		if _, err := ParseStages(bad); err == nil || !strings.Contains(err.Error(), "stage 1") {
			t.Errorf("ParseStages(%q) error = %v; want one naming the stage", bad, err)
		}
	}
}
