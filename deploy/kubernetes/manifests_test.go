// Package kubernetes holds the manifests of a sharded run on Kubernetes
// (docs/sharding.md); its test checks that they are valid and consistent.
package kubernetes

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/trafficsim/trafficsim/engine/runner"
	"github.com/trafficsim/trafficsim/engine/scenario"
)

// object is one decoded Kubernetes document.
type object map[string]any

func (o object) str(path ...string) string {
	v, _ := o.get(path...).(string)
	return v
}

func (o object) get(path ...string) any {
	var cur any = map[string]any(o)
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

func (o object) list(path ...string) []any {
	v, _ := o.get(path...).([]any)
	return v
}

func loadManifests(t *testing.T) (map[string]object, []string) {
	t.Helper()
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	objs := map[string]object{} // kind/name
	for _, f := range files {
		if f == "kustomization.yaml" {
			continue
		}
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(fh)
		for n := 0; ; n++ {
			var m map[string]any // not object: yaml.v3 would give nested maps that type too
			err := dec.Decode(&m)
			o := object(m)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s document %d: %v", f, n, err)
			}
			if o == nil {
				continue
			}
			kind, name := o.str("kind"), o.str("metadata", "name")
			if o.str("apiVersion") == "" || kind == "" || name == "" {
				t.Fatalf("%s document %d: apiVersion %q, kind %q, metadata.name %q: all are required", f, n, o.str("apiVersion"), kind, name)
			}
			want := map[string]string{"Job": "batch/v1", "ConfigMap": "v1", "Secret": "v1", "PersistentVolumeClaim": "v1"}[kind]
			if want == "" || o.str("apiVersion") != want {
				t.Fatalf("%s: %s %s has apiVersion %q, want %q", f, kind, name, o.str("apiVersion"), want)
			}
			if !regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`).MatchString(name) || len(name) > 63 {
				t.Fatalf("%s: %q is not a valid Kubernetes name", f, name)
			}
			if _, dup := objs[kind+"/"+name]; dup {
				t.Fatalf("%s: %s %s defined twice", f, kind, name)
			}
			objs[kind+"/"+name] = o
		}
	}
	return objs, files
}

func TestManifests(t *testing.T) {
	objs, files := loadManifests(t)
	for _, want := range []string{"Job/trafficsim-shards", "Job/trafficsim-merge", "ConfigMap/trafficsim-run",
		"ConfigMap/trafficsim-scenario", "Secret/trafficsim-admin", "PersistentVolumeClaim/trafficsim-results"} {
		if objs[want] == nil {
			t.Fatalf("%s is missing", want)
		}
	}

	// The run settings are valid trafficsim values.
	run := objs["ConfigMap/trafficsim-run"]
	data := map[string]string{}
	for k, v := range run.get("data").(map[string]any) {
		s, ok := v.(string)
		if !ok {
			t.Fatalf("trafficsim-run data %s: %v is not a string (quote it)", k, v)
		}
		data[k] = s
	}
	shards, err := strconv.Atoi(data["SHARDS"])
	if err != nil || shards < 1 {
		t.Fatalf("SHARDS %q", data["SHARDS"])
	}
	if _, err := runner.ParseShard(strconv.Itoa(shards-1) + "/" + data["SHARDS"]); err != nil {
		t.Fatal(err)
	}
	if _, err := time.Parse(time.RFC3339, data["START_AT"]); err != nil {
		t.Fatalf("START_AT: %v", err)
	}
	cfg := runner.DefaultConfig()
	cfg.RunID, cfg.BaseURL = data["RUN_ID"], data["BASE_URL"]
	if cfg.Seed, err = strconv.ParseInt(data["SEED"], 10, 64); err != nil {
		t.Fatalf("SEED: %v", err)
	}
	if cfg.Users, err = strconv.Atoi(data["USERS"]); err != nil {
		t.Fatalf("USERS: %v", err)
	}
	if cfg.Duration, err = time.ParseDuration(data["DURATION"]); err != nil {
		t.Fatalf("DURATION: %v", err)
	}
	cfg.Shard = runner.Shard{Index: 0, Count: shards}

	// The scenario parses, and the config validates with it.
	sc := objs["ConfigMap/trafficsim-scenario"].str("data", "scenario.yaml")
	if _, err := scenario.Parse([]byte(sc), "scenario.yaml"); err != nil {
		t.Fatalf("the scenario ConfigMap: %v", err)
	}
	scFile := filepath.Join(t.TempDir(), "scenario.yaml")
	if err := os.WriteFile(scFile, []byte(sc), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.Scenario = scFile
	if err := cfg.Validate(); err != nil {
		t.Fatalf("the run settings: %v", err)
	}

	sec := objs["Secret/trafficsim-admin"]
	if sec.str("type") != "Opaque" || sec.str("stringData", "password") == "" {
		t.Fatalf("the admin Secret needs type Opaque and stringData.password")
	}

	// The shards: an Indexed Job of SHARDS pods at once, the index from
	// JOB_COMPLETION_INDEX into --shard, the shared start time and run id.
	job := objs["Job/trafficsim-shards"]
	if job.str("spec", "completionMode") != "Indexed" {
		t.Fatalf("trafficsim-shards: completionMode %q, want Indexed", job.str("spec", "completionMode"))
	}
	for _, f := range []string{"completions", "parallelism"} {
		if n, _ := job.get("spec", f).(int); n != shards {
			t.Fatalf("trafficsim-shards: spec.%s %v, want SHARDS %d", f, job.get("spec", f), shards)
		}
	}
	if n, ok := job.get("spec", "backoffLimit").(int); !ok || n != 0 {
		t.Fatalf("trafficsim-shards: backoffLimit %v, want 0 (a retried shard runs its VUs twice)", job.get("spec", "backoffLimit"))
	}
	c := checkPod(t, objs, "trafficsim-shards", job, "")
	envs := envNames(c)
	if !slices.Contains(envs, "JOB_COMPLETION_INDEX") {
		t.Fatal("trafficsim-shards: the container does not declare JOB_COMPLETION_INDEX")
	}
	var ref string
	for _, e := range c.list("env") {
		eo := object(e.(map[string]any))
		if eo.str("name") == "JOB_COMPLETION_INDEX" {
			ref = eo.str("valueFrom", "fieldRef", "fieldPath")
		}
	}
	if ref != "metadata.annotations['batch.kubernetes.io/job-completion-index']" {
		t.Fatalf("JOB_COMPLETION_INDEX from %q", ref)
	}
	args := strArgs(c)
	for _, want := range []string{"run", "--shard=$(JOB_COMPLETION_INDEX)/$(SHARDS)", "--run-id=$(RUN_ID)", "--seed=$(SEED)",
		"--start-at=$(START_AT)", "--scenario=/etc/trafficsim/scenario.yaml", "--summary=/results/summary-$(RUN_ID)-$(JOB_COMPLETION_INDEX).json"} {
		if !slices.Contains(args, want) {
			t.Fatalf("trafficsim-shards args %q lack %q", args, want)
		}
	}

	// The merge: waits for the summaries, then merges them.
	merge := objs["Job/trafficsim-merge"]
	mc := checkPod(t, objs, "trafficsim-merge", merge, "")
	margs := strArgs(mc)
	if len(margs) < 2 || margs[0] != "merge" || margs[1] != "/results/summary-$(RUN_ID)-*.json" {
		t.Fatalf("trafficsim-merge args %q", margs)
	}
	if len(objs["Job/trafficsim-merge"].list("spec", "template", "spec", "initContainers")) != 1 {
		t.Fatal("trafficsim-merge: want one init container that waits for the shards")
	}
	checkPod(t, objs, "trafficsim-merge", merge, "initContainers")

	// The kustomization lists every manifest.
	k, err := os.ReadFile("kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var kust struct {
		Resources []string `yaml:"resources"`
	}
	if err := yaml.Unmarshal(k, &kust); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f != "kustomization.yaml" && !slices.Contains(kust.Resources, f) {
			t.Fatalf("kustomization.yaml does not list %s", f)
		}
	}
}

// checkPod checks a Job's pod template: restart policy, containers with an
// image, every $(VAR) in the args defined, every referenced ConfigMap,
// Secret and claim defined. It returns the first container (of the kind
// given, "" for containers).
func checkPod(t *testing.T, objs map[string]object, name string, job object, which string) object {
	t.Helper()
	if which == "" {
		which = "containers"
	}
	spec := object(job.get("spec", "template", "spec").(map[string]any))
	if rp := spec.str("restartPolicy"); rp != "Never" && rp != "OnFailure" {
		t.Fatalf("%s: restartPolicy %q; a Job needs Never or OnFailure", name, rp)
	}
	volumes := map[string]bool{}
	for _, v := range spec.list("volumes") {
		vo := object(v.(map[string]any))
		volumes[vo.str("name")] = true
		if cm := vo.str("configMap", "name"); cm != "" && objs["ConfigMap/"+cm] == nil {
			t.Fatalf("%s: volume %s: ConfigMap %s is not defined", name, vo.str("name"), cm)
		}
		if pvc := vo.str("persistentVolumeClaim", "claimName"); pvc != "" && objs["PersistentVolumeClaim/"+pvc] == nil {
			t.Fatalf("%s: volume %s: claim %s is not defined", name, vo.str("name"), pvc)
		}
	}
	cs := spec.list(which)
	if len(cs) == 0 {
		t.Fatalf("%s: no %s", name, which)
	}
	for _, ci := range cs {
		c := object(ci.(map[string]any))
		if c.str("name") == "" || c.str("image") == "" {
			t.Fatalf("%s: a container needs a name and an image", name)
		}
		for _, m := range c.list("volumeMounts") {
			mo := object(m.(map[string]any))
			if !volumes[mo.str("name")] {
				t.Fatalf("%s: mount of undefined volume %s", name, mo.str("name"))
			}
		}
		defined := map[string]bool{}
		for _, n := range envNames(c) {
			defined[n] = true
		}
		for _, e := range c.list("envFrom") {
			cm := object(e.(map[string]any)).str("configMapRef", "name")
			o := objs["ConfigMap/"+cm]
			if o == nil {
				t.Fatalf("%s: envFrom ConfigMap %q is not defined", name, cm)
			}
			for k := range o.get("data").(map[string]any) {
				defined[k] = true
			}
		}
		for _, e := range c.list("env") {
			eo := object(e.(map[string]any))
			if s := eo.str("valueFrom", "secretKeyRef", "name"); s != "" {
				key := eo.str("valueFrom", "secretKeyRef", "key")
				if objs["Secret/"+s] == nil || objs["Secret/"+s].get("stringData", key) == nil {
					t.Fatalf("%s: env %s from Secret %s key %s, which is not defined", name, eo.str("name"), s, key)
				}
			}
		}
		for _, a := range strArgs(c) {
			for _, m := range regexp.MustCompile(`\$\(([A-Z_][A-Z0-9_]*)\)`).FindAllStringSubmatch(a, -1) {
				if !defined[m[1]] {
					t.Fatalf("%s: arg %q uses $(%s), which the container does not define", name, a, m[1])
				}
			}
		}
	}
	return object(cs[0].(map[string]any))
}

func envNames(c object) []string {
	var out []string
	for _, e := range c.list("env") {
		out = append(out, object(e.(map[string]any)).str("name"))
	}
	return out
}

func strArgs(c object) []string {
	var out []string
	for _, a := range c.list("args") {
		s, _ := a.(string)
		out = append(out, strings.TrimSpace(s))
	}
	return out
}
