//go:build unix

package outputfile

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestWriteIntoFIFOAndDevice: a FIFO is written into (its reader gets the
// data) and stays a FIFO; one nobody reads fails at once; /dev/null is
// written through and stays a character device. The FIFO is checked first:
// code that would rename over a FIFO never reaches /dev/null.
func TestWriteIntoFIFOAndDevice(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "out.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	// Nobody reads: an error at once, not a hang, and not a file in its place.
	done := make(chan error, 1)
	go func() { done <- Write(fifo, []byte("lost")) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "no process reads") {
			t.Errorf("a FIFO nobody reads: %v", err)
		}
	case <-time.After(10 * time.Second):
		if f, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
		t.Fatal("writing a FIFO nobody reads hangs")
	}
	isFIFO := func() bool {
		fi, err := os.Lstat(fifo)
		return err == nil && fi.Mode()&os.ModeNamedPipe != 0
	}
	if !isFIFO() {
		t.Fatal("the FIFO was replaced")
	}
	if err := Check(fifo); err != nil {
		t.Errorf("Check of a FIFO: %v", err)
	}
	// A reader gets the data.
	got := make(chan string, 1)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- err.Error()
			return
		}
		defer f.Close()
		data, _ := io.ReadAll(f)
		got <- string(data)
	}()
	deadline := time.Now().Add(10 * time.Second)
	var err error
	for err = Write(fifo, []byte("summary")); err != nil && time.Now().Before(deadline); err = Write(fifo, []byte("summary")) {
		time.Sleep(10 * time.Millisecond) // until the reader has opened its end
	}
	if err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "summary" {
		t.Errorf("the reader got %q", s)
	}
	if !isFIFO() {
		t.Fatal("the FIFO was replaced")
	}

	// Only now /dev/null: written through, never renamed over.
	if err := Write("/dev/null", []byte("discarded")); err != nil {
		t.Errorf("/dev/null: %v", err)
	}
	if fi, err := os.Lstat("/dev/null"); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("/dev/null is no longer a character device: %v %v", fi.Mode(), err)
	}
	if !IsCharDevice("/dev/null") || Check("/dev/null") != nil {
		t.Error("/dev/null")
	}
}
