// Package dashboards_test checks the provisioned Grafana dashboards and the
// Prometheus/compose provisioning: statically (the JSON parses, panels use the
// provisioned datasource, every metric a panel names is listed in
// docs/metrics.md) and live (every panel's PromQL returns data from a real
// Prometheus scraping a real engine run and the real reference target).
package dashboards_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const datasourceUID = "trafficsim-prometheus"

// shippedDashboards are the provisioned dashboards, by file name in
// provisioning/dashboards, with the uid and title each must carry.
var shippedDashboards = []struct{ file, uid, title string }{
	{"trafficsim-overview.json", "trafficsim-overview", "Traffic Simulator — Overview"},
	{"usersvc-overview.json", "usersvc-overview", "User Service — Overview"},
}

// dashboard is the part of Grafana's dashboard JSON model the tests read.
type dashboard struct {
	UID           string  `json:"uid"`
	Title         string  `json:"title"`
	SchemaVersion int     `json:"schemaVersion"`
	Refresh       string  `json:"refresh"`
	Panels        []panel `json:"panels"`
	Time          struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"time"`
	Templating struct {
		List []variable `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID          int            `json:"id"`
	Type        string         `json:"type"`
	Title       string         `json:"title"`
	Datasource  *datasourceRef `json:"datasource"`
	Targets     []target       `json:"targets"`
	Panels      []panel        `json:"panels"` // a collapsed row's panels
	FieldConfig struct {
		Defaults struct {
			Unit string `json:"unit"`
		} `json:"defaults"`
	} `json:"fieldConfig"`
	GridPos *struct {
		H, W, X, Y int
	} `json:"gridPos"`
}

type datasourceRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type target struct {
	RefID      string         `json:"refId"`
	Expr       string         `json:"expr"`
	Legend     string         `json:"legendFormat"`
	Datasource *datasourceRef `json:"datasource"`
}

type variable struct {
	Name       string         `json:"name"`
	Type       string         `json:"type"`
	Datasource *datasourceRef `json:"datasource"`
	Definition string         `json:"definition"`
	Query      struct {
		Query string `json:"query"`
	} `json:"query"`
	Multi      bool   `json:"multi"`
	IncludeAll bool   `json:"includeAll"`
	AllValue   string `json:"allValue"`
}

// query is one PromQL expression of a panel, named for failure messages.
type query struct {
	dashboard, panel, refID, expr string
}

func (q query) String() string {
	return fmt.Sprintf("%s / panel %q / %s: %s", q.dashboard, q.panel, q.refID, q.expr)
}

// repoRoot walks up from the test's directory to the module root.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("get working directory: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("no go.mod above %s", dir)
		}
		dir = parent
	}
}

func loadDashboard(t testing.TB, root, file string) dashboard {
	t.Helper()
	path := filepath.Join(root, "provisioning", "dashboards", file)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read dashboard: %v", err)
	}
	var d dashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("parse dashboard %s: %v", path, err)
	}
	return d
}

// allPanels flattens rows (open rows list their panels at top level, collapsed
// rows inside "panels").
func allPanels(ps []panel) []panel {
	var out []panel
	for _, p := range ps {
		out = append(out, p)
		out = append(out, allPanels(p.Panels)...)
	}
	return out
}

func queries(d dashboard) []query {
	var out []query
	for _, p := range allPanels(d.Panels) {
		for _, tg := range p.Targets {
			out = append(out, query{dashboard: d.UID, panel: p.Title, refID: tg.RefID, expr: tg.Expr})
		}
	}
	return out
}

// varRef matches $name, ${name} and ${name:format}; [[name]] is deprecated and
// rejected by TestDashboardsParse.
var (
	varRef    = regexp.MustCompile(`\$(\w+)|\$\{(\w+)(?::(\w+))?\}`)
	allDigits = regexp.MustCompile(`^\d+$`)
	rangeExpr = regexp.MustCompile(`\[([^\]]*)\]`)
)

// usedVariables returns the dashboard variables expr refers to, leaving out
// Grafana's built-ins ($__rate_interval, ...) and label_replace's ${1}.
func usedVariables(expr string) []string {
	var names []string
	for _, m := range varRef.FindAllStringSubmatch(expr, -1) {
		name := m[1] + m[2]
		if strings.HasPrefix(name, "__") || allDigits.MatchString(name) {
			continue
		}
		names = append(names, name)
	}
	return names
}

