package outputfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mustWrite(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestWriteRegular: a new file and an existing one are written whole, and
// no temporary file is left beside them.
func TestWriteRegular(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "s.json")
	if err := Write(p, []byte("one")); err != nil || read(t, p) != "one" {
		t.Fatalf("new file: %v", err)
	}
	if err := Write(p, []byte("two")); err != nil || read(t, p) != "two" {
		t.Fatalf("existing file: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left beside the file: %v", entries)
	}
	if err := Write(dir, []byte("x")); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("a directory: %v", err)
	}
}

// TestWriteThroughSymlink: a link given as the path stays a link and the
// file it points to gets the data, also when that file does not exist yet.
func TestWriteThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	real, link := filepath.Join(dir, "real.json"), filepath.Join(dir, "link.json")
	mustWrite(t, real, "old")
	if err := os.Symlink("real.json", link); err != nil {
		t.Skip("symlink:", err)
	}
	if err := Write(link, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", fi.Mode(), err)
	}
	if got := read(t, real); got != "new" {
		t.Errorf("real.json = %q, want the data", got)
	}
	// A link to a file not there yet (in another directory): the file is made.
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(dir, "later.json")
	if err := os.Symlink(filepath.Join(sub, "later.json"), dangling); err != nil {
		t.Fatal(err)
	}
	if err := Write(dangling, []byte("later")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(dangling); err != nil || fi.Mode()&os.ModeSymlink == 0 || read(t, filepath.Join(sub, "later.json")) != "later" {
		t.Errorf("dangling link: %v %v", fi, err)
	}
	if !Same(link, real) || !Same(dangling, filepath.Join(sub, "later.json")) || Same(link, dangling) {
		t.Error("Same does not follow links")
	}
}

// TestCheck: what would fail at the end is said at the start, with the fix.
func TestCheck(t *testing.T) {
	dir := t.TempDir()
	if err := Check(filepath.Join(dir, "s.json")); err != nil {
		t.Errorf("a new file in a writable directory: %v", err)
	}
	if err := Check(filepath.Join(dir, "no", "such", "s.json")); err == nil || !strings.Contains(err.Error(), "mkdir -p") {
		t.Errorf("a missing directory: %v", err)
	}
	if err := Check(dir); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("a directory: %v", err)
	}
	file := filepath.Join(dir, "f")
	mustWrite(t, file, "")
	if err := Check(filepath.Join(file, "s.json")); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("a file as the directory: %v", err)
	}
	if os.Geteuid() != 0 { // root writes anywhere
		ro := filepath.Join(dir, "ro")
		if err := os.Mkdir(ro, 0o500); err != nil {
			t.Fatal(err)
		}
		if err := Check(filepath.Join(ro, "s.json")); err == nil || !strings.Contains(err.Error(), "cannot create") {
			t.Errorf("a read-only directory: %v", err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 2 {
		t.Errorf("Check left files: %v", entries)
	}
}

func TestSame(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	mustWrite(t, a, "a")
	mustWrite(t, b, "b")
	hard := filepath.Join(dir, "hard")
	if err := os.Link(a, hard); err == nil && !Same(a, hard) {
		t.Error("a hard link is not the same file")
	}
	if Same(a, b) || !Same(a, filepath.Join(dir, ".", "a")) || !Same(filepath.Join(dir, "new"), filepath.Join(dir, "x", "..", "new")) {
		t.Error("Same by path")
	}
}

func TestFallback(t *testing.T) {
	p, err := Fallback("trafficsim-test-*.json", []byte("kept"))
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(p)
	if read(t, p) != "kept" || !strings.HasPrefix(filepath.Base(p), "trafficsim-test-") {
		t.Errorf("fallback %s", p)
	}
}
