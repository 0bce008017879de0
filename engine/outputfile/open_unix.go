//go:build unix

package outputfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// openInto opens an existing non-regular file for writing into it, never
// creating or truncating. A FIFO is opened without blocking: one no process
// reads fails at once instead of holding the command.
func openInto(path string, fi fs.FileInfo) (*os.File, error) {
	flag := os.O_WRONLY | os.O_APPEND
	if fi.Mode()&fs.ModeNamedPipe != 0 {
		flag |= syscall.O_NONBLOCK
	}
	f, err := os.OpenFile(path, flag, 0)
	if errors.Is(err, syscall.ENXIO) {
		return nil, fmt.Errorf("%s is a FIFO no process reads (start its reader first): %w", path, err)
	}
	return f, err
}
