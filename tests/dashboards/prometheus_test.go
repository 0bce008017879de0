package dashboards_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Stand-ins for Grafana's built-in interval variables while evaluating panels.
var builtinVars = map[string]string{
	"__rate_interval": "15s",
	"__interval":      "5s",
	"__range":         "5m",
}

// needPrometheus returns the paths of prometheus and promtool, skipping the
// test when they are not installed (CI installs Debian's prometheus package).
func needPrometheus(t *testing.T) (prometheus, promtool string) {
	t.Helper()
	var missing []string
	paths := map[string]string{}
	for _, name := range []string{"prometheus", "promtool"} {
		p, err := exec.LookPath(name)
		if err != nil {
			missing = append(missing, name)
			continue
		}
		paths[name] = p
	}
	if len(missing) > 0 {
		t.Skipf("%s not installed (Debian: apt-get install prometheus); the dashboards' PromQL is not checked against a real Prometheus", strings.Join(missing, ", "))
	}
	return paths["prometheus"], paths["promtool"]
}

func TestPromtoolCheckShippedConfig(t *testing.T) {
	_, promtool := needPrometheus(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg := filepath.Join(repoRoot(t), "provisioning", "prometheus", "prometheus.yml")
	out, err := exec.CommandContext(ctx, promtool, "check", "config", cfg).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check config %s: %v\n%s", cfg, err, out)
	}
}

// TestPanelsReturnDataFromRealRun runs the reference target, a bounded
// metrics_generation run with its metrics exposed and a real Prometheus
// scraping both, then evaluates every expression of every panel of both
// dashboards through Prometheus' HTTP API, with the dashboard variables set to
// "All" and to single values of the run, and requires data from each.
func TestPanelsReturnDataFromRealRun(t *testing.T) {
	prometheus, promtool := needPrometheus(t)
	if testing.Short() {
		t.Skip("-short: skipping the live Prometheus test")
	}
	root := repoRoot(t)
	dir := t.TempDir()
	bin := buildEngine(t, root, dir)

	// Everything after the build: the run lasts 25s, the rest is start-up.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	// Cleanups run last-in first-out: the run stops (and cleans up its data)
	// while the target still serves; cancel comes after every child stopped.
	t.Cleanup(cancel)

	targetAddr, metricsAddr, promAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	targetURL := "http://" + targetAddr
	startProcess(ctx, t, "target", bin, "target", "--addr", targetAddr, "--error-rate", "0.03")
	waitHTTP(ctx, t, targetURL+"/healthz")

	promCfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(promCfg, scrapeConfig(metricsAddr, targetAddr), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.CommandContext(ctx, promtool, "check", "config", promCfg).CombinedOutput(); err != nil {
		t.Fatalf("promtool check config (test config): %v\n%s", err, out)
	}
	startProcess(ctx, t, "prometheus", prometheus,
		"--config.file="+promCfg,
		"--storage.tsdb.path="+filepath.Join(dir, "tsdb"),
		"--web.listen-address="+promAddr,
		"--web.enable-remote-write-receiver",
		"--log.level=warn")
	prom := promClient{base: "http://" + promAddr}
	waitHTTP(ctx, t, prom.base+"/-/ready")

	run := startProcess(ctx, t, "run", bin, "run",
		"--base-url", targetURL,
		"--scenario", "metrics_generation",
		"--users", "30",
		"--min-request-count", "50", "--max-request-count", "400",
		"--delay-min", "20ms", "--delay-max", "200ms",
		"--duration", "25s",
		"--seed", "7",
		"--metrics-addr", metricsAddr)

	var boards []dashboard
	total := 0
	for _, s := range shippedDashboards {
		d := loadDashboard(t, root, s.file)
		boards = append(boards, d)
		total += len(queries(d))
	}

	// Poll until one evaluation instant has data for every expression under
	// both variable settings, or the run ends first.
	var last []string
	attempts := 0
	for {
		attempts++
		at := time.Now()
		failures, err := evaluateAll(ctx, prom, boards, at)
		if err != nil {
			t.Fatalf("evaluate dashboards: %v", err)
		}
		if len(failures) == 0 {
			t.Logf("all %d expressions of %d dashboards returned data at %s under both variable settings (\"All\" and single values), attempt %d",
				total, len(boards), at.UTC().Format(time.RFC3339), attempts)
			return
		}
		last = failures
		select {
		case <-run.done:
			t.Fatalf("the run ended before every panel had data; still empty:\n%s\nrun output:\n%s",
				strings.Join(last, "\n"), run.output())
		case <-ctx.Done():
			t.Fatalf("timed out waiting for every panel to have data; still empty:\n%s\nrun output:\n%s",
				strings.Join(last, "\n"), run.output())
		case <-time.After(time.Second):
		}
	}
}

// buildEngine builds trafficsim into dir with the flags of the Magefile's
// engine build (-trimpath, no cgo), so its build cache is reused.
func buildEngine(t *testing.T, root, dir string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bin := filepath.Join(dir, "trafficsim")
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, "./engine/cmd/trafficsim")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build trafficsim: %v\n%s", err, out)
	}
	return bin
}

