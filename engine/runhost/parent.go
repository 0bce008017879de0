package runhost

import (
	"context"
	"os"
	"time"
)

// ParentGone returns a channel closed when this process's parent has died (it has
// been re-parented: getppid changed from parent), so an engine never outlives the
// plugin that launched it, even when the plugin was SIGKILLed and could not say
// goodbye. parent ≤ 0 means the parent at the time of the call. Polling is cheap and
// works on every Unix; the channel is never closed where getppid is meaningless.
func ParentGone(ctx context.Context, parent int, every time.Duration) <-chan struct{} {
	gone := make(chan struct{})
	if parent <= 0 {
		parent = os.Getppid()
	}
	if parent <= 0 { // Windows: no parent to watch
		return gone
	}
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if os.Getppid() != parent {
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
