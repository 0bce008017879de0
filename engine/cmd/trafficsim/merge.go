package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/summary"
	"github.com/trafficsim/trafficsim/engine/threshold"
)

func init() { subcommands = append(subcommands, newMergeCmd) }

type mergeOptions struct {
	summary    string
	thresholds []string
	junit      string
}

func newMergeCmd() *cobra.Command {
	var o mergeOptions
	cmd := &cobra.Command{
		Use:   "merge SUMMARY.json...",
		Short: "Merge the summaries of a sharded run into one",
		Long: `merge combines the --summary files of the shards of one run (trafficsim run
--shard i/N) into the run's summary: counts are summed and the shards' HDR
histograms merged, so the percentiles are exactly those of all the requests.
The files must be of one run (same run id, seed, scenario, shard count, target,
users, request counts and load model) and cover every shard exactly once;
shards of different engine versions are merged with a warning.

merge judges the thresholds over the merged run — those given with --threshold
and those the shard summaries carry — prints the final report, writes
--summary and --junit, and exits with code 3 when a threshold failed, 1 when a
shard failed, left data behind or could not verify its cleanup, 2 on bad input.
See docs/sharding.md.`,
		Example: `  trafficsim merge out/summary-*.json --summary out/summary.json
  trafficsim merge summary-0.json summary-1.json summary-2.json --threshold 'p95<500ms' --junit thresholds.xml`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return errors.New("merge: no summary files; give the --summary file of every shard of the run, e.g. trafficsim merge summary-*.json")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args) },
	}
	f := cmd.Flags()
	f.StringVar(&o.summary, "summary", "", "write the merged summary as JSON to this file")
	f.StringArrayVar(&o.thresholds, "threshold", nil, "pass/fail criterion judged over the merged run, repeatable, e.g. 'p95<500ms' (docs/thresholds.md); added to those the shard summaries carry")
	f.StringVar(&o.junit, "junit", "", "write the threshold results as a JUnit XML report to this file")
	return cmd
}

func (o *mergeOptions) run(cmd *cobra.Command, args []string) error {
	flagTs, err := threshold.ParseAll(o.thresholds)
	if err != nil {
		return usageError(fmt.Errorf("--threshold: %w", err))
	}
	var files []string
	for _, a := range args {
		// A shell that found no match passes the pattern on: expand it here,
		// so the error names what was missing.
		matches, err := filepath.Glob(a)
		if err != nil || len(matches) == 0 {
			matches = []string{a}
		}
		files = append(files, matches...)
	}
	// Checked before any file is read: an output must not replace a shard's
	// file, nor be lost at the end.
	inputs := make([]fileArg, 0, len(files))
	for _, p := range files {
		inputs = append(inputs, fileArg{"a file to merge", p})
	}
	if err := checkFiles(inputs, []fileArg{{"--summary", o.summary}, {"--junit", o.junit}}); err != nil {
		return usageError(err)
	}
	in := make([]summary.ShardSummary, 0, len(files))
	for _, p := range files {
		s, err := summary.ReadSummary(p)
		if err != nil {
			return usageError(err)
		}
		in = append(in, summary.ShardSummary{Path: p, Summary: s})
	}
	m, err := summary.Merge(in)
	if err != nil {
		return usageError(err)
	}

	// Thresholds: the flags', then the shards' not given as a flag. A
	// flag's group is an endpoint group or one the shards' traffic has.
	groups := slices.Clone(catalog.Groups)
	for _, e := range m.Stats.Endpoints {
		if !slices.Contains(groups, e.Group) {
			groups = append(groups, e.Group)
		}
	}
	if err := threshold.CheckGroups(flagTs, groups); err != nil {
		return usageError(fmt.Errorf("--threshold: %w", err))
	}
	ts := flagTs
	seen := map[string]bool{}
	for _, t := range ts {
		seen[t.Expr] = true
	}
	for _, expr := range m.ThresholdExprs() {
		t, err := threshold.Parse(expr)
		if err != nil {
			return usageError(fmt.Errorf("a shard summary's threshold (in one of %s): %w", strings.Join(files, ", "), err))
		}
		if !seen[t.Expr] {
			seen[t.Expr] = true
			ts = append(ts, t)
		}
	}
	if o.junit != "" && len(ts) == 0 {
		return usageError(fmt.Errorf("--junit: there are no thresholds to report; add --threshold (e.g. --threshold 'p95<500ms')"))
	}
	s := m.Summary
	var failed []string
	if len(ts) > 0 {
		s.Thresholds = threshold.Evaluate(ts, threshold.FromStats(m.Stats, m.Histograms, m.Elapsed))
		for _, r := range s.Thresholds {
			if !r.Pass {
				failed = append(failed, r.Expr)
			}
		}
	}
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	for _, w := range m.Warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	fmt.Fprintf(stderr, "merged %d shards of run %s: %s\n", s.Merged.Shards, s.RunID, strings.Join(s.Merged.Files, ", "))
	return writeResults(stdout, stderr, s, o.summary, o.junit, func() error {
		if err := exitFor(s, false, s.Cleanup.Error != summary.CleanupDisabled); err != nil {
			return err
		}
		if len(failed) > 0 {
			return &exitError{code: ExitThreshold, err: fmt.Errorf("%d of %d thresholds failed: %s", len(failed), len(ts), strings.Join(failed, ", "))}
		}
		return nil
	})
}
