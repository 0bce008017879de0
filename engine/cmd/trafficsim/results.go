package main

import (
	"fmt"
	"io"

	"github.com/trafficsim/trafficsim/engine/report"
	"github.com/trafficsim/trafficsim/engine/summary"
)

// writeResults writes what a run and a merge end with: the final report on
// stdout, then the summary and the JUnit report when their paths are given,
// each named on notes once written.
func writeResults(stdout, notes io.Writer, s summary.Summary, summaryPath, junitPath string) error {
	if err := report.WriteFinal(stdout, s); err != nil {
		return &exitError{code: ExitFailure, err: err}
	}
	if summaryPath != "" {
		if err := summary.WriteSummary(summaryPath, s); err != nil {
			return &exitError{code: ExitFailure, err: err}
		}
		fmt.Fprintf(notes, "summary: %s\n", summaryPath)
	}
	if junitPath != "" {
		if err := report.WriteJUnit(junitPath, s); err != nil {
			return &exitError{code: ExitFailure, err: fmt.Errorf("--junit: %w", err)}
		}
		fmt.Fprintf(notes, "junit: %s\n", junitPath)
	}
	return nil
}
