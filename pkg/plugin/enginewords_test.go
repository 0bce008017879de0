package plugin

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/trafficsim/trafficsim/engine/enginerpc"
	"github.com/trafficsim/trafficsim/engine/runner"
)

// TestEngineRefusalsSpeakTheAPI: the engine's own refusals of a run — produced
// here by the engine's checks themselves, as a plugin run meets them after the
// plugin's checks — reach a Grafana user in the API's words: no `trafficsim
// run` flag, no environment variable, no advice (shards, --max-memory) a
// plugin run cannot follow.
func TestEngineRefusalsSpeakTheAPI(t *testing.T) {
	config := func(edit func(*runner.Config)) runner.Config {
		c := runner.DefaultConfig()
		c.BaseURL = "http://127.0.0.1:9501"
		edit(&c)
		return c
	}
	var errs []error
	for _, raw := range []string{"http://127.0.0.1:9501/api", "http://u:p@127.0.0.1:9501", "http://u:p@[::1"} {
		_, err := runner.ParseRootBaseURL(raw)
		errs = append(errs, err)
	}
	for _, c := range []runner.Config{
		config(func(c *runner.Config) { c.Rate, c.RampUp, c.Duration = 10, 1e9, 1e9 }),
		config(func(c *runner.Config) { c.MaxVUs = 5 }),
		config(func(c *runner.Config) { c.Rate = 10 }),
		config(func(c *runner.Config) { c.Users = 100_000 }),
	} {
		err := c.Validate()
		if err == nil && c.Users == 100_000 {
			_, err = c.CheckCapacity(0, 1<<20, false) // 1 MiB: the run does not fit
		}
		errs = append(errs, err)
	}
	flag := regexp.MustCompile(`--[a-z]|TRAFFICSIM_`)
	for i, err := range errs {
		var fe *runner.FieldError
		if !errors.As(err, &fe) {
			t.Fatalf("case %d: %v, want a *runner.FieldError", i, err)
		}
		field, msg := apiFieldError(&enginerpc.FieldError{Field: fe.Field, Message: fe.Message})
		t.Logf("case %d (%s): %s", i, field, msg)
		if m := flag.FindString(msg); m != "" {
			t.Errorf("case %d (%s): %q left in %q\nengine's words: %q", i, field, m, msg, fe.Message)
		}
		if strings.Contains(msg, "shard") {
			t.Errorf("case %d: a plugin run cannot be sharded, yet %q", i, msg)
		}
	}
}
