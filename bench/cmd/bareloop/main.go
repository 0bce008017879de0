// Command bareloop is the reference ceiling of the single-endpoint benchmark:
// N goroutines issuing GETs back to back over one shared http.Transport, with
// no recording at all. A load generator within 10% of it adds little of its own.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:9600/", "target URL")
	conns := flag.Int("c", 50, "concurrent connections (goroutines)")
	dur := flag.Duration("d", 10*time.Second, "duration")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile to this file (for comparing with trafficsim's)")
	flag.Parse()
	if *conns < 1 || *dur <= 0 {
		fmt.Fprintln(os.Stderr, "bareloop: -c must be ≥ 1 and -d > 0")
		os.Exit(2)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bareloop: -cpuprofile:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	tr := &http.Transport{MaxIdleConnsPerHost: *conns, MaxConnsPerHost: *conns, DisableCompression: true}
	client := &http.Client{Transport: tr}
	ctx, cancel := context.WithTimeout(context.Background(), *dur)
	defer cancel()
	var ok, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range *conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
			for ctx.Err() == nil {
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						failed.Add(1)
					}
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	fmt.Printf("requests=%d errors=%d seconds=%.2f rps=%.0f\n", ok.Load(), failed.Load(), elapsed, float64(ok.Load())/elapsed)
}
