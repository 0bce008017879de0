// Package inputfile reads the files a person hands the engine (scenario
// files, API profiles, shard summaries) with a size limit: a wrong path such
// as /dev/zero or a log file fails at once with an error naming the file and
// the limit, instead of reading without end.
package inputfile

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// Limits of the files the engine reads.
const (
	ConfigLimit  = 4 << 20  // scenario files and API profiles
	SummaryLimit = 64 << 20 // summaries (merge): histograms make them larger
)

// ErrTooLarge is returned (wrapped) for a file beyond its limit.
var ErrTooLarge = errors.New("file too large")

// Read reads the file at path, failing when it holds more than limit bytes.
func Read(path string, limit int64) ([]byte, error) {
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
