package runhost

import (
	"context"
	"os"
	"runtime"
	"time"
)

// ParentGone returns a channel closed when the process that launched this one has
// died, so an engine never outlives the plugin, even when the plugin was SIGKILLed
// and could not say goodbye. parent is the launcher's pid ($TRAFFICSIM_PARENT_PID;
// ≤ 0: this process's parent at the time of the call).
//
// On Unix an orphan is re-parented, so a changed getppid means the parent is gone;
// when parent is not the direct parent (a wrapper script sits between them), its
// existence is polled too. On Windows getppid never changes, so only the existence
// check applies. Polling is cheap and needs no platform-specific death signal.
func ParentGone(ctx context.Context, parent int, every time.Duration) <-chan struct{} {
	gone := make(chan struct{})
	initial := os.Getppid()
	if parent <= 0 {
		parent = initial
	}
	if parent <= 0 {
		return gone // nothing to watch
	}
	dead := func() bool {
		if runtime.GOOS != "windows" && os.Getppid() != initial {
			return true
		}
		return (parent != initial || runtime.GOOS == "windows") && !processExists(parent)
	}
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if dead() {
				close(gone)
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return gone
}
