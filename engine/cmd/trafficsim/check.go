package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/trafficsim/trafficsim/engine/check"
	"github.com/trafficsim/trafficsim/engine/client"
	"github.com/trafficsim/trafficsim/engine/inputfile"
	"github.com/trafficsim/trafficsim/engine/runner"
	"github.com/trafficsim/trafficsim/engine/scenario"
	"github.com/trafficsim/trafficsim/engine/usersvc"
)

func init() { subcommands = append(subcommands, newCheckCmd) }

// checkTimeout bounds a check: a few dozen requests.
const checkTimeout = 60 * time.Second

type checkOptions struct{ targetFlags }

func newCheckCmd() *cobra.Command {
	var o checkOptions
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Verify an API profile against the live target before any load",
		Long: `check tries the API profile against the target with a handful of safe requests
under a probe account it creates and removes: the admin login and where its token
sits, sign-up and login, list items, paging (page size, total, next page), the id
paths, and every one of the 33 capabilities once — each must be answered without
404/405. It prints a table (capability, method and path, status, verdict) and a
concrete fix for each failure, e.g. "no token at data.access_token; the login
answer has data.accessToken: set token.access: data.accessToken".

trafficsim run runs the same check first (--skip-check skips it). See docs/api-profile.md.

Exit codes: 0 every check passed, 1 a check failed (or the profile has a mistake),
2 invalid flags.`,
		Example: `  trafficsim check --base-url http://127.0.0.1:8080 --api-profile accounts.yaml --admin-user admin@example.com
  TRAFFICSIM_ADMIN_PASSWORD=s3cret trafficsim check --base-url http://127.0.0.1:9501`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.execute(cmd) },
	}
	o.addFlags(cmd.Flags(), "admin account of the target (with login by email, its email)", "API profile file (empty: the reference API)", checkTimeout)
	return cmd
}

func (o *checkOptions) execute(cmd *cobra.Command) error {
	netw, err := o.settings()
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	var prof client.Profile
	if o.apiProfile != "" {
		if err := inputfile.Check(o.apiProfile); err != nil {
			return usageError(fmt.Errorf("--api-profile: %w", err))
		}
		p, err := scenario.LoadProfile(o.apiProfile)
		if err != nil {
			// A mistake in the profile is what check is for: a finding, not a usage error.
			fmt.Fprintf(out, "the API profile has a mistake; nothing was sent:\n  ✗ %v\n", err)
			return &exitError{code: ExitFailure}
		}
		prof = p
	}
	sigCtx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(sigCtx, o.timeout)
	defer cancel()
	rep, err := check.Run(ctx, check.Options{BaseURL: o.baseURL, Profile: prof, ProfileGiven: o.apiProfile != "",
		AdminUser: o.adminUser, AdminPassword: adminPassword(o.adminPassword.value), Network: netw})
	if err != nil {
		return usageError(fmt.Errorf("--base-url: %w", err))
	}
	if sigCtx.Err() != nil && cmd.Context().Err() == nil {
		// A signal: what was checked so far, what is left, exit 130.
		rep.Write(out)
		msg := "interrupted; the check's records were removed"
		if text := rep.LeftText(); text != "" {
			msg = "interrupted; " + text
		}
		return &exitError{code: ExitInterrupt, err: errors.New(msg)}
	}
	rep.Write(out)
	if rep.Failed() {
		return &exitError{code: ExitFailure}
	}
	return nil
}

// adminPassword is the flag's value, else the environment's, else the
// reference target's default.
func adminPassword(flag string) string {
	if flag != "" {
		return flag
	}
	if env := os.Getenv(adminPasswordEnv); env != "" {
		return env
	}
	return usersvc.DefaultAdminPassword
}

// checkFlags are run's flags for the check before the load.
type checkFlags struct {
	skip bool
}

// preflight checks the target of a run before any load: it refuses (an
// error) when the login or the token path fails, or when no profile is given
// and the target is not the reference API; other failures are warnings, said
// with warn (a plain line in text, a warn record naming each failure with
// JSON logs, whose table on w is info records). The embedded target and
// plain scenarios are not checked.
func (f *checkFlags) preflight(ctx context.Context, cfg runner.Config, w io.Writer, warn func(text, msg string, attrs ...any)) error {
	if f.skip || cfg.BaseURL == "" {
		return nil
	}
	sc, err := scenario.Load(cfg.Scenario)
	if err != nil || sc.Plain {
		return nil // Validate reported a bad scenario already; plain requests have no capabilities
	}
	prof := sc.API
	if cfg.APIProfile != "" {
		if prof, err = scenario.LoadProfile(cfg.APIProfile); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	rep, err := check.Run(ctx, check.Options{BaseURL: cfg.BaseURL, Profile: prof, ProfileGiven: !prof.IsZero(),
		AdminUser: cfg.AdminUser, AdminPassword: adminPassword(cfg.AdminPassword), Network: cfg.Network})
	if err != nil {
		return err
	}
	if errors.Is(context.Cause(ctx), errInterrupted) {
		// The failed rows are the signal's doing, not the target's.
		return &checkInterrupted{left: rep.LeftText()}
	}
	switch {
	case rep.Fatal != "":
		rep.Write(w)
		fix := "try the fix with trafficsim check"
		if cfg.APIProfile != "" {
			fix = "fix the API profile given with --api-profile and try it with trafficsim check"
		}
		return fmt.Errorf("the target failed the check, so the load did not start: %s (%s; --skip-check runs anyway)", rep.Fatal, fix)
	case rep.Failed():
		rep.Write(w)
		fails := rep.Failures()
		failed := make([]string, len(fails))
		for i, x := range fails {
			failed[i] = x.Capability + ": " + x.Fix
		}
		warn(fmt.Sprintf("warning: %d checks failed (above); the run goes on, but those capabilities will fail — try fixes with trafficsim check", len(fails)),
			fmt.Sprintf("%d checks failed; the run goes on, but those capabilities will fail — try fixes with trafficsim check", len(fails)),
			"failed", failed)
	default:
		fmt.Fprintf(w, "check: %d requests against %s passed (--skip-check skips them)\n", len(rep.Rows), cfg.BaseURL)
	}
	return nil
}
