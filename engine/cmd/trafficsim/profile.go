package main

import (
	"fmt"
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
	cpuPath, heapPath := os.Getenv(cpuProfileEnv), os.Getenv(heapProfileEnv)
	var cpu *os.File
	if cpuPath != "" {
		f, err := os.Create(cpuPath)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "trafficsim: %s: %v\n", cpuProfileEnv, err)
		} else {
			cpu = f
		}
	}
	var tr *os.File
	if p := os.Getenv(traceEnv); p != "" {
		f, err := os.Create(p)
		if err == nil {
			err = trace.Start(f)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "trafficsim: %s: %v\n", traceEnv, err)
		} else {
			tr = f
		}
	}
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
