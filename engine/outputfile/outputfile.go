// Package outputfile writes the files a person names for the engine's
// results (--summary, --junit, -o) the way they expect a file they named to
// be written, and checks such paths before a command starts its work:
//
//   - a new path, or an existing regular file, is written atomically: to a
//     temporary file in the same directory, flushed, then renamed over it;
//   - a symbolic link is followed: the file it points to is written (the
//     same way), the link stays a link;
//   - an existing file that is not regular — a device such as /dev/null, a
//     FIFO, a socket, or standard output named /dev/stdout — is written
//     into, never replaced: nothing but a regular file is ever renamed over.
package outputfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/trafficsim/trafficsim/engine/inputfile"
)

// WriteTimeout bounds a write into a FIFO or socket whose reader does not
// read.
const WriteTimeout = 10 * time.Second

// maxLinks bounds how many symbolic links a path may go through.
const maxLinks = 40

// target is what a path names once its links are followed.
type target struct {
	path   string      // the file written: the path with its links resolved
	info   fs.FileInfo // of path (links followed); nil when it does not exist
	direct bool        // write into it, do not replace it
}

// resolve follows path's symbolic links, as far as they lead (a link to a
// file not yet there leads to where it will be created).
func resolve(path string) (target, error) {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		// Devices, FIFOs, sockets, directories: the kernel resolves the
		// path when it is opened (/dev/stdout -> /proc/self/fd/1 -> pipe:[…]).
		return target{path: path, info: fi, direct: !fi.IsDir()}, nil
	}
	p := filepath.Clean(path)
	for range maxLinks {
		if viaProc(p) {
			// /dev/stdout redirected to a file: write into that file (after
			// what stdout wrote), do not replace it.
			fi, err := os.Stat(path)
			if err != nil {
				return target{}, err
			}
			return target{path: path, info: fi, direct: true}, nil
		}
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return target{path: p}, nil
		}
		if err != nil {
			return target{}, err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return target{path: p, info: fi}, nil
		}
		link, err := os.Readlink(p)
		if err != nil {
			return target{}, err
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(p), link)
		}
		p = filepath.Clean(link)
	}
	return target{}, fmt.Errorf("%s: more than %d symbolic links", path, maxLinks)
}

// viaProc reports whether p is a file descriptor's name (/dev/stdout,
// /dev/fd/N, /proc/self/fd/N), which names an open file, not a place for one.
func viaProc(p string) bool {
	switch p {
	case "/dev/stdout", "/dev/stderr", "/dev/stdin":
		return true
	}
	return strings.HasPrefix(p, "/dev/fd/") || strings.HasPrefix(p, "/proc/")
}

// Write writes data to the file path names (see the package comment).
func Write(path string, data []byte) error {
	t, err := resolve(path)
	if err != nil {
		return err
	}
	switch {
	case t.info != nil && t.info.IsDir():
		return fmt.Errorf("%s is a directory; give a file path, e.g. %s", path, filepath.Join(path, "out.json"))
	case t.direct:
		return writeInto(t.path, t.info, data)
	}
	return replace(t.path, data)
}

// writeInto writes data into an existing file that is not replaced: a
// device, a FIFO (which must have a reader), a socket.
func writeInto(path string, fi fs.FileInfo, data []byte) error {
	f, err := openInto(path, fi)
	if err != nil {
		return err
	}
	// A FIFO whose reader stops reading does not hold the command forever.
	_ = f.SetWriteDeadline(time.Now().Add(WriteTimeout))
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// replace writes data to a temporary file beside path, flushes it and
// renames it over path (which is a regular file or does not exist).
func replace(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp) // best effort: the write already failed
		return err
	}
	return nil
}

// Check reports, before a command starts its work, why path could not be
// written at its end: it is a directory, its directory does not exist or is
// not writable. The error says what to do; the caller names the flag.
func Check(path string) error {
	if path == "" {
		return errors.New("empty path; give a file path, e.g. out/summary.json")
	}
	t, err := resolve(path)
	if err != nil {
		return err
	}
	switch {
	case t.info != nil && t.info.IsDir():
		return fmt.Errorf("%s is a directory; give a file path in it, e.g. %s", path, filepath.Join(path, "out.json"))
	case t.direct:
		return nil // written into when the command ends
	}
	dir := filepath.Dir(t.path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: the directory %s does not exist; create it (mkdir -p %s) or give another path", path, dir, dir)
	case err != nil:
		return fmt.Errorf("%s: %w", path, err)
	case !fi.IsDir():
		return fmt.Errorf("%s: %s is %s, not a directory", path, dir, inputfile.Kind(fi.Mode()))
	}
	// Writable: what the end will do, done now with an empty file.
	f, err := os.CreateTemp(dir, "."+filepath.Base(t.path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("%s: cannot create a file in %s (%w); give a path in a directory you can write", path, dir, errors.Unwrap(err))
	}
	name := f.Name()
	f.Close()
	_ = os.Remove(name)
	return nil
}

// Same reports whether a and b name the same file: the same path once their
// links are followed, or (where both exist) the same file by os.SameFile.
func Same(a, b string) bool {
	ta, errA := resolve(a)
	tb, errB := resolve(b)
	if errA == nil && errB == nil {
		if ta.info != nil && tb.info != nil {
			return os.SameFile(ta.info, tb.info)
		}
		pa, errA := filepath.Abs(ta.path)
		pb, errB := filepath.Abs(tb.path)
		return errA == nil && errB == nil && pa == pb
	}
	pa, errA := filepath.Abs(a)
	pb, errB := filepath.Abs(b)
	return errA == nil && errB == nil && pa == pb
}

// IsCharDevice reports whether path is a character device (/dev/null):
// several outputs may be written into one.
func IsCharDevice(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode()&fs.ModeCharDevice != 0
}

// Fallback writes data to a new file in the system's temporary directory,
// named by pattern (as os.CreateTemp), and returns its path: where results
// go when the path asked for could not be written at the end, so the work is
// not lost.
func Fallback(pattern string, data []byte) (string, error) {
	f, err := os.CreateTemp("", pattern)
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}
