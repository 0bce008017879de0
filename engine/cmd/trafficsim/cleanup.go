package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/trafficsim/trafficsim/engine/client"
	"github.com/trafficsim/trafficsim/engine/runner"
	"github.com/trafficsim/trafficsim/engine/scenario"
)

func init() { subcommands = append(subcommands, newCleanupCmd) }

type cleanupOptions struct {
	targetFlags
	run string
}

func newCleanupCmd() *cobra.Command {
	var o cleanupOptions
	cmd := &cobra.Command{
		Use:   "cleanup",
		Short: "Remove leftover simulation data from a target",
		Long: `cleanup logs in to the target as admin and deletes simulation data: users whose
username starts with sim_<run>_ (with --run) — or, without --run, every user named
sim_<run id>_… (a run id is 8 lowercase letters or digits) with an @simulation.test
email — and roles and permissions named the same way. Each record is read by its id
right before its delete and deleted only if its name is still simulation data; one
whose id now holds another record is left alone and counted (foreign skipped).
Deleting a user removes its profile and role assignments too. A run normally cleans up after
itself; use this when one was killed or ran with --cleanup=false.

Before it reports, it searches the target again: "left" is what that search found
("verified"), provided the search listed every record the cleanup read still there by
its id; otherwise it says the target's search does not find the run's records. A delete
answered 2xx counts only once a read finds the record gone. When the search listed
nothing to read, the report says the result rests on the target's search alone. When
it cannot look (login refused, target down, interrupted) it says "not verified" with
the reason and exits 1; it never reports "left 0" it did not see.

Exit codes: 0 everything found was deleted (verified), 1 something is left, could not
be deleted or could not be verified, 2 invalid flags.`,
		Example: `  trafficsim cleanup --base-url http://127.0.0.1:9501 --run k3x9a2mq
  TRAFFICSIM_ADMIN_PASSWORD=s3cret trafficsim cleanup --base-url http://127.0.0.1:9501`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.execute(cmd) },
	}
	f := cmd.Flags()
	f.StringVar(&o.run, "run", "", "only this run's data (its 8-character id); empty = every run's")
	o.addFlags(f, "admin account of the target", "API profile file for a target shaped unlike the reference API", 5*time.Minute)
	return cmd
}

func (o *cleanupOptions) execute(cmd *cobra.Command) error {
	netw, err := o.settings()
	if err != nil {
		return err
	}
	var prof client.Profile
	if o.apiProfile != "" {
		p, err := scenario.LoadProfile(o.apiProfile)
		if err != nil {
			return usageError(fmt.Errorf("--api-profile: %w", err))
		}
		prof = p
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	rep, err := runner.CleanupTarget(ctx, runner.CleanupOptions{
		BaseURL: o.baseURL, RunID: o.run, AdminUser: o.adminUser, AdminPassword: adminPassword(o.adminPassword.value), Profile: prof,
		Network: netw,
	})
	var fe *runner.FieldError
	if errors.As(err, &fe) {
		return usageError(fmt.Errorf("%s: %s", flagOf(fe.Field), fe.Message))
	}
	what := "every run"
	if o.run != "" {
		what = "run " + o.run
	}
	out := cmd.OutOrStdout()
	gone := ""
	if rep.Gone > 0 {
		gone = fmt.Sprintf(", already gone %d", rep.Gone)
	}
	if rep.ForeignSkipped > 0 {
		gone += fmt.Sprintf(", foreign skipped %d (their ids now hold records that are not simulation data)", rep.ForeignSkipped)
	}
	left := fmt.Sprintf("%d (verified)", len(rep.Left))
	if rep.SearchOnly {
		// Nothing was read by id: no record shows the search finds the run's.
		left = fmt.Sprintf("%d (%s)", len(rep.Left), runner.SearchAlone)
	}
	if !rep.Verified {
		// Never "left 0" unless a search of the target said so.
		left = fmt.Sprintf("at least %d (not verified: %s)", len(rep.Left), rep.Reason)
		if len(rep.Left) == 0 {
			left = fmt.Sprintf("unknown (not verified: %s)", rep.Reason)
		}
	}
	fmt.Fprintf(out, "cleanup of %s on %s: found %d, deleted %d%s, left %s\n", what, o.baseURL, rep.Found, rep.Deleted, gone, left)
	for _, name := range rep.Left {
		fmt.Fprintf(out, "  left: %s\n", name)
	}
	if err != nil {
		return &exitError{code: ExitFailure, err: err}
	}
	return nil
}
