package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
)

// Environment variables that profile a whole command, for performance work
// (docs/benchmarks.md): go tool pprof reads the files.
const (
	cpuProfileEnv  = "TRAFFICSIM_CPUPROFILE"
	heapProfileEnv = "TRAFFICSIM_MEMPROFILE"
	traceEnv       = "TRAFFICSIM_TRACE" // go tool trace: where wall time goes (start-up, scheduling)
)

// startProfiles starts the CPU profile asked for by the environment and
// returns what writes the profiles at the end. Problems are reported on
// stderr as the command's errors are — a "trafficsim: …" line, or with
// --log-format json in args an error record — naming the variable and the
// fix; never fatal: a profile is an aid, not the job.
func startProfiles(args []string, stderr io.Writer) (stop func()) {
	report := profileReporter(args, stderr)
	// The heap profile's file is created now, not at the end, so that a path
	// that cannot be written is reported before the command's own output, not
	// as the last record of a run that went well.
	heap := startFile(heapProfileEnv, func(io.Writer) error { return nil }, report)
	cpu := startFile(cpuProfileEnv, pprof.StartCPUProfile, report)
	tr := startFile(traceEnv, trace.Start, report)
	return func() {
		if tr != nil {
			trace.Stop()
			tr.Close()
		}
		if cpu != nil {
			pprof.StopCPUProfile()
			cpu.Close()
		}
		if heap != nil {
			runtime.GC()
			err := pprof.Lookup("allocs").WriteTo(heap, 0)
			if cerr := heap.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				report(heapProfileEnv, err)
			}
		}
	}
}

// profileReporter returns how startProfiles reports a problem with the
// file an environment variable names: as executeTo reports the command's
// error, in the log format args ask for. The format is looked up only when
// there is a problem: every start goes through here.
func profileReporter(args []string, stderr io.Writer) func(env string, err error) {
	return func(env string, err error) {
		msg := fmt.Sprintf("%s: %v; set %s to a file in a directory that exists and is writable, or unset it (the command runs without it)", env, err, env)
		if jsonLogsAsked(newRootCmd(), args) {
			slog.New(slog.NewJSONHandler(stderr, nil)).Error(msg, "env", env)
			return
		}
		fmt.Fprintln(stderr, "trafficsim:", msg)
	}
}

// startFile starts a recording into the file the environment variable env
// names (nil when unset or when it cannot start, which is reported).
func startFile(env string, start func(io.Writer) error, report func(env string, err error)) *os.File {
	path := os.Getenv(env)
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err == nil {
		if err = start(f); err != nil {
			f.Close()
		}
	}
	if err != nil {
		report(env, err)
		return nil
	}
	return f
}
