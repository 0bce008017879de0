package runhost_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/enginerpc"
	"github.com/trafficsim/trafficsim/engine/runhost"
	"github.com/trafficsim/trafficsim/engine/usersvc"
)

// Profiles of the reference target: one right, one with the token in the
// wrong place, one the parser refuses.
const (
	goodProfile     = "token:\n  access: access_token\n"
	wrongTokenPath  = "token:\n  access: data.token\n"
	unknownField    = "token:\n  acces: access_token\n"
	checkAdminPass  = "Admin-pass-1"
	checkAdminEmail = "admin"
)

func startTarget(ctx context.Context, t *testing.T) string {
	t.Helper()
	target, err := usersvc.Start(ctx, usersvc.Config{BcryptCost: 4, AdminPassword: checkAdminPass}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = target.Close() })
	return target.URL
}

// TestCheckTargetRunsTheCheck: CheckTarget returns engine/check's table for a
// profile given as text; a wrong token path fails with its fix and is fatal; a
// profile the parser refuses is a FieldError on api_profile naming the line.
func TestCheckTargetRunsTheCheck(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	base := startTarget(ctx, t)
	h := newHost(nil, runhost.Options{})

	req := enginerpc.CheckRequest{BaseURL: base, APIProfile: goodProfile, APIProfileName: "usersvc", AdminUser: checkAdminEmail, AdminPassword: checkAdminPass}
	rep, err := h.CheckTarget(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Fatal != "" || len(rep.Rows) < 33 {
		t.Fatalf("good profile: fatal %q, %d rows; want none fatal and a row per capability", rep.Fatal, len(rep.Rows))
	}
	for _, r := range rep.Rows {
		if r.Verdict == "FAIL" {
			t.Errorf("good profile: %+v failed", r)
		}
	}

	req.APIProfile = wrongTokenPath
	rep, err = h.CheckTarget(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Fatal == "" || len(rep.Rows) == 0 || rep.Rows[0].Verdict != "FAIL" || !strings.Contains(rep.Rows[0].Fix, "data.token") {
		t.Fatalf("wrong token path: fatal %q, rows %+v; want the login row failed naming data.token", rep.Fatal, rep.Rows)
	}

	req.APIProfile = unknownField
	_, err = h.CheckTarget(ctx, req)
	var fe *enginerpc.FieldError
	if !errors.As(err, &fe) || fe.Field != "api_profile" || !strings.Contains(fe.Message, "usersvc:2") {
		t.Fatalf("unknown field: %v; want a FieldError on api_profile naming usersvc:2", err)
	}

	// A target with a path is refused before any request, as a run's is.
	req.APIProfile, req.BaseURL = goodProfile, base+"/api"
	rep, err = h.CheckTarget(ctx, req)
	if !errors.As(err, &fe) || fe.Field != "base_url" || !strings.Contains(fe.Message, "a path is not taken") || len(rep.Rows) != 0 {
		t.Fatalf("target with a path: %v, %d rows; want a FieldError on base_url refusing the path", err, len(rep.Rows))
	}
}

// TestRunUsesTheProfileText: a run given a profile's text uses it (with a
// wrong token path the admin's cleanup cannot log in and the run ends with
// leftovers), and a profile the
// parser refuses stops the start with a FieldError on api_profile.
func TestRunUsesTheProfileText(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	base := startTarget(ctx, t)
	h := newHost(nil, runhost.Options{})
	cfg := enginerpc.RunConfig{Users: 1, MinRequestCount: 5, MaxRequestCount: 5, Scenario: "mixed", BaseURL: base,
		AdminPassword: checkAdminPass, Cleanup: true, APIProfileName: "usersvc"}

	cfg.APIProfile = unknownField
	_, err := h.Start(ctx, cfg)
	var fe *enginerpc.FieldError
	if !errors.As(err, &fe) || fe.Field != "api_profile" {
		t.Fatalf("unknown field: %v; want a FieldError on api_profile", err)
	}

	for _, c := range []struct {
		profile string
		wantOK  bool
	}{{goodProfile, true}, {wrongTokenPath, false}} {
		cfg.APIProfile = c.profile
		st, err := h.Start(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		st = waitEnded(ctx, t, h, st.ID)
		t.Logf("%q: state %s, %d requests, success %.2f, error %q, cleanup %+v", c.profile, st.State, st.Stats.Requests, st.Stats.SuccessRate, st.Error, st.Cleanup)
		if st.Config.APIProfileName != "usersvc" {
			t.Errorf("status names profile %q, want usersvc", st.Config.APIProfileName)
		}
		ok := st.State == enginerpc.StateFinished && st.Cleanup != nil && st.Cleanup.Verified
		if ok != c.wantOK || (!ok && (st.Cleanup == nil || !strings.Contains(st.Cleanup.Error, "no access token"))) {
			t.Errorf("profile %q: state %s cleanup %+v; want finished and verified = %v (else a cleanup error: no access token)", c.profile, st.State, st.Cleanup, c.wantOK)
		}
	}
}
