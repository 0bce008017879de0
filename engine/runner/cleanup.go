package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/client"
	"github.com/trafficsim/trafficsim/engine/report"
	"github.com/trafficsim/trafficsim/engine/transport"
	"github.com/trafficsim/trafficsim/engine/usersvc"
)

// cleanup deletes what the run created and did not delete: first what the
// ledger knows, then whatever a search for the run's sim_<run>_ prefix still
// finds (a creation whose answer was lost). It is not counted as VU traffic.
func (r *Runner) cleanup(ctx context.Context) report.CleanupResult {
	if r.embed != nil {
		// Injected faults would only make the cleanup retry.
		_ = r.embed.Service.SetFaults(usersvc.Faults{})
	}
	res := report.CleanupResult{}
	s := &adminSession{c: r.client, user: r.cfg.AdminUser, password: r.cfg.AdminPassword, log: r.log}
	created := int(r.ledger.created.Load())
	deletedBefore := int(r.ledger.deleted.Load())
	if err := s.login(ctx); err != nil {
		res.Created, res.Deleted = created, deletedBefore
		for _, rec := range r.ledger.left() {
			res.Left = append(res.Left, rec.name)
		}
		res.Err = err.Error()
		return res
	}
	deleted := deletedBefore
	var failed []record
	var errs []error
	// A shard and kind at a time, not the whole ledger at once: after a long
	// run tens of thousands of records are left, and listing them all (with
	// their names as strings) was the cleanup's peak memory. A record deleted
	// leaves the ledger, so the sweep below does not count it again.
	r.ledger.each(func(rec record) {
		if err := s.delete(ctx, rec); err != nil {
			failed = append(failed, rec)
			errs = append(errs, err)
			return
		}
		r.ledger.forget(rec)
		deleted++
	})
	// Sweep for what the ledger never heard of.
	extra, err := s.find(ctx, "sim_"+r.cfg.RunID+"_", func(rec record) bool {
		return !r.ledger.has(rec) && r.ownsName(rec.name) // a shard sweeps only its VUs' (shard.go)
	})
	if err != nil {
		errs = append(errs, err)
	}
	for _, rec := range extra {
		created++
		if err := s.delete(ctx, rec); err != nil {
			failed = append(failed, rec)
			errs = append(errs, err)
			continue
		}
		deleted++
	}
	slices.SortFunc(failed, byKindName) // the deletion order is the ledger's, not a stable one
	res.Created, res.Deleted = created, deleted
	for _, rec := range failed {
		res.Left = append(res.Left, rec.name)
	}
	if len(errs) > 0 {
		res.Err = errors.Join(errs...).Error()
		if len(errs) > 3 {
			res.Err = fmt.Sprintf("%v (and %d more errors)", errs[0], len(errs)-1)
		}
	}
	_ = s.logout(ctx)
	return res
}

// adminSession is the admin login the cleanup works with.
type adminSession struct {
	c              *client.Client
	user, password string
	token          string
	log            *slog.Logger
}

// do sends a call, retrying a few times on 429, 5xx and network errors.
func (s *adminSession) do(ctx context.Context, call *client.Call) (client.Result, error) {
	var res client.Result
	for attempt := range 4 {
		if attempt > 0 {
			wait := time.Duration(attempt*attempt) * 200 * time.Millisecond
			if res.RetryAfter > 0 {
				wait = min(res.RetryAfter, 10*time.Second)
			}
			select {
			case <-ctx.Done():
				return res, fmt.Errorf("%s %s: %w", call.Endpoint.Method, s.c.Route(call.Endpoint), ctx.Err())
			case <-time.After(wait):
			}
		}
		call.Token = s.token
		if call.Endpoint.Public {
			call.Token = ""
		}
		res = s.c.Do(ctx, call)
		if res.ErrKind == "" && res.Status != 429 && res.Status < 500 {
			return res, nil
		}
		if res.ErrKind == client.KindCanceled {
			break
		}
	}
	if res.Err != nil {
		return res, fmt.Errorf("%s %s: %w", call.Endpoint.Method, s.c.Route(call.Endpoint), res.Err)
	}
	return res, fmt.Errorf("%s %s: answered %d", call.Endpoint.Method, s.c.Route(call.Endpoint), res.Status)
}

func (s *adminSession) login(ctx context.Context) error {
	p := s.c.Profile().Login
	ident := s.user
	res, err := s.do(ctx, &client.Call{Endpoint: catalog.MustLookup(catalog.AuthLogin), Decode: true,
		Body: client.Body{{Name: p.Field, Value: ident}, {Name: p.PasswordField, Value: s.password}}})
	if err != nil {
		return fmt.Errorf("log in as admin %q for the cleanup: %w", s.user, err)
	}
	if res.Status != 200 && res.Status != 201 {
		return fmt.Errorf("log in as admin %q for the cleanup: answered %d (check --admin-user and --admin-password)", s.user, res.Status)
	}
	t, ok := s.c.Tokens(&res)
	if !ok {
		return fmt.Errorf("log in as admin %q for the cleanup: no access token in the answer (check the API profile)", s.user)
	}
	s.token = t.Access
	return nil
}

func (s *adminSession) logout(ctx context.Context) error {
	if s.token == "" {
		return nil
	}
	_, err := s.do(ctx, &client.Call{Endpoint: catalog.MustLookup(catalog.AuthLogout)})
	s.token = ""
	return err
}

