package main

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

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
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(flagError(err)) })
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

// flagError words a value the flag parser refused as every other error is
// worded: the flag, the value, what it should be and an example — instead of
// pflag's "invalid argument … flag: time: unknown unit …" or
// "strconv.ParseInt: parsing …". Other parse errors pass unchanged.
func flagError(err error) error {
	var ie *pflag.InvalidValueError
	if !errors.As(err, &ie) {
		return err
	}
	f, v := ie.GetFlag(), ie.GetValue()
	example := func(fallback string) string {
		if d := f.DefValue; d != "" && d != "0" && d != "0s" {
			return d
		}
		return fallback
	}
	var msg string
	switch f.Value.Type() {
	case "duration":
		msg = fmt.Sprintf("%q is not a duration; write a number with a unit (ms, s, m, h), e.g. %s", v, example("30s"))
		if _, custom := f.Value.(*msDuration); custom {
			msg = ie.Unwrap().Error() // its own words: a bare number means milliseconds
		}
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		msg = fmt.Sprintf("%q is not a whole number, e.g. %s", v, example("10"))
		if errors.Is(err, strconv.ErrRange) {
			msg = fmt.Sprintf("%q is out of range; give a smaller whole number, e.g. %s", v, example("10"))
		}
	case "float", "float32", "float64":
		msg = fmt.Sprintf("%q is not a finite number, e.g. %s", v, example("0.5"))
	case "bool":
		msg = fmt.Sprintf("%q is not true or false; write --%s or --%s=false", v, f.Name, f.Name)
	default:
		msg = ie.Unwrap().Error()
	}
	return fmt.Errorf("--%s: %s", f.Name, msg)
}
