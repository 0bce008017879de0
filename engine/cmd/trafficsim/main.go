// Command trafficsim generates realistic user traffic against a user-service API.
package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

func main() {
	stop := startProfiles(os.Args[1:], os.Stderr)
	code := execute(os.Args[1:])
	stop()
	os.Exit(code)
}

// execute runs the CLI with args and returns the process exit code.
func execute(args []string) int { return executeTo(args, os.Stderr) }

// executeTo runs the CLI with args, its stderr being stderr, and returns the
// process exit code. An error ends as a line "trafficsim: …" on stderr —
// or, with --log-format json, as an error record, so that stderr holds
// nothing but JSON lines.
func executeTo(args []string, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	code := ExitUsage
	var ee *exitError
	if errors.As(err, &ee) {
		code, err = ee.code, ee.err
	}
	if err != nil {
		if jsonLogsAsked(root, args) {
			slog.New(slog.NewJSONHandler(stderr, nil)).Error(err.Error())
		} else {
			fmt.Fprintln(stderr, "trafficsim:", err)
		}
	}
	return code
}

// jsonLogsAsked reports whether args ask the command they run for
// --log-format json. Read from args, not the parsed flag: a flag error may
// have stopped parsing before --log-format.
func jsonLogsAsked(root *cobra.Command, args []string) bool {
	cmd, _, err := root.Find(args)
	if err != nil || cmd.Flags().Lookup("log-format") == nil {
		return false
	}
	json := false
	for i, a := range args {
		switch {
		case a == "--":
			return json
		case a == "--log-format" && i+1 < len(args):
			json = args[i+1] == "json"
		case strings.HasPrefix(a, "--log-format="):
			json = strings.TrimPrefix(a, "--log-format=") == "json"
		}
	}
	return json
}
