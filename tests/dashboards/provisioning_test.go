package dashboards_test

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

const pluginID = "trafficsim-simulator-app"

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	dec.KnownFields(true) // a misspelt key is a mistake, not an extension
	if err := dec.Decode(v); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
}

type composeFile struct {
	Name     string                    `yaml:"name"`
	Services map[string]composeService `yaml:"services"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       string            `yaml:"build"`
	Command     []string          `yaml:"command"`
	Entrypoint  []string          `yaml:"entrypoint"`
	Ports       []string          `yaml:"ports"`
	Volumes     []string          `yaml:"volumes"`
	Environment map[string]string `yaml:"environment"`
	DependsOn   []string          `yaml:"depends_on"`
}

type prometheusConfig struct {
	Global        map[string]string `yaml:"global"`
	ScrapeConfigs []struct {
		JobName       string `yaml:"job_name"`
		MetricsPath   string `yaml:"metrics_path"`
		StaticConfigs []struct {
			Targets []string `yaml:"targets"`
		} `yaml:"static_configs"`
	} `yaml:"scrape_configs"`
}

// scrapeTargets returns job name → targets.
func (c prometheusConfig) scrapeTargets() map[string][]string {
	out := map[string][]string{}
	for _, sc := range c.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			out[sc.JobName] = append(out[sc.JobName], st.Targets...)
		}
	}
	return out
}

// flagValue returns the value after flag in args (also inside a shell command line).
func flagValue(args []string, flag string) string {
	fields := strings.Fields(strings.Join(args, " "))
	for i, f := range fields {
		if f == flag && i+1 < len(fields) {
			return fields[i+1]
		}
		if v, ok := strings.CutPrefix(f, flag+"="); ok {
			return v
		}
	}
	return ""
}

func portOf(t *testing.T, addr string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("address %q: %v", addr, err)
	}
	return port
}

// TestComposeStack checks docker-compose.yaml (there is no Docker engine to run
// it): its keys, and that it agrees with the Prometheus config, the datasource
// and the app settings it mounts.
func TestComposeStack(t *testing.T) {
	root := repoRoot(t)
	var c composeFile
	readYAML(t, filepath.Join(root, "docker-compose.yaml"), &c)
	for _, name := range []string{"grafana", "prometheus", "usersvc", "engine"} {
		if _, ok := c.Services[name]; !ok {
			t.Fatalf("service %q missing", name)
		}
	}
	for name, s := range c.Services {
		if (s.Image == "") == (s.Build == "") {
			t.Errorf("service %s: want exactly one of image and build", name)
		}
		if s.Build != "" {
			if _, err := os.Stat(filepath.Join(root, s.Build, "Dockerfile")); err != nil {
				t.Errorf("service %s builds %q: %v", name, s.Build, err)
			}
		}
		for _, v := range s.Volumes {
			src, _, _ := strings.Cut(v, ":")
			if src == "./dist" {
				continue // the plugin build output; absent until built
			}
			if _, err := os.Stat(filepath.Join(root, src)); err != nil {
				t.Errorf("service %s mounts %s: %v", name, src, err)
			}
		}
	}

	g := c.Services["grafana"]
	if got := g.Environment["GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS"]; !slices.Contains(strings.Split(got, ","), pluginID) {
		t.Errorf("grafana: GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS = %q, want it to list %s", got, pluginID)
	}
	for _, want := range []string{"./dist:/var/lib/grafana/plugins/" + pluginID, "./provisioning:/etc/grafana/provisioning"} {
		if !slices.ContainsFunc(g.Volumes, func(v string) bool { return strings.HasPrefix(v, want) }) {
			t.Errorf("grafana: no volume %s in %v", want, g.Volumes)
		}
	}

	p := c.Services["prometheus"]
	if !slices.Contains(p.Command, "--web.enable-remote-write-receiver") {
		t.Errorf("prometheus: command %v lacks --web.enable-remote-write-receiver", p.Command)
	}
	cfgPath := flagValue(p.Command, "--config.file")
	if !slices.Contains(p.Volumes, "./provisioning/prometheus/prometheus.yml:"+cfgPath+":ro") {
		t.Errorf("prometheus: --config.file %q is not the mounted provisioning/prometheus/prometheus.yml (%v)", cfgPath, p.Volumes)
	}

	// The scrape targets must be the compose services on the ports they listen on.
	var pc prometheusConfig
	readYAML(t, filepath.Join(root, "provisioning", "prometheus", "prometheus.yml"), &pc)
	targets := pc.scrapeTargets()
	engine := c.Services["engine"]
	engineCmd := append(slices.Clone(engine.Entrypoint), engine.Command...)
	if !strings.Contains(strings.Join(engineCmd, " "), "--scenario metrics_generation") {
		t.Errorf("engine: command %v does not run the metrics_generation scenario", engineCmd)
	}
	usersvc := c.Services["usersvc"]
	wantTargets := map[string]string{
		"trafficsim": "engine:" + portOf(t, flagValue(engineCmd, "--metrics-addr")),
		"usersvc":    "usersvc:" + portOf(t, flagValue(usersvc.Command, "--addr")),
	}
	for job, want := range wantTargets {
		if !slices.Contains(targets[job], want) {
			t.Errorf("prometheus.yml job %q targets %v, want %s", job, targets[job], want)
		}
	}
	if got := pc.Global["scrape_interval"]; got != "5s" {
		t.Errorf("prometheus.yml scrape_interval = %q, want 5s", got)
	}
	targetURL := "http://" + wantTargets["usersvc"]
	if base := flagValue(engineCmd, "--base-url"); base != targetURL {
		t.Errorf("engine: --base-url %q, want the usersvc service %s", base, targetURL)
	}

	// The datasource points at the prometheus service; the app may target usersvc.
	var ds datasourcesFile
	readYAML(t, filepath.Join(root, "provisioning", "datasources", "prometheus.yaml"), &ds)
	if len(ds.Datasources) != 1 || ds.Datasources[0].UID != datasourceUID || ds.Datasources[0].Type != "prometheus" {
		t.Fatalf("datasources = %+v, want one prometheus with uid %s", ds.Datasources, datasourceUID)
	}
	promPort := ""
	for _, port := range p.Ports {
		promPort = port[strings.LastIndex(port, ":")+1:]
	}
	if want := "http://prometheus:" + promPort; ds.Datasources[0].URL != want {
		t.Errorf("datasource url %q, want %s", ds.Datasources[0].URL, want)
	}
	if got := ds.Datasources[0].JSONData["timeInterval"]; got != pc.Global["scrape_interval"] {
		t.Errorf("datasource timeInterval %v, want the scrape interval %s", got, pc.Global["scrape_interval"])
	}

	var apps struct {
		APIVersion int `yaml:"apiVersion"`
		Apps       []struct {
			Type     string `yaml:"type"`
			OrgID    int    `yaml:"org_id"`
			OrgName  string `yaml:"org_name"`
			Disabled bool   `yaml:"disabled"`
			JSONData struct {
				AllowedTargets    []string `yaml:"allowedTargets"`
				MaxUsers          int      `yaml:"maxUsers"`
				MaxConcurrentRuns int      `yaml:"maxConcurrentRuns"`
				MetricsAddr       string   `yaml:"metricsAddr"`
			} `yaml:"jsonData"`
		} `yaml:"apps"`
	}
	readYAML(t, filepath.Join(root, "provisioning", "plugins", "app.yaml"), &apps)
	if len(apps.Apps) != 1 || apps.Apps[0].Type != pluginID || apps.Apps[0].Disabled {
		t.Fatalf("apps = %+v, want %s enabled", apps.Apps, pluginID)
	}
	jd := apps.Apps[0].JSONData
	if !slices.Contains(jd.AllowedTargets, targetURL) || jd.MaxUsers <= 0 || jd.MaxConcurrentRuns <= 0 {
		t.Errorf("app jsonData %+v: want allowedTargets with %s and positive limits", jd, targetURL)
	}
	// Runs started from Grafana live in the engine the app starts inside the
	// grafana container: Prometheus must scrape its metricsAddr there.
	if jd.MetricsAddr == "" {
		t.Errorf("app jsonData: no metricsAddr; runs started from Grafana would not reach Prometheus")
	} else if want := "grafana:" + portOf(t, jd.MetricsAddr); !slices.Contains(targets["trafficsim"], want) {
		t.Errorf("prometheus.yml job trafficsim targets %v, want the app's engine %s (metricsAddr %s)", targets["trafficsim"], want, jd.MetricsAddr)
	}

	var prov struct {
		APIVersion int `yaml:"apiVersion"`
		Providers  []struct {
			Name                  string `yaml:"name"`
			OrgID                 int    `yaml:"orgId"`
			Folder                string `yaml:"folder"`
			FolderUID             string `yaml:"folderUid"`
			Type                  string `yaml:"type"`
			DisableDeletion       bool   `yaml:"disableDeletion"`
			AllowUIUpdates        bool   `yaml:"allowUiUpdates"`
			UpdateIntervalSeconds int    `yaml:"updateIntervalSeconds"`
			Options               struct {
				Path                      string `yaml:"path"`
				FoldersFromFilesStructure bool   `yaml:"foldersFromFilesStructure"`
			} `yaml:"options"`
		} `yaml:"providers"`
	}
	readYAML(t, filepath.Join(root, "provisioning", "dashboards", "dashboards.yaml"), &prov)
	if len(prov.Providers) != 1 || prov.Providers[0].Type != "file" ||
		prov.Providers[0].Options.Path != "/etc/grafana/provisioning/dashboards" {
		t.Errorf("dashboard providers %+v: want one file provider reading /etc/grafana/provisioning/dashboards (the mounted provisioning/dashboards)", prov.Providers)
	}
}

// datasourcesFile is a Grafana datasource provisioning file.
type datasourcesFile struct {
	APIVersion  int `yaml:"apiVersion"`
	Datasources []struct {
		Name      string         `yaml:"name"`
		UID       string         `yaml:"uid"`
		Type      string         `yaml:"type"`
		Access    string         `yaml:"access"`
		URL       string         `yaml:"url"`
		IsDefault bool           `yaml:"isDefault"`
		Editable  bool           `yaml:"editable"`
		JSONData  map[string]any `yaml:"jsonData"`
	} `yaml:"datasources"`
}
