package report

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// maxLeftNames bounds the names of leftovers the report lists: a long run
// without cleanup leaves thousands.
const maxLeftNames = 20

// WriteFinal writes the end-of-run report for people: the run, per-endpoint
// counts, success and latency percentiles, the outcome and group mix, errors,
// token operations, sessions per archetype and the cleanup result. It is built
// from the Summary so the text and the JSON never disagree.
func WriteFinal(w io.Writer, s Summary) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Run %s · scenario %s · seed %d · target %s\n", s.RunID, s.Scenario, s.Seed, s.Target)
	state := s.State
	if state == "" {
		state = "finished"
	}
	fmt.Fprintf(&b, "%s after %s: %s requests (%.1f/s) by %d users\n", capitalize(state),
		Clock(time.Duration(s.DurationSeconds*float64(time.Second))), thousands(s.Requests), s.RPS, s.Users)
	if s.Error != "" {
		fmt.Fprintf(&b, "Error: %s\n", s.Error)
	}
	writeLoad(&b, s)

	b.WriteString("\nEndpoints\n")
	if len(s.Endpoints) == 0 {
		b.WriteString("  (no requests)\n")
	} else {
		t := table{right: []bool{false, false, false, true, true, true, true, true, true}}
		t.add("METHOD", "ROUTE", "GROUP", "COUNT", "SUCCESS", "P50", "P95", "P99", "MAX")
		for _, e := range s.Endpoints {
			t.add(e.Method, e.Route, e.Group, fmt.Sprint(e.Requests), percent(e.Success, e.Requests),
				seconds(e.Latency.P50), seconds(e.Latency.P95), seconds(e.Latency.P99), seconds(e.Latency.Max))
		}
		t.add("ALL", "", "", fmt.Sprint(s.Requests), percent(s.Outcomes.Success, s.Requests),
			seconds(s.Latency.P50), seconds(s.Latency.P95), seconds(s.Latency.P99), seconds(s.Latency.Max))
		t.write(&b)
	}

	o := s.Outcomes
	fmt.Fprintf(&b, "\nOutcomes    success %s · client error (4xx) %s · server error (5xx) %s · network error %s\n",
		percent(o.Success, s.Requests), percent(o.ClientError, s.Requests),
		percent(o.ServerError, s.Requests), percent(o.NetworkError, s.Requests))
	fmt.Fprintf(&b, "Unexpected  %s of requests had an outcome the VU did not intend (%s)\n",
		percent(s.Unexpected, s.Requests), thousands(s.Unexpected))

	var groups []string
	for _, g := range orderedKeys(s.Groups, Groups) {
		groups = append(groups, fmt.Sprintf("%s %s", g, percent(s.Groups[g], s.Requests)))
	}
	fmt.Fprintf(&b, "Groups      %s\n", strings.Join(groups, " · "))

	if len(s.Errors) > 0 {
		var errs []string
		for _, k := range orderedKeys(s.Errors, nil) {
			errs = append(errs, fmt.Sprintf("%s %s", k, thousands(s.Errors[k])))
		}
		fmt.Fprintf(&b, "Errors      %s\n", strings.Join(errs, " · "))
	} else {
		b.WriteString("Errors      none\n")
	}

	var toks []string
	for _, op := range orderedKeys(s.TokenOperations, []string{"login", "refresh", "logout"}) {
		r := s.TokenOperations[op]
		toks = append(toks, fmt.Sprintf("%s %d ok/%d failed", op, r["success"], r["failure"]))
	}
	fmt.Fprintf(&b, "Tokens      %s\n", strings.Join(toks, " · "))

	b.WriteString("\nArchetypes\n")
	t := table{right: []bool{false, true, true, true, true, true}}
	t.add("ARCHETYPE", "VUS", "SESSIONS", "COMPLETED", "ABORTED", "MEAN SESSION")
	for _, a := range orderedKeys(s.Archetypes, Archetypes) {
		as := s.Archetypes[a]
		t.add(a, fmt.Sprint(as.VUs), fmt.Sprint(as.Sessions), fmt.Sprint(as.JourneysCompleted),
			fmt.Sprint(as.JourneysAborted), Clock(time.Duration(as.MeanSessionSeconds*float64(time.Second))))
	}
	t.write(&b)

	c := s.Cleanup
	fmt.Fprintf(&b, "\nCleanup     created %d · deleted %d · left %d\n", c.Created, c.Deleted, c.Left)
	if c.Left > 0 {
		names := strings.Join(c.LeftNames[:min(len(c.LeftNames), maxLeftNames)], ", ")
		if n := len(c.LeftNames) - maxLeftNames; n > 0 {
			names += fmt.Sprintf(", … and %d more (all of them in the --summary JSON)", n)
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
		writeThresholds(&b, s.Thresholds)
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
