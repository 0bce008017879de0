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
	"time"
)

// TestReadOpenAPILimit: `profile init --openapi` reads at most 16 MiB of a
// file, a device, a FIFO or a URL, and says so naming the size and the limit;
// a FIFO nobody writes to fails when the command's time is up.
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
	tooLarge("a 27 MiB file", err, "27.0 MiB (28311552 bytes)")

	_, err = readOpenAPI(ctx, "/dev/zero")
	tooLarge("/dev/zero", err, "more than 16 MiB")

	// A FIFO whose writer never stops.
	fifo := filepath.Join(dir, "endless")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer w.Close()
		buf := make([]byte, 64<<10)
		for {
			if _, err := w.Write(buf); err != nil {
				return // the reader closed it (EPIPE)
			}
		}
	}()
	_, err = readOpenAPI(ctx, fifo)
	tooLarge("an endless FIFO", err, "more than 16 MiB")
	<-writerDone

	// A FIFO with no writer: opening it waits; the command's time bounds it.
	idle := filepath.Join(dir, "idle")
	if err := syscall.Mkfifo(idle, 0o600); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	_, err = readOpenAPI(short, idle)
	if err == nil || !strings.Contains(err.Error(), "nothing to read") {
		t.Errorf("a FIFO with no writer: %v", err)
	}
	// Free the reader still waiting in open.
	if w, err := os.OpenFile(idle, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
		w.Close()
	} else if !errors.Is(err, syscall.ENXIO) {
		t.Log(err)
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