// delete removes one record; already gone counts as deleted.
func (s *adminSession) delete(ctx context.Context, rec record) error {
	ep := catalog.UsersDelete
	switch rec.kind {
	case kindRole:
		ep = catalog.RolesDelete
	case kindPermission:
		ep = catalog.PermissionsDelete
	}
	res, err := s.do(ctx, &client.Call{Endpoint: catalog.MustLookup(ep), Params: [2]string{rec.id}})
	if err != nil {
		return fmt.Errorf("delete %s %s: %w", rec.kind, rec.name, err)
	}
	if res.Status >= 200 && res.Status < 300 || res.Status == 404 {
		return nil
	}
	return fmt.Errorf("delete %s %s: answered %d", rec.kind, rec.name, res.Status)
}

// find lists the users, roles and permissions whose names start with prefix
// (users: or whose email ends with @simulation.test when prefix is "sim_"),
// keeping those keep accepts.
func (s *adminSession) find(ctx context.Context, prefix string, keep func(record) bool) ([]record, error) {
	var out []record
	sources := []struct {
		kind, ep, field string
	}{
		{kindUser, catalog.UsersSearch, "username"},
		{kindRole, catalog.RolesList, "name"},
		{kindPermission, catalog.PermissionsList, "name"},
	}
	for _, src := range sources {
		seen := map[string]bool{}
		for page := 1; page <= 1000; page++ {
			q := "q=" + prefix + "&per_page=100&page=" + strconv.Itoa(page)
			res, err := s.do(ctx, &client.Call{Endpoint: catalog.MustLookup(src.ep), Query: q, Decode: true})
			if err != nil {
				return out, fmt.Errorf("find %ss named %s*: %w", src.kind, prefix, err)
			}
			if res.Status != 200 {
				return out, fmt.Errorf("find %ss named %s*: answered %d", src.kind, prefix, res.Status)
			}
			items := s.c.Items(&res)
			fresh := 0
			for _, obj := range items {
				id, ok := s.c.ID(obj)
				name := s.c.Str(obj, src.field)
				if !ok || seen[id] {
					continue
				}
				seen[id] = true
				fresh++
				match := strings.HasPrefix(name, prefix)
				if src.kind == kindUser && prefix == "sim_" {
					match = match && strings.HasSuffix(strings.ToLower(s.c.Str(obj, "email")), "@simulation.test")
				}
				if !match || (src.kind == kindUser && id == "1" && name == s.user) {
					continue
				}
				rec := record{src.kind, id, name}
				if keep == nil || keep(rec) {
					out = append(out, rec)
				}
			}
			if len(items) < 100 || fresh == 0 {
				break
			}
		}
	}
	return out, nil
}

// CleanupOptions say which target to clean and how to log in to it.
type CleanupOptions struct {
	BaseURL       string
	RunID         string // "": every run's simulation data
	AdminUser     string // "": admin
	AdminPassword string // "": admin
	Profile       client.Profile
	Logger        *slog.Logger
	Network       transport.Settings // how requests reach the target
}

// CleanupReport is what CleanupTarget found and deleted.
type CleanupReport struct {
	Found   int
	Deleted int
	Left    []string
	Err     string
}

// CleanupTarget removes leftover simulation data from a target: users whose
// username starts with sim_<run>_ (or sim_ with an @simulation.test email, for
// every run) and sim_ roles and permissions (`trafficsim cleanup`). Users go
// first, so their profiles and role assignments go with them.
func CleanupTarget(ctx context.Context, o CleanupOptions) (CleanupReport, error) {
	if o.RunID != "" && !runIDPattern.MatchString(o.RunID) {
		return CleanupReport{}, &FieldError{Field: "run", Message: fmt.Sprintf("%q: a run id is 8 lowercase letters or digits", o.RunID)}
	}
	if o.AdminUser == "" {
		o.AdminUser = "admin"
	}
	if o.AdminPassword == "" {
		o.AdminPassword = usersvc.DefaultAdminPassword
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	c, err := client.New(client.Options{BaseURL: o.BaseURL, Profile: o.Profile, Conns: 4, Network: o.Network})
	if err != nil {
		return CleanupReport{}, &FieldError{Field: "base_url", Message: err.Error()}
	}
	defer c.Close()
	s := &adminSession{c: c, user: o.AdminUser, password: o.AdminPassword, log: o.Logger}
	if err := s.login(ctx); err != nil {
		return CleanupReport{}, err
	}
	defer s.logout(context.WithoutCancel(ctx))
	prefix := "sim_"
	if o.RunID != "" {
		prefix = "sim_" + o.RunID + "_"
	}
	recs, err := s.find(ctx, prefix, nil)
	rep := CleanupReport{Found: len(recs)}
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	for _, rec := range recs {
		if err := s.delete(ctx, rec); err != nil {
			rep.Left = append(rep.Left, rec.name)
			errs = append(errs, err)
			continue
		}
		rep.Deleted++
	}
	if len(errs) > 0 {
		rep.Err = errors.Join(errs...).Error()
		return rep, fmt.Errorf("cleanup incomplete: %d of %d left: %w", len(rep.Left), rep.Found, errs[0])
	}
	return rep, nil
}
