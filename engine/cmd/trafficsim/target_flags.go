package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/trafficsim/trafficsim/engine/runner"
	"github.com/trafficsim/trafficsim/engine/transport"
)

// targetFlags are the flags of the commands that reach a live target as its
// admin (check, cleanup): where it is, how it is shaped, who logs in, how long
// to try, and the network settings.
type targetFlags struct {
	baseURL       string
	apiProfile    string
	adminUser     string
	adminPassword passwordFlag
	timeout       time.Duration
	network       networkFlags // network_flags.go: TLS, proxy, HTTP version
}

func (t *targetFlags) addFlags(f *pflag.FlagSet, adminUserHelp, apiProfileHelp string, timeout time.Duration) {
	f.StringVar(&t.baseURL, "base-url", "", "target base URL, e.g. http://127.0.0.1:9501 (required)")
	f.StringVar(&t.apiProfile, "api-profile", "", apiProfileHelp)
	f.StringVar(&t.adminUser, "admin-user", "admin", adminUserHelp)
	f.Var(&t.adminPassword, "admin-password", "admin password (default: $"+adminPasswordEnv+", else \"admin\"); never printed")
	f.DurationVar(&t.timeout, "timeout", timeout, "give up after this long")
	t.network.addFlags(f)
}

// settings checks the flags every such command needs and returns the network
// settings; its errors are usage errors.
func (t *targetFlags) settings() (transport.Settings, error) {
	if t.baseURL == "" {
		return transport.Settings{}, usageError(errors.New("--base-url: required, e.g. --base-url http://127.0.0.1:9501"))
	}
	if err := checkBaseURL(t.baseURL); err != nil {
		return transport.Settings{}, usageError(err)
	}
	if err := t.adminPassword.check(); err != nil {
		return transport.Settings{}, usageError(err)
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

// checkBaseURL checks a --base-url (run, check, cleanup) as
// runner.ParseRootBaseURL does: what runner.ParseBaseURL takes, and no path
// (a prefix goes in the API profile's base_path). A run the plugin starts is
// refused in the same words (engine/runhost).
func checkBaseURL(raw string) error {
	if _, err := runner.ParseRootBaseURL(raw); err != nil {
		var fe *runner.FieldError
		if errors.As(err, &fe) {
			return fmt.Errorf("--base-url: %s", fe.Message)
		}
		return fmt.Errorf("--base-url: %w", err)
	}
	return nil
}

// passwordFlag is --admin-password: a string that knows whether it was
// given, so that an explicit empty one (--admin-password "", an unset shell
// variable) is refused instead of falling back to $TRAFFICSIM_ADMIN_PASSWORD
// or "admin". Its value is never shown (String is empty, for --help too).
type passwordFlag struct {
	value string
	given bool
}

func (p *passwordFlag) String() string { return "" }
func (p *passwordFlag) Type() string   { return "string" }
func (p *passwordFlag) Set(v string) error {
	p.value, p.given = v, true
	return nil
}

// check refuses a password given empty.
func (p *passwordFlag) check() error {
	if p.given && p.value == "" {
		return fmt.Errorf("--admin-password: is empty; give the password (better in $%s: flags show in process listings), or leave the flag out for $%s, else \"admin\"",
			adminPasswordEnv, adminPasswordEnv)
	}
	return nil
}
