package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/enginerpc"
)

// A run the plugin starts (through go-plugin, the real engine binary) with a
// base URL that has a path is refused by the engine itself, whatever the
// plugin checked before: Start and Validate answer a FieldError on base_url in
// the words `trafficsim run --base-url` uses, and no run starts. A trailing /
// is no path.
func TestPluginServeRefusesABaseURLWithAPath(t *testing.T) {
	bin := buildBinary(t)
	cmd := exec.Command(bin, "plugin-serve")
	cmd.Env = []string{"TMPDIR=" + os.TempDir(), enginerpc.EnvParentPID + "=" + strconv.Itoa(os.Getpid())}
	_, api := servePlugin(t, cmd)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	const withPath = "http://127.0.0.1:1/api"
	_, _, stderr := cli(t, "run", "--base-url", withPath)
	cfg := enginerpc.RunConfig{Users: 1, MinRequestCount: 1, MaxRequestCount: 1, Scenario: "mixed", BaseURL: withPath}
	_, startErr := api.Start(ctx, cfg)
	for call, err := range map[string]error{"Start": startErr, "Validate": api.Validate(ctx, cfg)} {
		var fe *enginerpc.FieldError
		if !errors.As(err, &fe) || fe.Field != "base_url" || !strings.Contains(fe.Message, "a path is not taken") ||
			!strings.Contains(fe.Message, "base_path: /api/api/v1") {
			t.Errorf("%s(base_url %s): %v; want a FieldError on base_url pointing to base_path", call, withPath, err)
			continue
		}
		if !strings.Contains(stderr, "--base-url: "+fe.Message) {
			t.Errorf("%s's words %q are not the CLI's:\n%s", call, fe.Message, stderr)
		}
	}
	if runs, err := api.List(ctx); err != nil || len(runs) != 0 {
		t.Fatalf("List = %+v, %v; want no run started", runs, err)
	}

	// A trailing slash is no path: the config is taken (Validate), and Start
	// stops at the next field wrong (users).
	cfg.BaseURL = "http://127.0.0.1:1/"
	if err := api.Validate(ctx, cfg); err != nil {
		t.Errorf("Validate(base_url %s): %v; want it taken", cfg.BaseURL, err)
	}
	cfg.Users = 0
	var fe *enginerpc.FieldError
	if _, err := api.Start(ctx, cfg); !errors.As(err, &fe) || fe.Field != "users" {
		t.Errorf("Start(base_url %s, users 0): %v; want a FieldError on users", cfg.BaseURL, err)
	}
}