func TestDashboardsParse(t *testing.T) {
	root := repoRoot(t)
	for _, want := range shippedDashboards {
		t.Run(want.file, func(t *testing.T) {
			d := loadDashboard(t, root, want.file)
			if d.UID != want.uid || d.Title != want.title {
				t.Errorf("uid/title = %q/%q, want %q/%q", d.UID, d.Title, want.uid, want.title)
			}
			if d.SchemaVersion < 39 {
				t.Errorf("schemaVersion = %d, want a current one (>= 39, Grafana 11+)", d.SchemaVersion)
			}
			if d.Refresh == "" || d.Time.From == "" {
				t.Errorf("refresh %q, time.from %q: want defaults set", d.Refresh, d.Time.From)
			}
			vars := map[string]variable{}
			for _, v := range d.Templating.List {
				vars[v.Name] = v
				if v.Type == "query" && (v.Datasource == nil || v.Datasource.UID != datasourceUID) {
					t.Errorf("variable %q: datasource %+v, want uid %q", v.Name, v.Datasource, datasourceUID)
				}
				if v.Type == "query" && v.Query.Query != v.Definition {
					t.Errorf("variable %q: query %q differs from definition %q", v.Name, v.Query.Query, v.Definition)
				}
			}
			ids := map[int]string{}
			nQueries := 0
			for _, p := range allPanels(d.Panels) {
				if prev, dup := ids[p.ID]; dup {
					t.Errorf("panel id %d used by %q and %q", p.ID, prev, p.Title)
				}
				ids[p.ID] = p.Title
				if p.Title == "" || p.GridPos == nil {
					t.Errorf("panel %d (%s): want a title and a gridPos", p.ID, p.Type)
				}
				if len(p.Targets) == 0 {
					continue
				}
				if p.Datasource == nil || p.Datasource.UID != datasourceUID || p.Datasource.Type != "prometheus" {
					t.Errorf("panel %q: datasource %+v, want prometheus uid %q", p.Title, p.Datasource, datasourceUID)
				}
				if p.FieldConfig.Defaults.Unit == "" && p.Type != "heatmap" {
					t.Errorf("panel %q: no unit", p.Title)
				}
				for _, tg := range p.Targets {
					nQueries++
					q := query{d.UID, p.Title, tg.RefID, tg.Expr}
					if strings.TrimSpace(tg.Expr) == "" {
						t.Errorf("%s: empty expression", q)
					}
					if tg.Datasource == nil || tg.Datasource.UID != datasourceUID {
						t.Errorf("%s: target datasource %+v, want uid %q", q, tg.Datasource, datasourceUID)
					}
					if strings.TrimSpace(tg.Legend) == "" || tg.Legend == "__auto" {
						t.Errorf("%s: no legendFormat (the legend would show the raw series)", q)
					}
					if strings.Contains(tg.Expr, "[[") {
						t.Errorf("%s: deprecated [[var]] syntax", q)
					}
					for _, name := range usedVariables(tg.Expr) {
						if _, ok := vars[name]; !ok {
							t.Errorf("%s: uses $%s, which the dashboard does not define", q, name)
						}
					}
					// A fixed window empties rate() when the scrape interval is longer.
					for _, w := range rangeExpr.FindAllStringSubmatch(promString.ReplaceAllString(tg.Expr, `""`), -1) {
						if w[1] != "$__rate_interval" {
							t.Errorf("%s: range [%s], want [$__rate_interval]", q, w[1])
						}
					}
					if d.UID == "trafficsim-overview" && !strings.Contains(tg.Expr, `run=~"$run"`) {
						t.Errorf("%s: does not filter by run=~\"$run\"", q)
					}
				}
			}
			if nQueries == 0 {
				t.Error("no PromQL expressions")
			}
		})
	}
}

// TestOverviewVariables checks the variables the issue asks for; the control
// panel is checked by TestDashboardPanelTypesExist.
func TestOverviewVariables(t *testing.T) {
	d := loadDashboard(t, repoRoot(t), "trafficsim-overview.json")
	for _, name := range []string{"run", "route", "archetype"} {
		i := slices.IndexFunc(d.Templating.List, func(v variable) bool { return v.Name == name })
		if i < 0 {
			t.Errorf("variable $%s missing", name)
			continue
		}
		if v := d.Templating.List[i]; !v.Multi || !v.IncludeAll {
			t.Errorf("variable $%s: multi=%v includeAll=%v, want both", name, v.Multi, v.IncludeAll)
		}
	}
}

// TestPanelMetricsAreDocumented fails when a panel or variable query names a
// metric docs/metrics.md does not list.
func TestPanelMetricsAreDocumented(t *testing.T) {
	root := repoRoot(t)
	doc, err := os.ReadFile(filepath.Join(root, "docs", "metrics.md"))
	if err != nil {
		t.Fatalf("read the metric reference the dashboards are checked against: %v", err)
	}
	listed := documentedMetrics(string(doc))
	if len(listed.names) == 0 {
		t.Fatal("docs/metrics.md lists no metric names in backticks")
	}
	for _, want := range shippedDashboards {
		d := loadDashboard(t, root, want.file)
		exprs := queries(d)
		for _, v := range d.Templating.List {
			if sel, _, ok := parseLabelValues(v.Definition); ok {
				exprs = append(exprs, query{d.UID, "variable $" + v.Name, "query", sel})
			}
		}
		for _, q := range exprs {
			names := metricNames(q.expr)
			if len(names) == 0 {
				t.Errorf("%s: names no metric", q)
			}
			for _, name := range names {
				if !listed.has(name) {
					t.Errorf("%s: metric %s is not listed in docs/metrics.md", q, name)
				}
			}
		}
	}
}
