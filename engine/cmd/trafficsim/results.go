package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/trafficsim/trafficsim/engine/report"
	"github.com/trafficsim/trafficsim/engine/summary"
)

// writeResults writes what a run and a merge end with: the summary and the
// JUnit report when their paths are given, then the final report on stdout,
// then on notes the files written. The report's threshold section shows the
// exit code the command ends with, which is what it returns: exit's, or 1
// when a file could not be written (a summary that cannot be written is kept
// in the temporary directory, saveSummary; the JUnit report is written all
// the same).
func writeResults(stdout, notes io.Writer, s summary.Summary, summaryPath, junitPath string, exit func() error) error {
	var err error
	var written []string
	if summaryPath != "" {
		if err = saveSummary(summaryPath, s); err != nil {
			err = &exitError{code: ExitFailure, err: err}
		} else {
			written = append(written, "summary: "+summaryPath)
		}
	}
	if junitPath != "" {
		if jerr := report.WriteJUnit(junitPath, s); jerr != nil {
			if err == nil {
				err = &exitError{code: ExitFailure, err: fmt.Errorf("--junit: %w", jerr)}
			} else {
				fmt.Fprintln(notes, "trafficsim: --junit:", jerr)
			}
		} else {
			written = append(written, "junit: "+junitPath)
		}
	}
	if err == nil {
		err = exit()
	}
	if rerr := report.WriteFinal(stdout, s, report.WithExitCode(exitCode(err))); rerr != nil && err == nil {
		err = &exitError{code: ExitFailure, err: rerr}
	}
	for _, line := range written {
		fmt.Fprintln(notes, line)
	}
	return err
}

// exitCode is the exit code err ends the process with (as execute maps it).
func exitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return ExitUsage
}
