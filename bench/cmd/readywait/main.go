// Command readywait waits until a started engine's VUs are all thinking, for
// bench/run.sh's start-up sweeps, at a small cost to what it watches. It polls
// benchserver's answer count (cheap) every -every until it has risen by -want, and
// only then the engine's /metrics (a scrape costs the engine about a
// millisecond of CPU) until trafficsim_virtual_users{state="thinking"} is
// -want. A loop of curl and awk did the same at about 40 ms of CPU a poll,
// both forked on this VM: half a core taken from a start of half a second.
// It exits 0 once ready, 1 on -timeout or when process -pid has ended.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

func main() {
	count := flag.String("count", "", "benchserver's count URL, e.g. http://127.0.0.1:9600/_count (empty: poll the engine only)")
	metrics := flag.String("metrics", "", "the engine's /metrics URL")
	want := flag.Int64("want", 0, "VUs that must be thinking")
	base := flag.Int64("base", 0, "benchserver's count before the engine started")
	pid := flag.Int("pid", 0, "the engine's process id: give up when it has ended (0: do not watch)")
	every := flag.Duration("every", 2*time.Millisecond, "time between polls")
	timeout := flag.Duration("timeout", 10*time.Minute, "give up after this long")
	flag.Parse()
	if *metrics == "" || *want <= 0 {
		fmt.Fprintln(os.Stderr, "readywait: -metrics and -want (> 0) are required")
		os.Exit(2)
	}
	if err := wait(*count, *metrics, *base, *want, *pid, *every, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "readywait:", err)
		os.Exit(1)
	}
}

func wait(count, metrics string, base, want int64, pid int, every, timeout time.Duration) error {
	c := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(timeout)
	stage, url, read, need := "answered", count, readCount, base+want
	if count == "" {
		stage, url, read, need = "thinking", metrics, readThinking, want
	}
	for {
		if n, err := get(c, url, read); err == nil && n >= need {
			if stage == "thinking" {
				return nil
			}
			stage, url, read, need = "thinking", metrics, readThinking, want
			continue
		}
		if pid > 0 && ended(pid) {
			return fmt.Errorf("process %d ended before its %d VUs were %s", pid, want, stage)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not %d VUs %s after %v", want, stage, timeout)
		}
		time.Sleep(every)
	}
}

func get(c *http.Client, url string, read func(io.Reader) (int64, error)) (int64, error) {
	resp, err := c.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := read(resp.Body)
	_, _ = io.Copy(io.Discard, resp.Body) // the connection is kept for the next poll
	return n, err
}

func readCount(r io.Reader) (int64, error) {
	b, err := io.ReadAll(io.LimitReader(r, 64))
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
}

func readThinking(r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "trafficsim_virtual_users{") && strings.Contains(line, `state="thinking"`) {
			f := strings.Fields(line)
			v, err := strconv.ParseFloat(f[len(f)-1], 64)
			return int64(v), err
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no trafficsim_virtual_users{state=\"thinking\"} in the answer")
}

// ended reports a process gone (Linux, where bench/run.sh runs; elsewhere it
// is never known to have ended).
func ended(pid int) bool {
	if runtime.GOOS != "linux" {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// A zombie (state Z, after the comm in parentheses) has ended too.
	i := strings.LastIndexByte(string(b), ')')
	return i < 0 || i+2 >= len(b) || b[i+2] == 'Z'
}
