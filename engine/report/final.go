package report

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/loadshape"
	"github.com/trafficsim/trafficsim/engine/scenario"
	"github.com/trafficsim/trafficsim/engine/summary"
)

// maxLeftNames bounds the names of leftovers the report lists: a long run
// without cleanup leaves thousands.
const maxLeftNames = 20

// FinalOption sets what WriteFinal shows beyond the Summary.
type FinalOption func(*finalOptions)

type finalOptions struct {
	exitCode  int
	exitKnown bool
}

// WithExitCode is the exit code the process ends with, which the threshold
// section shows when a threshold failed (3, or the 1 or 130 that take
// precedence). Without it the section names no code.
func WithExitCode(code int) FinalOption {
	return func(o *finalOptions) { o.exitCode, o.exitKnown = code, true }
}

// WriteFinal writes the end-of-run report for people: the run, per-endpoint
// counts, success and latency percentiles, the outcome and group mix, errors,
// token operations, sessions per archetype and the cleanup result. It is built
// from the Summary so the text and the JSON never disagree.
func WriteFinal(w io.Writer, s summary.Summary, opts ...FinalOption) error {
	var fo finalOptions
	for _, opt := range opts {
		opt(&fo)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Run %s · scenario %s · seed %d · target %s\n", s.RunID, s.Scenario, s.Seed, s.Target)
	state := s.State
	if state == "" {
		state = "finished"
	}
	took := Clock(time.Duration(s.DurationSeconds * float64(time.Second)))
	if load := Clock(s.LoadSpan()); s.LoadSeconds > 0 && load != took {
		took += " (load " + load + ")" // the rate is over the load, not the preflight and cleanup
	}
	fmt.Fprintf(&b, "%s after %s: %s requests (%.1f/s) by %d users\n", capitalize(state),
		took, thousands(s.Requests), s.RPS, s.Users)
	if s.Error != "" {
		fmt.Fprintf(&b, "Error: %s\n", s.Error)
	}
	writeLoad(&b, s)
	writeTransport(&b, s)

	b.WriteString("\nEndpoints\n")
	if len(s.Endpoints) == 0 {
		b.WriteString("  (no requests)\n")
	} else {
		t := table{right: []bool{false, false, false, false, true, true, true, true, true, true}}
		t.add("METHOD", "ROUTE", "CAPABILITY", "GROUP", "COUNT", "SUCCESS", "P50", "P95", "P99", "MAX")
		for _, e := range s.Endpoints {
			t.add(e.Method, e.Route, e.Capability, e.Group, fmt.Sprint(e.Requests), percent(e.Success, e.Requests),
				seconds(e.Latency.P50), seconds(e.Latency.P95), seconds(e.Latency.P99), seconds(e.Latency.Max))
		}
		t.add("ALL", "", "", "", fmt.Sprint(s.Requests), percent(s.Outcomes.Success, s.Requests),
			seconds(s.Latency.P50), seconds(s.Latency.P95), seconds(s.Latency.P99), seconds(s.Latency.Max))
		t.write(&b)
	}

	o := s.Outcomes
	fmt.Fprintf(&b, "\nOutcomes    success %s · client error (4xx) %s · server error (5xx) %s · network error %s",
		percent(o.Success, s.Requests), percent(o.ClientError, s.Requests),
		percent(o.ServerError, s.Requests), percent(o.NetworkError, s.Requests))
	if o.FailedAnswer > 0 {
		fmt.Fprintf(&b, " · failed answer (3xx, unreadable) %s", percent(o.FailedAnswer, s.Requests))
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "Unexpected  %s of requests had an outcome the VU did not intend (%s)\n",
		percent(s.Unexpected, s.Requests), thousands(s.Unexpected))
	if len(s.NeverSucceeded) > 0 {
		fmt.Fprintf(&b, "Never succeeded  %s (tried, not one success; --strict fails the run)\n", strings.Join(s.NeverSucceeded, ", "))
	}
	if len(s.NotReached) > 0 {
		fmt.Fprintf(&b, "Not reached  %d of %d capabilities: %s\n", len(s.NotReached), len(catalog.All()), strings.Join(s.NotReached, ", "))
	}

	// A run of plain requests (its VUs all on the plain archetype, which has
	// no sessions) has no user-service groups, tokens or archetypes to
	// report: zeros there only puzzle someone testing another API.
	journeys, tokens := false, false
	for name, a := range s.Archetypes {
		journeys = journeys || (a.VUs > 0 && name != scenario.PlainArchetype)
	}
	for _, r := range s.TokenOperations {
		tokens = tokens || r["success"]+r["failure"] > 0
	}
	var groups []string
	for _, g := range orderedKeys(s.Groups, summary.Groups) {
		if journeys || s.Groups[g] > 0 {
			groups = append(groups, fmt.Sprintf("%s %s", g, percent(s.Groups[g], s.Requests)))
		}
	}
	fmt.Fprintf(&b, "Groups      %s\n", strings.Join(groups, " · "))

	if len(s.Errors) > 0 {
		var errs []string
		for _, k := range orderedKeys(s.Errors, nil) {
			errs = append(errs, fmt.Sprintf("%s %s", k, thousands(s.Errors[k])))
		}
		fmt.Fprintf(&b, "Errors      %s\n", strings.Join(errs, " · "))
		for _, k := range orderedKeys(s.Errors, nil) {
			for _, msg := range s.ErrorSamples[k] {
				fmt.Fprintf(&b, "            %s: %s\n", k, msg)
			}
		}
	} else {
		b.WriteString("Errors      none\n")
	}

	if journeys || tokens {
		var toks []string
		for _, op := range orderedKeys(s.TokenOperations, []string{"login", "refresh", "logout"}) {
			r := s.TokenOperations[op]
			toks = append(toks, fmt.Sprintf("%s %d ok/%d failed", op, r["success"], r["failure"]))
		}
		fmt.Fprintf(&b, "Tokens      %s\n", strings.Join(toks, " · "))
	}
	if journeys {
		b.WriteString("\nArchetypes\n")
		t := table{right: []bool{false, true, true, true, true, true}}
		t.add("ARCHETYPE", "VUS", "SESSIONS", "COMPLETED", "ABORTED", "MEAN SESSION")
		for _, a := range orderedKeys(s.Archetypes, summary.Archetypes) {
			as := s.Archetypes[a]
			t.add(a, fmt.Sprint(as.VUs), fmt.Sprint(as.Sessions), fmt.Sprint(as.JourneysCompleted),
				fmt.Sprint(as.JourneysAborted), Clock(time.Duration(as.MeanSessionSeconds*float64(time.Second))))
		}
		t.write(&b)
	}

	c := s.Cleanup
	fmt.Fprintf(&b, "\nCleanup     created %d · deleted %d · left %s · foreign skipped %d",
		c.Created, c.Deleted, leftText(c), c.ForeignSkipped)
	if c.Gone > 0 {
		fmt.Fprintf(&b, " · gone %d (vanished from the target without the run deleting them)", c.Gone)
	}
	b.WriteString("\n")
	if !c.Verified && c.Reason != "" {
		fmt.Fprintf(&b, "  not verified: %s\n", c.Reason)
	}
	if c.Left > 0 || !c.Verified && c.Created > 0 {
		names := strings.Join(c.LeftNames[:min(len(c.LeftNames), maxLeftNames)], ", ")
		if n := len(c.LeftNames) - maxLeftNames; n > 0 {
			names += fmt.Sprintf(", … and %d more (all of them in the --summary JSON)", n)
		}
		switch unnamed := c.Left - len(c.LeftNames); {
		case unnamed > 0 && names == "":
			names = fmt.Sprintf("%d, names not recorded", unnamed)
		case unnamed > 0:
			names += fmt.Sprintf(", and %d whose names were not recorded", unnamed)
		case names == "":
			names = "not known (the cleanup could not look)"
		}
		fmt.Fprintf(&b, "  left on the target (remove with `trafficsim cleanup --base-url %s --run %s`): %s\n",
			s.Target, s.RunID, names)
	}
	if c.Error != "" {
		fmt.Fprintf(&b, "  cleanup error: %s\n", c.Error)
	}
	b.WriteString(GeneratorLine(s.Generator))
	if s.Resilience != nil {
		b.WriteString("\n")
		_ = s.Resilience.WriteText(&b) // a strings.Builder does not fail
	}
	if len(s.Thresholds) > 0 {
		writeThresholds(&b, s.Thresholds, fo)
	}

	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write final report: %w", err)
	}
	return nil
}

