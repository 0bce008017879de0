package main

import (
	"fmt"
	"io"
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
// returns what writes the profiles at the end. Problems are reported, never
// fatal: a profile is an aid, not the job.
func startProfiles() (stop func()) {
	heapPath := os.Getenv(heapProfileEnv)
	cpu := startFile(cpuProfileEnv, pprof.StartCPUProfile)
	tr := startFile(traceEnv, trace.Start)
	return func() {
		if tr != nil {
			trace.Stop()
			tr.Close()
		}
		if cpu != nil {
			pprof.StopCPUProfile()
			cpu.Close()
		}
		if heapPath != "" {
			runtime.GC()
			f, err := os.Create(heapPath)
			if err == nil {
				err = pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "trafficsim: %s: %v\n", heapProfileEnv, err)
			}
		}
	}
}

// startFile starts a recording into the file the environment variable env
// names (nil when unset or when it cannot start, which is reported).
func startFile(env string, start func(io.Writer) error) *os.File {
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
		fmt.Fprintf(os.Stderr, "trafficsim: %s: %v\n", env, err)
		return nil
	}
	return f
}