// evaluateAll evaluates every panel expression of boards at one instant, once
// with every variable set to "All" and once with single values found in the
// run, and returns a line per expression that failed or came back empty.
func evaluateAll(ctx context.Context, prom promClient, boards []dashboard, at time.Time) ([]string, error) {
	var failures []string
	for _, d := range boards {
		settings, problems, err := variableSettings(ctx, prom, d, at)
		if err != nil {
			return nil, err
		}
		failures = append(failures, problems...)
		if len(problems) > 0 {
			continue
		}
		for _, s := range settings {
			for _, q := range queries(d) {
				expr := substitute(q.expr, s.values)
				n, err := prom.instantCount(ctx, expr, at)
				switch {
				case err != nil:
					failures = append(failures, fmt.Sprintf("  [%s] %s\n    evaluated %s: %v", s.name, q, expr, err))
				case n == 0:
					failures = append(failures, fmt.Sprintf("  [%s] %s\n    evaluated %s: no data", s.name, q, expr))
				}
			}
		}
	}
	return failures, nil
}

type varSetting struct {
	name   string
	values map[string]string // variable → text substituted for $variable
}

// variableSettings resolves the dashboard's label_values variables through
// Prometheus as Grafana does, in order (later ones use earlier ones), and
// returns the "All" setting and a single-value setting (the value with the
// most series). A variable without values is a problem of the dashboard.
func variableSettings(ctx context.Context, prom promClient, d dashboard, at time.Time) ([]varSetting, []string, error) {
	all := varSetting{name: "All", values: map[string]string{}}
	single := varSetting{name: "single", values: map[string]string{}}
	var problems []string
	for _, v := range d.Templating.List {
		sel, label, ok := parseLabelValues(v.Definition)
		if !ok {
			return nil, nil, fmt.Errorf("%s: variable $%s: cannot evaluate %q (only label_values(selector, label) is supported)", d.UID, v.Name, v.Definition)
		}
		values, err := prom.labelValues(ctx, label, substitute(sel, single.values), at)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: variable $%s: %w", d.UID, v.Name, err)
		}
		if len(values) == 0 {
			problems = append(problems, fmt.Sprintf("  %s: variable $%s (%s) has no values yet", d.UID, v.Name, v.Definition))
			continue
		}
		best, err := prom.busiestValue(ctx, label, substitute(sel, single.values), at)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: variable $%s: %w", d.UID, v.Name, err)
		}
		if best == "" {
			// The label values API already sees a series whose first sample
			// lies just after this instant (a scrape in flight): look again.
			problems = append(problems, fmt.Sprintf("  %s: variable $%s (%s) has no series at %s yet", d.UID, v.Name, v.Definition, promTime(at)))
			continue
		}
		if !slices.Contains(values, best) {
			return nil, nil, fmt.Errorf("%s: variable $%s: value %q from the series is not among its label values %v", d.UID, v.Name, best, values)
		}
		all.values[v.Name] = v.AllValue
		if v.AllValue == "" {
			// Grafana's default "All": every value, regex-escaped, as an alternation.
			escaped := make([]string, len(values))
			for i, val := range values {
				escaped[i] = regexEscape(val)
			}
			all.values[v.Name] = "(" + strings.Join(escaped, "|") + ")"
		}
		single.values[v.Name] = regexEscape(best) // multi-value variables are regex-escaped
	}
	return []varSetting{all, single}, problems, nil
}

