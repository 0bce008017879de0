// Command fakeengine serves simulated runs exactly as `trafficsim plugin-serve` serves
// real ones (same runhost.ServePlugin: handshake, watchdog, shutdown), so the engine
// host's supervision can be tested by killing it mid-run.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/trafficsim/trafficsim/engine/runhost"
	"github.com/trafficsim/trafficsim/engine/runhost/runhosttest"
)

func main() {
	err := runhost.ServePlugin(context.Background(), runhost.ServeOptions{
		Options: runhost.Options{NewRun: runhosttest.Factory(20 * time.Millisecond), Scenarios: runhosttest.Scenarios, Version: "fake"},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}
