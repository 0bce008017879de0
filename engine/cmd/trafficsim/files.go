package main

import (
	"fmt"
	"os"

	"github.com/trafficsim/trafficsim/engine/inputfile"
	"github.com/trafficsim/trafficsim/engine/outputfile"
	"github.com/trafficsim/trafficsim/engine/summary"
)

// fileArg is a file named on the command line: the flag that named it (an
// input's: what it is, "the --scenario file", "a file to merge") and the path.
type fileArg struct{ flag, path string }

// checkFiles says, before a command sends or starts anything, what would go
// wrong with its files at the end: an output that cannot be written (its
// directory missing or read-only, a directory as the path), and an output
// that is the same file as an input or as another output, which it would
// overwrite. Errors name the flags and the fix; the caller makes them usage
// errors.
func checkFiles(inputs, outputs []fileArg) error {
	var outs []fileArg
	for _, o := range outputs {
		if o.path == "" {
			continue
		}
		if err := outputfile.Check(o.path); err != nil {
			return fmt.Errorf("%s: %w", o.flag, err)
		}
		for _, p := range outs {
			// Two outputs into /dev/null do no harm; into one file the
			// second would replace the first.
			if outputfile.Same(p.path, o.path) && !outputfile.IsCharDevice(o.path) {
				return fmt.Errorf("%s: %s is also given to %s: the one would overwrite the other; give each its own file", o.flag, o.path, p.flag)
			}
		}
		outs = append(outs, o)
	}
	for _, o := range outs {
		if isDevice(o.path) {
			continue // written into, never replaced: an input is not lost
		}
		for _, in := range inputs {
			if in.path == "" || inputfile.IsStdin(in.path) {
				continue
			}
			if outputfile.Same(in.path, o.path) {
				return fmt.Errorf("%s: %s is %s: writing it would replace that input; give %s another path", o.flag, o.path, in.flag, o.flag)
			}
		}
	}
	return nil
}

// isDevice reports whether path exists and is not a regular file or a
// directory (a device, FIFO or socket: written into, not replaced).
func isDevice(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.Mode().IsRegular() && !fi.IsDir()
}

// saveSummary writes the summary to path; when that fails at the end, it
// writes it to a file in the temporary directory instead, so the run's work
// is not lost, and says where (the error names both).
func saveSummary(path string, s summary.Summary) error {
	err := summary.WriteSummary(path, s)
	if err == nil {
		return nil
	}
	data, encErr := summary.Encode(s)
	if encErr != nil {
		return err
	}
	kept, ferr := outputfile.Fallback("trafficsim-summary-"+s.RunID+"-*.json", data)
	if ferr != nil {
		return fmt.Errorf("--summary: %w; writing it to the temporary directory failed too: %v", err, ferr)
	}
	return fmt.Errorf("--summary: %w; the summary was written to %s instead", err, kept)
}
