package dashboards_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The dashboards' PromQL is ours and plain, so a small lexer finds the metric
// names without linking Prometheus' parser (and its dependency tree); the live
// test has the real Prometheus parse and run every expression.
var (
	promString   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|` + "`[^`]*`")
	promMatchers = regexp.MustCompile(`\{[^}]*\}`)
	promRange    = regexp.MustCompile(`\[[^\]]*\]`)
	promGrouping = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promOffset   = regexp.MustCompile(`\boffset\s+-?[0-9a-zA-Z_$]+`)
	promNumber   = regexp.MustCompile(`(?i)(^|[^a-z0-9_:])(?:0x[0-9a-f]+|[0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)`)
	promIdent    = regexp.MustCompile(`\$?[a-zA-Z_:][a-zA-Z0-9_:]*`)
	promKeywords = map[string]bool{
		"and": true, "or": true, "unless": true, "bool": true, "offset": true, "atan2": true,
		"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
		"inf": true, "nan": true, "start": true, "end": true,
	}
)

// metricNames returns the metric names expr selects, in order, without
// duplicates. Function and aggregation names (followed by "(") are not metrics.
func metricNames(expr string) []string {
	s := promString.ReplaceAllString(expr, `""`)
	s = promMatchers.ReplaceAllString(s, " ")
	s = promRange.ReplaceAllString(s, " ")
	s = promGrouping.ReplaceAllString(s, " ")
	s = promOffset.ReplaceAllString(s, " ")
	s = promNumber.ReplaceAllString(s, "${1} ")
	var names []string
	for _, loc := range promIdent.FindAllStringIndex(s, -1) {
		tok := s[loc[0]:loc[1]]
		if strings.HasPrefix(tok, "$") || promKeywords[strings.ToLower(tok)] {
			continue
		}
		if rest := strings.TrimLeft(s[loc[1]:], " \t\n"); strings.HasPrefix(rest, "(") {
			continue // function or aggregation
		}
		if !slices.Contains(names, tok) {
			names = append(names, tok)
		}
	}
	return names
}

// metricList is the metric names docs/metrics.md lists (in backticks), and
// which of them are histograms or summaries (named on a line that says so).
type metricList struct {
	names     map[string]bool
	histogram map[string]bool
}

var (
	docCode       = regexp.MustCompile("`([^`\n]+)`")
	docMetricName = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*_[a-zA-Z0-9_:]*)(?:\{.*\})?$`)
	docHistogram  = regexp.MustCompile(`(?i)\b(histogram|summary)\b`)
)

func documentedMetrics(doc string) metricList {
	l := metricList{names: map[string]bool{}, histogram: map[string]bool{}}
	for _, line := range strings.Split(doc, "\n") {
		isHistogram := docHistogram.MatchString(line)
		for _, m := range docCode.FindAllStringSubmatch(line, -1) {
			if n := docMetricName.FindStringSubmatch(strings.TrimSpace(m[1])); n != nil {
				l.names[n[1]] = true
				if isHistogram {
					l.histogram[n[1]] = true
				}
			}
		}
	}
	return l
}

// has reports whether name is listed; a histogram's (or summary's) _bucket,
// _sum and _count series count as listed with it.
func (l metricList) has(name string) bool {
	if l.names[name] {
		return true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && l.histogram[base] {
			return true
		}
	}
	return false
}

var labelValuesCall = regexp.MustCompile(`^\s*label_values\(\s*(.+?)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$`)

// parseLabelValues splits a Grafana variable query label_values(selector, label).
func parseLabelValues(def string) (selector, label string, ok bool) {
	m := labelValuesCall.FindStringSubmatch(def)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

func TestMetricNames(t *testing.T) {
	cases := []struct {
		expr string
		want []string
	}{
		{`sum by (group) (rate(trafficsim_requests_total{run=~"$run", route=~"$route"}[$__rate_interval]))`,
			[]string{"trafficsim_requests_total"}},
		{`histogram_quantile(0.95, sum by (le, method, route) (rate(http_server_request_duration_seconds_bucket{route=~"$route"}[5m])))`,
			[]string{"http_server_request_duration_seconds_bucket"}},
		{`sum by (class) (label_replace(rate(x_total{status="5xx"}[1m]), "class", "${1}xx", "status", "([0-9]).."))`,
			[]string{"x_total"}},
		{`rate(process_cpu_seconds_total[$__rate_interval]) and on (instance, job) trafficsim_run_info{run=~"$run"}`,
			[]string{"process_cpu_seconds_total", "trafficsim_run_info"}},
		{`(sum(rate(a_total{s=~"5.."}[1m])) or sum(rate(b_total[1m])) * 0) / sum(rate(a_total[1m])) > 1e-3`,
			[]string{"a_total", "b_total"}},
		{`go_goroutines offset 5m + up unless on() vector(1)`, []string{"go_goroutines", "up"}},
		{`sum(rate(no_metric_here{}[1m])) by (x)`, []string{"no_metric_here"}},
	}
	for _, c := range cases {
		if got := metricNames(c.expr); !slices.Equal(got, c.want) {
			t.Errorf("metricNames(%s) = %v, want %v", c.expr, got, c.want)
		}
	}
}

func TestDocumentedMetrics(t *testing.T) {
	l := documentedMetrics("| `trafficsim_requests_total` | counter |\n" +
		"| `trafficsim_request_duration_seconds{run,route}` | histogram |\n" +
		"| `go_goroutines` | gauge |\nThe remaining `go_*` and `process_*` are exported too; label `run`; `le`.\n")
	for _, name := range []string{"trafficsim_requests_total", "trafficsim_request_duration_seconds_bucket",
		"trafficsim_request_duration_seconds_count", "go_goroutines"} {
		if !l.has(name) {
			t.Errorf("has(%s) = false, want true", name)
		}
	}
	for _, name := range []string{"trafficsim_requests", "trafficsim_requests_total_bucket", "run", "usersvc_users",
		"go_memstats_heap_inuse_bytes", "process_cpu_seconds_total"} {
		if l.has(name) {
			t.Errorf("has(%s) = true, want false", name)
		}
	}
}

func TestParseLabelValues(t *testing.T) {
	sel, label, ok := parseLabelValues(`label_values(trafficsim_requests_total{run=~"$run"}, route)`)
	if !ok || sel != `trafficsim_requests_total{run=~"$run"}` || label != "route" {
		t.Errorf("got %q, %q, %v", sel, label, ok)
	}
	if _, _, ok := parseLabelValues(`query_result(up)`); ok {
		t.Error("query_result parsed as label_values")
	}
}
