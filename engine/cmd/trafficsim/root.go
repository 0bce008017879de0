package main

import (
	"github.com/spf13/cobra"

	"github.com/trafficsim/trafficsim/engine/version"
)

// Exit codes, documented in README.md.
const (
	ExitOK        = 0 // the command did what it was asked
	ExitFailure   = 1 // the run or service failed (target unreachable, cleanup incomplete, ...)
	ExitUsage     = 2 // invalid flags or arguments; nothing was started
	ExitThreshold = 3 // a threshold was breached (CI gate)
	ExitInterrupt = 130
)

// exitError carries an exit code out of a cobra command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return "exit"
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageError marks err as bad input (exit code 2).
func usageError(err error) error { return &exitError{code: ExitUsage, err: err} }

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "trafficsim",
		Short: "Realistic user traffic for a user-service REST API",
		Long: `trafficsim drives a user-service REST API the way real people do — log in,
search, create, update, manage roles, log out — so the service's metrics and
dashboards fill with meaningful data, and so teams can load-test it.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version.Version,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(err) })
	root.AddCommand(newVersionCmd())
	for _, add := range subcommands {
		root.AddCommand(add())
	}
	return root
}

// subcommands is filled by init functions in this package's other files, so each
// command lives in its own file.
var subcommands []func() *cobra.Command

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cmd.Println("trafficsim", version.Version)
			return nil
		},
	}
}
