package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/trafficsim/trafficsim/engine/transport"
)

// targetFlags are the flags of the commands that reach a live target as its
// admin (check, cleanup): where it is, how it is shaped, who logs in, how long
// to try, and the network settings.
type targetFlags struct {
	baseURL       string
	apiProfile    string
	adminUser     string
	adminPassword string
	timeout       time.Duration
	network       networkFlags // network_flags.go: TLS, proxy, HTTP version
}

func (t *targetFlags) addFlags(f *pflag.FlagSet, adminUserHelp, apiProfileHelp string, timeout time.Duration) {
	f.StringVar(&t.baseURL, "base-url", "", "target base URL, e.g. http://127.0.0.1:9501 (required)")
	f.StringVar(&t.apiProfile, "api-profile", "", apiProfileHelp)
	f.StringVar(&t.adminUser, "admin-user", "admin", adminUserHelp)
	f.StringVar(&t.adminPassword, "admin-password", "", "admin password (default: $"+adminPasswordEnv+", else \"admin\"); never printed")
	f.DurationVar(&t.timeout, "timeout", timeout, "give up after this long")
	t.network.addFlags(f)
}

// settings checks the flags every such command needs and returns the network
// settings; its errors are usage errors.
func (t *targetFlags) settings() (transport.Settings, error) {
	if t.baseURL == "" {
		return transport.Settings{}, usageError(errors.New("--base-url: required, e.g. --base-url http://127.0.0.1:9501"))
	}
	if t.timeout <= 0 {
		return transport.Settings{}, usageError(fmt.Errorf("--timeout: %v: use a positive duration, e.g. 5m", t.timeout))
	}
	netw, err := t.network.settings()
	if err != nil {
		return transport.Settings{}, usageError(err)
	}
	return netw, nil
}