// regexEscape escapes a label value for a =~ matcher inside a double-quoted
// PromQL string, as Grafana does for multi-value variables.
func regexEscape(v string) string {
	return strings.ReplaceAll(regexp.QuoteMeta(v), `\`, `\\`)
}

// substitute replaces dashboard and built-in variables ($x, ${x}) in expr;
// unknown names (such as label_replace's ${1}) stay as they are.
func substitute(expr string, values map[string]string) string {
	return varRef.ReplaceAllStringFunc(expr, func(ref string) string {
		m := varRef.FindStringSubmatch(ref)
		name := m[1] + m[2]
		if v, ok := values[name]; ok {
			return v
		}
		if v, ok := builtinVars[name]; ok {
			return v
		}
		return ref
	})
}

// promClient speaks Prometheus' HTTP API.
type promClient struct{ base string }

type promResponse struct {
	Status    string          `json:"status"`
	Data      json.RawMessage `json:"data"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
}

func (c promClient) get(ctx context.Context, path string, params url.Values) (json.RawMessage, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	// GET: /api/v1/label/<name>/values accepts no POST; the expressions are short.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path+"?"+params.Encode(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("query prometheus %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, fmt.Errorf("read prometheus %s response: %w", path, err)
	}
	var pr promResponse
	if err := json.Unmarshal(body, &pr); err != nil {
		return nil, fmt.Errorf("prometheus %s: HTTP %d, body %.200q: %w", path, resp.StatusCode, body, err)
	}
	if pr.Status != "success" {
		return nil, fmt.Errorf("prometheus %s: %s: %s", path, pr.ErrorType, pr.Error)
	}
	return pr.Data, nil
}

func promTime(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', 3, 64)
}

type vectorSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

// instant evaluates expr at t and returns the vector (scalars count as one sample).
func (c promClient) instant(ctx context.Context, expr string, t time.Time) ([]vectorSample, error) {
	data, err := c.get(ctx, "/api/v1/query", url.Values{"query": {expr}, "time": {promTime(t)}})
	if err != nil {
		return nil, err
	}
	var res struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(data, &res); err != nil {
		return nil, fmt.Errorf("decode query result: %w", err)
	}
	if res.ResultType != "vector" {
		return []vectorSample{{}}, nil
	}
	var v []vectorSample
	if err := json.Unmarshal(res.Result, &v); err != nil {
		return nil, fmt.Errorf("decode vector: %w", err)
	}
	return v, nil
}

func (c promClient) instantCount(ctx context.Context, expr string, t time.Time) (int, error) {
	v, err := c.instant(ctx, expr, t)
	return len(v), err
}

// labelValues lists label's values on the series matching selector over the
// five minutes up to t, as Grafana's label_values(selector, label) does.
func (c promClient) labelValues(ctx context.Context, label, selector string, t time.Time) ([]string, error) {
	data, err := c.get(ctx, "/api/v1/label/"+url.PathEscape(label)+"/values", url.Values{
		"match[]": {selector}, "start": {promTime(t.Add(-5 * time.Minute))}, "end": {promTime(t)},
	})
	if err != nil {
		return nil, err
	}
	var values []string
	if err := json.Unmarshal(data, &values); err != nil {
		return nil, fmt.Errorf("decode label values: %w", err)
	}
	return values, nil
}

// busiestValue is the value of label with the most series under selector, a
// value a user would plausibly pick; "" when no series has a sample at t.
func (c promClient) busiestValue(ctx context.Context, label, selector string, t time.Time) (string, error) {
	v, err := c.instant(ctx, fmt.Sprintf("topk(1, count by (%s) (%s))", label, selector), t)
	if err != nil {
		return "", err
	}
	if len(v) == 0 {
		return "", nil // none at this instant (the caller looks again)
	}
	return v[0].Metric[label], nil
}

// freeAddr returns a loopback address nothing listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitHTTP polls url until it answers 200.
func waitHTTP(ctx context.Context, t *testing.T, url string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s did not answer 200 in time (last error: %v)", url, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// process is a started child whose output is kept (bounded) for failure messages.
type process struct {
	name string
	done chan struct{}
	out  *tailBuffer
}

func (p *process) output() string { return p.out.String() }

// startProcess starts a child process, stopped (SIGTERM, then SIGKILL) when
// ctx ends or the test ends. If the test fails, each child's exit status and
// output are logged.
func startProcess(ctx context.Context, t *testing.T, name, bin string, args ...string) *process {
	t.Helper()
	p := &process{name: name, done: make(chan struct{}), out: &tailBuffer{max: 16 << 10}}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = p.out, p.out
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-p.done:
			case <-time.After(5 * time.Second):
				_ = cmd.Process.Kill()
				<-p.done
			}
		}
		if t.Failed() {
			t.Logf("%s (%s %s) exited: %v; output:\n%s", name, filepath.Base(bin), strings.Join(args, " "), waitErr, p.output())
		}
	})
	return p
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if over := b.buf.Len() - b.max; over > 0 {
		b.buf.Next(over)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// scrapeConfig is a Prometheus configuration scraping the engine's and the
// target's /metrics every second.
func scrapeConfig(metricsAddr, targetAddr string) []byte {
	return fmt.Appendf(nil, `global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: trafficsim
    static_configs: [{targets: [%q]}]
  - job_name: usersvc
    static_configs: [{targets: [%q]}]
`, metricsAddr, targetAddr)
}
