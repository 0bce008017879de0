package dashboards_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

type pluginJSON struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Includes []struct {
		Type string `json:"type"`
		Name string `json:"name"`
		Path string `json:"path"`
	} `json:"includes"`
}

func readPluginJSON(t *testing.T, path string) pluginJSON {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read plugin.json: %v", err)
	}
	var p pluginJSON
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return p
}

// TestPluginIncludesDashboards checks that plugin.json bundles exactly the
// provisioned dashboards (so installing the app imports the same ones), and,
// when a plugin build is in dist/, that it carries them.
func TestPluginIncludesDashboards(t *testing.T) {
	root := repoRoot(t)
	p := readPluginJSON(t, filepath.Join(root, "plugin.json"))
	want := map[string]string{} // path in the plugin → title
	for _, s := range shippedDashboards {
		want["dashboards/"+s.file] = s.title
	}
	got := map[string]string{}
	for _, inc := range p.Includes {
		if inc.Type == "dashboard" {
			got[inc.Path] = inc.Name
		}
	}
	for path, title := range want {
		name, ok := got[path]
		switch {
		case !ok:
			t.Errorf("plugin.json includes no dashboard %s", path)
		case name != title:
			t.Errorf("plugin.json include %s is named %q, want the dashboard's title %q", path, name, title)
		}
	}
	for path := range got {
		if _, ok := want[path]; !ok {
			t.Errorf("plugin.json includes dashboard %s, which is not provisioned (provisioning/dashboards)", path)
		}
	}

	dist := filepath.Join(root, "dist")
	if _, err := os.Stat(filepath.Join(dist, "plugin.json")); errors.Is(err, fs.ErrNotExist) {
		t.Log("no plugin build in dist/: the bundled copies are not checked")
		return
	}
	for _, s := range shippedDashboards {
		src, err := os.ReadFile(filepath.Join(root, "provisioning", "dashboards", s.file))
		if err != nil {
			t.Fatal(err)
		}
		built, err := os.ReadFile(filepath.Join(dist, "dashboards", s.file))
		if err != nil {
			t.Errorf("plugin build in dist/ lacks the dashboard plugin.json includes: %v (the frontend build copies provisioning/dashboards/*.json to dist/dashboards/)", err)
			continue
		}
		if !bytes.Equal(src, built) {
			// A build older than the last dashboard edit, not a defect of either.
			t.Logf("dist/dashboards/%s differs from provisioning/dashboards/%s: the plugin build is stale; rebuild it", s.file, s.file)
		}
	}
}

// corePanelTypes are the Grafana panel types the dashboards may use without a plugin.
var corePanelTypes = []string{"row", "stat", "timeseries", "heatmap", "bargauge", "gauge", "table", "text", "piechart", "barchart", "state-timeline"}

// frontendPanels returns the ids of the panel plugins the frontend defines: the
// plugin.json files with type "panel" under src/.
func frontendPanels(t *testing.T, root string) []string {
	t.Helper()
	var ids []string
	err := filepath.WalkDir(filepath.Join(root, "src"), func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && path == filepath.Join(root, "src") {
			return fs.SkipAll // no frontend yet
		}
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "node_modules" {
			return filepath.SkipDir
		}
		if d.IsDir() || d.Name() != "plugin.json" {
			return nil
		}
		if p := readPluginJSON(t, path); p.Type == "panel" {
			ids = append(ids, p.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("look for the frontend's panel plugins: %v", err)
	}
	return ids
}

// TestDashboardPanelTypesExist fails on a panel whose type is neither a core
// Grafana panel nor a panel plugin of the frontend (it would show "panel
// plugin not found"), and requires the frontend's control panel at the top of
// the overview once the frontend has one.
func TestDashboardPanelTypesExist(t *testing.T) {
	root := repoRoot(t)
	ours := frontendPanels(t, root)
	for _, s := range shippedDashboards {
		d := loadDashboard(t, root, s.file)
		for _, p := range allPanels(d.Panels) {
			if !slices.Contains(corePanelTypes, p.Type) && !slices.Contains(ours, p.Type) {
				t.Errorf("%s: panel %q has type %q, which is neither a core panel nor a panel plugin in src/ (found %v)", d.UID, p.Title, p.Type, ours)
			}
		}
	}
	if len(ours) == 0 {
		t.Log("the frontend defines no panel plugin yet: the overview has no control panel")
		return
	}
	d := loadDashboard(t, root, "trafficsim-overview.json")
	var top *panel
	for _, p := range allPanels(d.Panels) {
		if p.Type == "row" || p.GridPos == nil {
			continue
		}
		if top == nil || p.GridPos.Y < top.GridPos.Y {
			top = &p
		}
	}
	if top == nil || !slices.Contains(ours, top.Type) {
		t.Errorf("overview: the top panel is %+v, want the frontend's control panel (one of %v)", top, ours)
	}
}
