package runhost

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/trafficsim/trafficsim/engine/check"
	"github.com/trafficsim/trafficsim/engine/client"
	"github.com/trafficsim/trafficsim/engine/enginerpc"
	"github.com/trafficsim/trafficsim/engine/runner"
	"github.com/trafficsim/trafficsim/engine/scenario"
	"github.com/trafficsim/trafficsim/engine/usersvc"
)

// checkTimeout bounds one CheckTarget: a check sends a handful of requests.
const checkTimeout = time.Minute

// CheckTarget implements enginerpc.Engine.
func (h *Host) CheckTarget(ctx context.Context, req enginerpc.CheckRequest) (enginerpc.CheckReport, error) {
	if h.ctx.Err() != nil {
		return enginerpc.CheckReport{}, fmt.Errorf("check target: engine is shutting down")
	}
	rep, err := h.opts.Check(ctx, req)
	if err == nil && req.BaseURL != "" {
		h.log.Info("target checked", "target", req.BaseURL, "profile", req.APIProfileName, "org", req.OrgID, "rows", len(rep.Rows), "fatal", rep.Fatal)
	}
	return rep, err
}

// CheckTarget parses the request's API profile and runs engine/check against its
// target, as `trafficsim check --api-profile` does. The check's client follows
// no redirects (engine/client), so it stays on the target it was given.
func CheckTarget(ctx context.Context, req enginerpc.CheckRequest) (enginerpc.CheckReport, error) {
	var prof client.Profile
	if req.APIProfile != "" {
		p, err := scenario.ParseProfile([]byte(req.APIProfile), cmp.Or(req.APIProfileName, "API profile"))
		if err != nil {
			return enginerpc.CheckReport{}, &enginerpc.FieldError{Field: "api_profile", Message: err.Error()}
		}
		prof = p
	}
	if req.BaseURL == "" {
		return enginerpc.CheckReport{}, nil // only the profile was asked about
	}
	// A target with a path is refused here too, as a run's is (runner.Config).
	if _, err := runner.ParseRootBaseURL(req.BaseURL); err != nil {
		return enginerpc.CheckReport{}, fieldError(err)
	}
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	rep, err := check.Run(ctx, check.Options{BaseURL: req.BaseURL, Profile: prof, ProfileGiven: req.APIProfile != "",
		AdminUser: cmp.Or(req.AdminUser, "admin"), AdminPassword: cmp.Or(req.AdminPassword, usersvc.DefaultAdminPassword),
		Network: tlsSettings(req.TLS)})
	if err != nil {
		return enginerpc.CheckReport{}, &enginerpc.FieldError{Field: "base_url", Message: err.Error()}
	}
	out := enginerpc.CheckReport{Fatal: rep.Fatal, Rows: make([]enginerpc.CheckRow, len(rep.Rows))}
	for i, x := range rep.Rows {
		out.Rows[i] = enginerpc.CheckRow(x)
	}
	return out, nil
}
