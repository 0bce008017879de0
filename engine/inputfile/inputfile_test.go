package inputfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small.yaml")
	if err := os.WriteFile(small, []byte("name: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if data, err := Read(small, 8); err != nil || string(data) != "name: x\n" {
		t.Errorf("a file at the limit: %q, %v", data, err)
	}
	if _, err := Read(small, 7); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), small) {
		t.Errorf("a file over the limit: %v", err)
	}
	if _, err := Read(filepath.Join(dir, "missing"), 8); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
	// A device is not a scenario: refused without reading it.
	if _, err := Read("/dev/zero", ConfigLimit); !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "character device") {
		t.Errorf("/dev/zero: %v", err)
	}
	if _, err := Read(dir, ConfigLimit); !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "directory") {
		t.Errorf("a directory: %v", err)
	}
}
