//go:build unix

package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/trafficsim/trafficsim/engine/inputfile"
)

// TestReadOpenAPILimit: `profile init --openapi` reads at most 16 MiB of a
// file or a URL, and says so naming the limit; a device or a FIFO is refused.
func TestReadOpenAPILimit(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	sized := func(name string, n int64) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := f.Truncate(n); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tooLarge := func(name string, err error, size string) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), size) || !strings.Contains(err.Error(), "read up to 16 MiB") ||
			!strings.Contains(err.Error(), "--openapi") {
			t.Errorf("%s: %v; want an --openapi error naming %q and the 16 MiB limit", name, err, size)
		}
	}

	if data, err := readOpenAPI(ctx, sized("at-limit.yaml", maxOpenAPI)); err != nil || len(data) != maxOpenAPI {
		t.Errorf("a file at the limit: %d bytes, %v", len(data), err)
	}
	_, err := readOpenAPI(ctx, sized("big.yaml", 27<<20))
	if err == nil || !strings.Contains(err.Error(), "--openapi") || !strings.Contains(err.Error(), "16 MiB") {
		t.Errorf("a 27 MiB file: %v; want an --openapi error naming the 16 MiB limit", err)
	}
	// Nothing endless is read: a device or a FIFO (whose writer may never stop,
	// or never come) is refused before a byte is read.
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/dev/zero", fifo} {
		if _, err := readOpenAPI(ctx, p); !errors.Is(err, inputfile.ErrNotRegular) || !strings.Contains(err.Error(), "--openapi") {
			t.Errorf("%s: %v; want it refused as not a regular file, naming --openapi", p, err)
		}
	}

	// A URL: with and without a Content-Length.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/sized" {
			w.Header().Set("Content-Length", "20971520")
		}
		io.Copy(w, io.LimitReader(zeros{}, 20<<20))
	}))
	defer srv.Close()
	_, err = readOpenAPI(ctx, srv.URL+"/sized")
	tooLarge("a URL of 20 MiB", err, "20.0 MiB")
	_, err = readOpenAPI(ctx, srv.URL+"/chunked")
	tooLarge("a chunked URL of 20 MiB", err, "more than 16 MiB")
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
