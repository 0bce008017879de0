//go:build !unix

package outputfile

import (
	"io/fs"
	"os"
)

// openInto opens an existing non-regular file (a device such as NUL) for
// writing into it, never creating or truncating.
func openInto(path string, _ fs.FileInfo) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
}
