// Command trafficsim generates realistic user traffic against a user-service API.
package main

import (
	"errors"
	"fmt"
	"os"
)

func main() {
	stop := startProfiles()
	code := execute(os.Args[1:])
	stop()
	os.Exit(code)
}

// execute runs the CLI with args and returns the process exit code.
func execute(args []string) int {
	root := newRootCmd()
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(os.Stderr, "trafficsim:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(os.Stderr, "trafficsim:", err)
	return ExitUsage
}
