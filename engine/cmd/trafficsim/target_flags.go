package main

import (
	"errors"
	"fmt"
	"strings"
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

// checkBaseURL checks a --base-url (run, check, cleanup): what
// runner.ParseBaseURL takes, and no path. The engine would send its requests
// under the path, but the check's table, the route labels and the summary's
// routes would not show it: a prefix goes in the API profile's base_path (or
// a plain request's path), where everything shows it.
func checkBaseURL(raw string) error {
	u, err := runner.ParseBaseURL(raw)
	if err != nil {
		var fe *runner.FieldError
		if errors.As(err, &fe) {
			return fmt.Errorf("--base-url: %s", fe.Message)
		}
		return fmt.Errorf("--base-url: %w", err)
	}
	if u.Path != "" && u.Path != "/" {
		root := *u
		root.Path, root.RawPath = "", ""
		return fmt.Errorf("--base-url: %q: a path is not taken, only http(s)://host[:port]; give --base-url %s and put %s in front of the API profile's base_path "+
			"(e.g. base_path: %s/api/v1 for the reference routes; --api-profile, docs/api-profile.md) or of each path of a plain scenario's requests",
			raw, root.String(), strings.TrimSuffix(u.Path, "/"), strings.TrimSuffix(u.Path, "/"))
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
