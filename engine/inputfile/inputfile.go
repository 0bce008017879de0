// Package inputfile reads the files a person hands the engine (scenario
// files, API profiles, shard summaries) with a size limit: a wrong path such
// as a log file fails at once with an error naming the file and the limit,
// instead of reading without end. Only regular files are read (and standard
// input, named /dev/stdin): a FIFO with no writer would hold the command
// forever, and a device (/dev/zero) is never a scenario.
package inputfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Limits of the files the engine reads.
const (
	ConfigLimit  = 4 << 20  // scenario files and API profiles
	SummaryLimit = 64 << 20 // summaries (merge): histograms make them larger
)

// ErrTooLarge is returned (wrapped) for a file beyond its limit.
var ErrTooLarge = errors.New("file too large")

// ErrNotRegular is returned (wrapped) for a path that is not a regular file:
// a directory, a FIFO, a device or a socket.
var ErrNotRegular = errors.New("not a regular file")

// IsStdin reports whether path names standard input (/dev/stdin and its
// aliases), which is read as a stream whatever it is.
func IsStdin(path string) bool {
	switch filepath.Clean(path) {
	case "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0":
		return true
	}
	return false
}

// Check reports why path cannot be read as an input file: missing, or not a
// regular file (standard input excepted). It opens nothing, so it never
// blocks.
func Check(path string) error {
	if IsStdin(path) {
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: %w (it is %s); give a file (or /dev/stdin to read standard input)", path, ErrNotRegular, Kind(fi.Mode()))
	}
	return nil
}

// Kind names a file mode's type for messages: "a directory", "a FIFO", ...
func Kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m.IsRegular():
		return "a regular file"
	}
	return "not a regular file"
}

// Read reads the file at path, failing when it holds more than limit bytes
// or is not a regular file (see Check).
func Read(path string, limit int64) ([]byte, error) {
	if err := Check(path); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: %w: more than %s, the limit for this file", path, ErrTooLarge, size(limit))
	}
	return data, nil
}

func size(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
