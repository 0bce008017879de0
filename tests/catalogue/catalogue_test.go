// Package catalogue_test keeps the rules Grafana's plugin validator (plugincheck2, the
// check the plugin catalogue runs) enforced on this repository, so CI catches a
// regression without the validator: see docs/plugin.md, "Catalogue".
package catalogue_test

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const root = "../.."

type pluginJSON struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	Info struct {
		Links []struct {
			Name string `json:"name"`
			URL  string `json:"url"`
		} `json:"links"`
		Screenshots []struct {
			Name string `json:"name"`
			Path string `json:"path"`
		} `json:"screenshots"`
	} `json:"info"`
	Includes []struct {
		Type string `json:"type"`
		Path string `json:"path"`
	} `json:"includes"`
}

func read(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatalf("read %s: %v", rel, err)
	}
	return b
}

func parse(t *testing.T, rel string) pluginJSON {
	t.Helper()
	var p pluginJSON
	if err := json.Unmarshal(read(t, rel), &p); err != nil {
		t.Fatalf("parse %s: %v", rel, err)
	}
	return p
}

// The validator's includesnested: every nested plugin.json in the archive (src/ is
// what webpack copies into it) is declared in the app's includes with its type and path.
func TestNestedPluginsAreDeclared(t *testing.T) {
	app := parse(t, "plugin.json")
	nested, err := filepath.Glob(filepath.Join(root, "src", "*", "*", "plugin.json"))
	if err != nil || len(nested) == 0 {
		t.Fatalf("no nested plugin.json under src/ (%v); this test would check nothing", err)
	}
	for _, path := range nested {
		rel, _ := filepath.Rel(filepath.Join(root, "src"), path)
		rel = filepath.ToSlash(rel)
		child := parse(t, filepath.Join("src", rel))
		found := false
		for _, inc := range app.Includes {
			if inc.Path == rel {
				found = true
				if inc.Type != child.Type {
					t.Errorf("plugin.json includes %s as %q; its own type is %q", rel, inc.Type, child.Type)
				}
			}
		}
		if !found {
			t.Errorf("nested plugin %s is not in plugin.json's includes; add {\"type\": %q, \"path\": %q}", rel, child.Type, rel)
		}
	}
}

// The validator's buildtools: Magefile.go uses the SDK's build package (the
// create-plugin scaffold), and the frontend builds with create-plugin's webpack config.
func TestStandardBuildTooling(t *testing.T) {
	mage := string(read(t, "Magefile.go"))
	if !regexp.MustCompile(`// mage:import\s+build "github.com/grafana/grafana-plugin-sdk-go/build"`).MatchString(mage) ||
		!strings.Contains(mage, "var Default = build.BuildAll") {
		t.Errorf("Magefile.go is not the scaffold's (mage:import of github.com/grafana/grafana-plugin-sdk-go/build, Default build.BuildAll):\n%s", mage)
	}
	if !bytes.Contains(read(t, ".config/webpack/webpack.config.ts"), []byte("@grafana/create-plugin")) {
		t.Error(".config/webpack/webpack.config.ts is not create-plugin's")
	}
}

// The validator's changelog: the archive carries CHANGELOG.md (webpack copies it).
func TestChangelogNamesThisVersion(t *testing.T) {
	var pkg struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(read(t, "package.json"), &pkg); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(read(t, "CHANGELOG.md"), []byte("## "+pkg.Version)) {
		t.Errorf("CHANGELOG.md has no section for version %s (package.json)", pkg.Version)
	}
}

// The validator's screenshots and metadata: links are absolute, and each screenshot
// is an image whose content matches its extension.
func TestInfoLinksAndScreenshots(t *testing.T) {
	app := parse(t, "plugin.json")
	if len(app.Info.Links) == 0 || len(app.Info.Screenshots) == 0 {
		t.Fatalf("plugin.json info needs links and screenshots: %+v", app.Info)
	}
	for _, l := range app.Info.Links {
		if l.Name == "" || !strings.HasPrefix(l.URL, "https://") {
			t.Errorf("link %+v: want a name and an absolute https:// URL", l)
		}
	}
	for _, s := range app.Info.Screenshots {
		img := read(t, filepath.Join("src", s.Path))
		got := http.DetectContentType(img)
		if want := mime.TypeByExtension(filepath.Ext(s.Path)); s.Name == "" || got != want {
			t.Errorf("screenshot %+v: content %s, extension says %s", s, got, want)
		}
	}
}

// The validator's binarypermissions and signing step: a built dist/ (when there is one)
// has executable binaries for the backend and the engine.
func TestBuiltBinariesAreExecutable(t *testing.T) {
	bins, _ := filepath.Glob(filepath.Join(root, "dist", "*_*_*"))
	for _, b := range bins {
		if strings.HasSuffix(b, ".map") || strings.HasSuffix(b, ".js") {
			continue
		}
		if fi, err := os.Stat(b); err == nil && fi.Mode().Perm()&0o111 == 0 {
			t.Errorf("%s is not executable (mode %v)", b, fi.Mode())
		}
	}
}