// orderedKeys lists the keys of m: first those of order present in m, then the
// rest alphabetically.
func orderedKeys[V any](m map[string]V, order []string) []string {
	var out []string
	for _, k := range order {
		if _, ok := m[k]; ok {
			out = append(out, k)
		}
	}
	rest := slices.Sorted(maps.Keys(m))
	for _, k := range rest {
		if !slices.Contains(order, k) {
			out = append(out, k)
		}
	}
	return out
}

func seconds(s float64) string {
	return Duration(time.Duration(s * float64(time.Second)))
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// table lays out columns of text, numbers aligned right. (text/tabwriter aligns
// every column the same way.)
type table struct {
	right []bool
	rows  [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(b *strings.Builder) {
	widths := make([]int, len(t.right))
	for _, r := range t.rows {
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	for _, r := range t.rows {
		var line strings.Builder
		line.WriteString("  ")
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i > 0 {
				line.WriteString("  ")
			}
			if t.right[i] {
				line.WriteString(pad + c)
			} else {
				line.WriteString(c + pad)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
}

// leftText is the cleanup's left and whether it is what the target has: an
// unverified cleanup never claims that nothing is left.
func leftText(c summary.CleanupSummary) string {
	switch {
	case c.Verified:
		return fmt.Sprintf("%d · verified", c.Left)
	case c.Left == 0:
		return "unknown · not verified"
	}
	return fmt.Sprintf("%d · not verified", c.Left)
}

// writeLoad is the final report's load-model line(s).
func writeLoad(b *strings.Builder, s summary.Summary) {
	l := s.Load
	if l == nil {
		return
	}
	switch l.Model {
	case "open":
		shape := loadshape.FormatRate(l.Rate)
		if len(l.RateStages) > 0 {
			shape = "stages " + stageText(l.RateStages, "/s")
			if l.Rate > 0 {
				shape = "from " + loadshape.FormatRate(l.Rate) + ", " + shape
			}
		}
		fmt.Fprintf(b, "Load        open model: %s · pool %d VUs · %s iterations · %s dropped\n",
			shape, l.MaxVUs, thousands(l.Iterations), thousands(l.DroppedIterations))
		fmt.Fprintf(b, "Latency     from the intended send: p50 %s · p95 %s · p99 %s; service time p50 %s · p95 %s · p99 %s\n",
			seconds(s.Latency.P50), seconds(s.Latency.P95), seconds(s.Latency.P99), seconds(l.Service.P50), seconds(l.Service.P95), seconds(l.Service.P99))
	default:
		switch {
		case len(l.Stages) > 0:
			fmt.Fprintf(b, "Load        closed model: stages %s\n", stageText(l.Stages, ""))
		case l.RampUpSeconds > 0:
			fmt.Fprintf(b, "Load        closed model: ramp-up over %s\n", Clock(time.Duration(l.RampUpSeconds*float64(time.Second))))
		}
	}
}

func stageText(st []summary.StageSummary, unit string) string {
	parts := make([]string, len(st))
	for i, s := range st {
		parts[i] = fmt.Sprintf("%v:%g%s", time.Duration(s.DurationSeconds*float64(time.Second)), s.Target, unit)
	}
	return strings.Join(parts, ",")
}
