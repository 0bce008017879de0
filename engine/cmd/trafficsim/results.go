package main

import (
	"fmt"
	"io"

	"github.com/trafficsim/trafficsim/engine/report"
	"github.com/trafficsim/trafficsim/engine/summary"
)

// writeResults writes what a run and a merge end with: the final report on
// stdout, then the summary and the JUnit report when their paths are given,
// each named on notes once written. A summary that cannot be written is
// kept in the temporary directory (saveSummary); the JUnit report is written
// all the same.
func writeResults(stdout, notes io.Writer, s summary.Summary, summaryPath, junitPath string) error {
	if err := report.WriteFinal(stdout, s); err != nil {
		return &exitError{code: ExitFailure, err: err}
	}
	var err error
	if summaryPath != "" {
		if err = saveSummary(summaryPath, s); err != nil {
			err = &exitError{code: ExitFailure, err: err}
		} else {
			fmt.Fprintf(notes, "summary: %s\n", summaryPath)
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
			fmt.Fprintf(notes, "junit: %s\n", junitPath)
		}
	}
	return err
}
