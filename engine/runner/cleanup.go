package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/trafficsim/trafficsim/engine/behaviour"
	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/client"
	"github.com/trafficsim/trafficsim/engine/resilience"
	"github.com/trafficsim/trafficsim/engine/summary"
	"github.com/trafficsim/trafficsim/engine/transport"
	"github.com/trafficsim/trafficsim/engine/usersvc"
)

// cleanup deletes what the run created and did not delete: what the ledger
// remembers and whatever a search for the run's sim_<run>_ prefix finds that
// the ledger never heard of (a creation whose answer was lost), each record
// read first and deleted only when it is still the run's (behaviour.RecordName).
// Then it verifies on the target what it remembers: each record is read by
// its id — gone, or left — so a count never rests on what a search did not
// return. A last search is the second net for records the ledger never
// learned of, and a search shown not to list a record the run reads makes
// the result not verified. It is not counted as VU traffic. Every count goes
// through the ledger as it happens, so a summary taken at any moment
// (SummaryNow) adds up: created == deleted + gone + left.
func (r *Runner) cleanup(ctx context.Context) summary.CleanupResult {
	if r.embed != nil {
		// Injected faults would only make the cleanup retry.
		_ = r.embed.Service.SetFaults(usersvc.Faults{})
	}
	s := &adminSession{c: r.client, user: r.cfg.AdminUser, password: r.cfg.AdminPassword, log: r.log,
		maxPages: maxFindPages + int(r.ledger.Created.Load()), outlive: r.hard}
	if err := s.login(ctx); err != nil {
		return r.cleanupResult(false, "could not log in to verify: "+reasonOf(ctx, err), err)
	}
	defer s.logoutSoon(ctx)
	// Deletions stop early enough to leave the verification its time.
	dctx, cancel := reserve(ctx)
	defer cancel()
	var errs []error
	prefix := behaviour.NamePrefix(r.cfg.RunID)
	st := &cleanState{}
	// First what the ledger never heard of (a creation whose answer was
	// lost): from here on the ledger holds all there is, so an interruption
	// at any later point leaves counts that are exact. The search's hits of
	// remembered records are counted: a remembered record read later that it
	// did not list shows the search misses the run's records.
	listed := map[string]int{}
	extra, firstErr := s.find(dctx, prefix, func(rec behaviour.Record) bool {
		held, owned := r.ledger.Has(rec), r.ownsName(rec.Name) // a shard sweeps only its VUs' (shard.go)
		if held || owned {
			listed[rec.Kind]++
		}
		// A record a VU deleted that the target still lists is no extra:
		// the verification reads it.
		return !held && owned && !r.ledger.WasRemoved(rec)
	})
	if firstErr != nil {
		errs = append(errs, firstErr)
	}
	for _, rec := range extra {
		r.ledger.Add(rec.Kind, rec.ID, rec.Name)
	}
	// A shard and kind at a time, not the whole ledger at once: after a long
	// run tens of thousands of records are left, and listing them all (with
	// their names as strings) was the cleanup's peak memory. A kind is done
	// before the next starts: every user goes before any role.
	w := &workers[behaviour.Record]{ctx: dctx, f: func(rec behaviour.Record) error { return r.cleanOne(dctx, s, rec, st) }}
	r.ledger.Each(func(rec behaviour.Record) { w.add(rec.Kind, rec) })
	errs = append(errs, w.wait()...)
	// Verify what the run remembers by reading it: what is left, what VUs
	// deleted and the target may still return.
	v := &workers[behaviour.Record]{ctx: ctx, f: func(rec behaviour.Record) error { return r.verifyOne(ctx, s, rec, st) }}
	r.ledger.Each(func(rec behaviour.Record) { v.add(rec.Kind, rec) })
	for _, rec := range r.ledger.Unconfirmed() {
		v.add(rec.Kind, rec)
	}
	verrs := v.wait()
	errs = append(errs, verrs...)
	// The second net: a search for what the ledger never learned of.
	found, err := s.find(ctx, prefix, func(rec behaviour.Record) bool { return r.ownsName(rec.Name) })
	if err != nil {
		errs = append(errs, err)
		if kept := st.stillThere(); kept != nil {
			errs = append(errs, kept)
		}
		return r.cleanupResult(false, "could not verify: "+reasonOf(ctx, err), errs...)
	}
	errs = append(errs, r.adopt(ctx, s, found)...)
	var reasons []string
	if len(verrs) > 0 || ctx.Err() != nil {
		reasons = append(reasons, fmt.Sprintf("could not read %d of the run's records on the target", max(len(verrs), 1)))
	}
	if miss := s.missText(st.missed(listed, firstErr == nil, found), prefix, true); miss != "" {
		reasons = append(reasons, miss)
	}
	if n := r.ledger.Unidentified.Load(); n > int64(len(extra)) {
		reasons = append(reasons, fmt.Sprintf("the target accepted %d creations whose answers held no id the run could read "+
			"(check the API profile's object and id), and its search for %s* found %d records the run did not know", n, prefix, len(extra)))
	}
	if err := st.stillThere(); err != nil {
		errs = append(errs, err)
	}
	return r.cleanupResult(len(reasons) == 0, strings.Join(reasons, "; "), errs...)
}

// cleanState is what a run's cleanup learns as it goes, for its verdict.
type cleanState struct {
	mu sync.Mutex
	// confirmed counts, by kind, remembered records read as the run's
	// before their delete: they were there when the first search ran.
	confirmed map[string]int
	// present are the remembered records the verification read as still
	// there; accepted those of them whose delete the target answered 2xx.
	present  []behaviour.Record
	accepted map[behaviour.Record]bool
}

func (st *cleanState) confirm(kind string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.confirmed == nil {
		st.confirmed = map[string]int{}
	}
	st.confirmed[kind]++
}

func (st *cleanState) accept(rec behaviour.Record) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.accepted == nil {
		st.accepted = map[behaviour.Record]bool{}
	}
	st.accepted[rec] = true
}

func (st *cleanState) wasAccepted(rec behaviour.Record) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.accepted[rec]
}

func (st *cleanState) keep(rec behaviour.Record) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.present = append(st.present, rec)
}

// missed counts, by kind, at least how many records the run read on the
// target that a search did not list — by the first search (when it ended
// well: listed counts its hits of remembered records) or by the last one
// (found); kinds without a miss are absent.
func (st *cleanState) missed(listed map[string]int, firstOK bool, found []behaviour.Record) map[string]int {
	st.mu.Lock()
	defer st.mu.Unlock()
	miss := map[string]int{}
	if firstOK {
		for kind, n := range st.confirmed {
			if n > listed[kind] {
				miss[kind] = n - listed[kind]
			}
		}
	}
	seen := make(map[behaviour.Record]bool, len(found))
	for _, rec := range found {
		seen[rec] = true
	}
	last := map[string]int{}
	for _, rec := range st.present {
		if !seen[rec] {
			last[rec.Kind]++
		}
	}
	for kind, n := range last {
		miss[kind] = max(miss[kind], n)
	}
	return miss
}

// stillThere is the error of the records left because the target still
// returns them after answering their delete 2xx (a soft delete), or nil.
func (st *cleanState) stillThere() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	var names []string
	for _, rec := range st.present {
		if st.accepted[rec] {
			names = append(names, rec.Name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	slices.Sort(names)
	more := ""
	if len(names) > 3 {
		more = fmt.Sprintf(" and %d more", len(names)-3)
		names = names[:3]
	}
	return fmt.Errorf("%s%s left: the target still returns it after a 2xx delete", strings.Join(names, ", "), more)
}

// verifyOne reads a record the run remembers — left, or deleted by a VU —
// and counts what the target says: gone (deleted by the run when it answered
// the run's delete), someone else's, or still there, so left.
func (r *Runner) verifyOne(ctx context.Context, s *adminSession, rec behaviour.Record, st *cleanState) error {
	held := r.ledger.Has(rec)
	res, err := s.read(ctx, rec)
	if err != nil {
		return fmt.Errorf("verify: %w", err) // left: not known to be gone
	}
	if s.gone(res.Status) {
		switch {
		case !held:
			r.ledger.Confirm(rec)
		case st.wasAccepted(rec):
			r.ledger.RemoveGone(rec) // the run's delete took a while to land
		default:
			r.ledger.Lose(rec, false)
		}
		return nil
	}
	name, mine := behaviour.RecordName(s.c, &res, rec)
	switch {
	case !mine && !held:
		r.ledger.Confirm(rec) // deleted, and the id handed out again
	case !mine:
		r.shared.Lost(rec, name)
	default:
		if !held {
			r.ledger.Revive(rec) // a VU's delete answered 2xx, and the record stays
			st.accept(rec)
		}
		st.keep(rec)
	}
	return nil
}

// adopt takes into the ledger what the last search found that the ledger
// does not hold, once a read by its id shows the run's record there: a
// creation whose answer was lost. A hit that reads gone is a listing that
// lags behind a delete.
func (r *Runner) adopt(ctx context.Context, s *adminSession, found []behaviour.Record) []error {
	var errs []error
	for _, rec := range found {
		if r.ledger.Has(rec) {
			continue
		}
		res, err := s.read(ctx, rec)
		switch {
		case err != nil:
			r.ledger.Add(rec.Kind, rec.ID, rec.Name) // listed and not read gone: left
			errs = append(errs, fmt.Errorf("verify: %w", err))
		case s.gone(res.Status):
		default:
			if _, mine := behaviour.RecordName(s.c, &res, rec); mine && !r.ledger.Revive(rec) {
				r.ledger.Add(rec.Kind, rec.ID, rec.Name)
			}
		}
	}
	return errs
}

// reserve returns ctx with a deadline that leaves part of ctx's time (a
// fifth, at most 10s) for the verification.
func reserve(ctx context.Context) (context.Context, context.CancelFunc) {
	d, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, d.Add(-min(time.Until(d)/5, 10*time.Second)))
}

// reasonOf says why a step of the cleanup failed: ctx's cause when it ended.
func reasonOf(ctx context.Context, err error) string {
	if ctx.Err() != nil {
		return context.Cause(ctx).Error()
	}
	return err.Error()
}

// cleanupResult is the cleanup's outcome from the ledger's counts: left is
// what the ledger still holds — after a verification, what the target has.
func (r *Runner) cleanupResult(verified bool, reason string, errs ...error) summary.CleanupResult {
	res := summary.CleanupResult{
		Created:        int(r.ledger.Created.Load()),
		Deleted:        int(r.ledger.Deleted.Load()),
		Gone:           int(r.ledger.Gone.Load()),
		ForeignSkipped: int(r.ledger.Foreign.Load()),
		Verified:       verified,
		Reason:         reason,
	}
	for _, rec := range r.ledger.Left() {
		res.Left = append(res.Left, rec.Name)
	}
	errs = withRetryAfter(errs)
	if len(errs) > 0 {
		res.Err = errors.Join(errs...).Error()
		if len(errs) > 3 {
			res.Err = fmt.Sprintf("%v (and %d more errors)", errs[0], len(errs)-1)
		}
	}
	return res
}

// cleanOne deletes one record of the run, counting the outcome in the ledger.
// The record is read first and deleted only when it is still the run's. A
// delete cut short by ctx is settled by reading the record again, so the
// counts stay exact under an interruption.
func (r *Runner) cleanOne(ctx context.Context, s *adminSession, rec behaviour.Record, st *cleanState) error {
	res, err := s.read(ctx, rec)
	if err != nil {
		return err
	}
	if s.gone(res.Status) {
		r.ledger.Lose(rec, false)
		return nil
	}
	if name, mine := behaviour.RecordName(s.c, &res, rec); !mine {
		r.shared.Lost(rec, name)
		return nil
	}
	st.confirm(rec.Kind)
	status, err := s.delete(ctx, rec)
	switch {
	case err != nil && ctx.Err() != nil:
		// Cut short: the delete may or may not have reached the target, and
		// the target may still be working on it — a read now could see the
		// record and then lose the race with that delete. So the delete is
		// finished instead: sent again, whatever it answers (deleted now, or
		// 404 because the first one landed) the record is gone by the run's
		// hand. Ownership was read just above.
		sctx, cancel := context.WithTimeout(r.hard, 2*time.Second) // an interrupted run's end bounds it
		defer cancel()
		if _, rerr := s.delete(sctx, rec); rerr == nil {
			r.ledger.Remove(rec.Kind, rec.ID)
			return nil
		}
		return err
	case err != nil:
		return err
	case s.gone(status):
		// Already gone, not deleted by the run — unless a read still finds
		// it (a record the target marked deleted before): then it is left.
		if res, err := s.read(ctx, rec); err == nil && s.gone(res.Status) {
			r.ledger.Lose(rec, false)
		}
	default:
		// Deleted only once a read says so: a target may answer 2xx and
		// keep the record (a soft delete). Until then it is left.
		st.accept(rec)
		res, err := s.read(ctx, rec)
		if err == nil && s.gone(res.Status) {
			r.ledger.RemoveGone(rec)
		}
	}
	return nil
}

// maxRetryWait is the longest Retry-After the cleanup waits for: a target
// asking for more does not hold the cleanup (within its budget, minutes of
// waits), the request fails at once with a *retryAfterError and its record
// is left — never counted as deleted. The run's resilience policy holds the
// cleanup's requests off no longer either.
const maxRetryWait = resilience.MaxHeldOffCleanup

// retryAfterError is a 429 or 503 whose Retry-After is longer than the
// cleanup waits (maxRetryWait), or a request not sent (status 0) because an
// earlier one's still holds its group off that long: not retried, not waited
// out.
type retryAfterError struct {
	method, route string
	status        int
	asked         time.Duration
}

func (e *retryAfterError) Error() string {
	if e.status == 0 {
		return fmt.Sprintf("%s %s: not sent: an earlier answer's Retry-After holds these requests off for %v more, longer than the %v the cleanup waits for one answer",
			e.method, e.route, e.asked.Round(time.Second), maxRetryWait)
	}
	return fmt.Sprintf("%s %s: answered %d with Retry-After %v, longer than the %v the cleanup waits for one answer", e.method, e.route, e.status, e.asked, maxRetryWait)
}

// retryAfterErrors is the error that says how many of errs are a
// *retryAfterError and what is done about them, or nil when none is.
func retryAfterErrors(errs []error) error {
	n, asked := 0, time.Duration(0)
	for _, err := range errs {
		var ra *retryAfterError
		if errors.As(err, &ra) {
			n++
			asked = max(asked, ra.asked)
		}
	}
	if n == 0 {
		return nil
	}
	what := fmt.Sprintf("%d requests of the cleanup were", n)
	if n == 1 {
		what = "a request of the cleanup was"
	}
	return fmt.Errorf("%s answered with, or held off by, a Retry-After (up to %v) longer than the %v it waits for one: "+
		"their records are left, not deleted", what, asked, maxRetryWait)
}

// withRetryAfter puts first in errs, the cleanup's errors, what
// retryAfterErrors says of them.
func withRetryAfter(errs []error) []error {
	if ra := retryAfterErrors(errs); ra != nil {
		return append([]error{ra}, errs...)
	}
	return errs
}

// adminSession is the admin login the cleanup works with. Its workers share
// it: the token is read under mu, and a token the target stops accepting (it
// expired during a long cleanup) is replaced by one login, whichever worker
// saw the 401 first.
type adminSession struct {
	c              *client.Client
	user, password string
	log            *slog.Logger
	mu             sync.Mutex
	token          string
	maxPages       int // find's bound on a search's pages (maxFindPages when 0)
	// outlive bounds what the session does after its ctx ended (the
	// logout): an interrupted run's end; nil: nothing but its own timeout.
	outlive context.Context
}

// currentToken is the admin's access token.
func (s *adminSession) currentToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token
}

// relogin replaces a token the target refused with 401, unless another worker
// already did.
func (s *adminSession) relogin(ctx context.Context, refused string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token != refused {
		return nil
	}
	s.log.Info("cleanup: the admin token was refused (401); logging in again")
	return s.loginLocked(ctx)
}

// do sends a call, retrying a few times on 429, 5xx and network errors.
func (s *adminSession) do(ctx context.Context, call *client.Call) (client.Result, error) {
	var res client.Result
	relogged := false
	for attempt := range 4 {
		if attempt > 0 {
			wait := time.Duration(attempt*attempt) * 200 * time.Millisecond
			if res.RetryAfter > 0 {
				wait = res.RetryAfter // at most maxRetryWait: a longer one ended the call
			}
			select {
			case <-ctx.Done():
				return res, fmt.Errorf("%s %s: %w", call.Endpoint.Method, s.c.Route(call.Endpoint), ctx.Err())
			case <-time.After(wait):
			}
		}
		call.Token = ""
		if !call.Endpoint.Public {
			call.Token = s.currentToken()
		}
		res = s.c.Do(ctx, call)
		if held := (*resilience.HeldOffError)(nil); errors.As(res.Err, &held) {
			return res, &retryAfterError{method: call.Endpoint.Method, route: s.c.Route(call.Endpoint), asked: held.Wait}
		}
		if res.Status == 401 && call.Token != "" && !relogged {
			// Once a call: a new token refused again is the answer.
			relogged = true
			if err := s.relogin(ctx, call.Token); err != nil {
				return res, err
			}
			continue
		}
		if res.ErrKind == "" && res.Status != 429 && res.Status < 500 {
			return res, nil
		}
		if res.ErrKind == client.KindCanceled {
			break
		}
		if res.RetryAfter > maxRetryWait {
			return res, &retryAfterError{method: call.Endpoint.Method, route: s.c.Route(call.Endpoint), status: res.Status, asked: res.RetryAfter}
		}
	}
	if res.Err != nil {
		return res, fmt.Errorf("%s %s: %w", call.Endpoint.Method, s.c.Route(call.Endpoint), res.Err)
	}
	return res, fmt.Errorf("%s %s: answered %d", call.Endpoint.Method, s.c.Route(call.Endpoint), res.Status)
}

func (s *adminSession) login(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loginLocked(ctx)
}

// loginLocked logs in (s.mu held).
func (s *adminSession) loginLocked(ctx context.Context) error {
	p := s.c.Profile().Login
	ident := s.user
	call := &client.Call{Endpoint: catalog.MustLookup(catalog.AuthLogin), Decode: true,
		Body: client.Body{{Name: p.Field, Value: ident}, {Name: p.PasswordField, Value: s.password}}}
	res, err := s.do(ctx, call)
	if err != nil {
		return fmt.Errorf("log in as admin %q for the cleanup: %w", s.user, err)
	}
	if res.Status != 200 && res.Status != 201 {
		return fmt.Errorf("log in as admin %q for the cleanup: answered %d (check --admin-user and --admin-password)", s.user, res.Status)
	}
	t, ok := s.c.Tokens(&res)
	if !ok {
		// A cookie-session API (which --skip-check let through) is named as
		// the check names it: the login sent once more shows its cookies.
		if cookies, _ := s.c.LoginCookies(ctx, call); len(cookies) > 0 {
			return fmt.Errorf("log in as admin %q for the cleanup: %w", s.user, &client.CookieSessionError{Cookies: cookies})
		}
		return fmt.Errorf("log in as admin %q for the cleanup: no access token in the answer (check the API profile)", s.user)
	}
	s.token = t.Access
	return nil
}

// logoutSoon logs out, even after ctx ended, giving it two seconds at most
// (and no longer than s.outlive lasts).
func (s *adminSession) logoutSoon(ctx context.Context) {
	parent := s.outlive
	if parent == nil {
		parent = context.WithoutCancel(ctx)
	}
	lctx, cancel := context.WithTimeout(parent, 2*time.Second)
	defer cancel()
	_ = s.logout(lctx)
}

func (s *adminSession) logout(ctx context.Context) error {
	if s.currentToken() == "" {
		return nil
	}
	_, err := s.do(ctx, &client.Call{Endpoint: catalog.MustLookup(catalog.AuthLogout)})
	s.mu.Lock()
	s.token = ""
	s.mu.Unlock()
	return err
}

// gone reports whether a read or delete answer says the record is not there:
// 404, 410, or the profile's not-found status.
func (s *adminSession) gone(status int) bool {
	return status == 404 || status == 410 || status == s.c.Profile().Statuses.NotFound
}

// read reads one record (its answer decoded); a gone answer is an answer, not
// an error.
func (s *adminSession) read(ctx context.Context, rec behaviour.Record) (client.Result, error) {
	res, err := s.do(ctx, &client.Call{Endpoint: catalog.MustLookup(behaviour.ReadEndpoint(rec.Kind)), Params: [2]string{rec.ID}, Decode: true})
	if err != nil {
		return res, fmt.Errorf("read %s %s: %w", rec.Kind, rec.Name, err)
	}
	if res.Status != 200 && !s.gone(res.Status) {
		return res, fmt.Errorf("read %s %s: answered %d", rec.Kind, rec.Name, res.Status)
	}
	return res, nil
}

// delete removes one record and returns the status: 2xx deleted, 404 already
// gone (not deleted by the cleanup).
func (s *adminSession) delete(ctx context.Context, rec behaviour.Record) (int, error) {
	ep := catalog.UsersDelete
	switch rec.Kind {
	case behaviour.KindRole:
		ep = catalog.RolesDelete
	case behaviour.KindPermission:
		ep = catalog.PermissionsDelete
	}
	res, err := s.do(ctx, &client.Call{Endpoint: catalog.MustLookup(ep), Params: [2]string{rec.ID}})
	if err != nil {
		return 0, fmt.Errorf("delete %s %s: %w", rec.Kind, rec.Name, err)
	}
	if res.Status >= 200 && res.Status < 300 || s.gone(res.Status) {
		return res.Status, nil
	}
	return res.Status, fmt.Errorf("delete %s %s: answered %d", rec.Kind, rec.Name, res.Status)
}

// find lists the users, roles and permissions whose names start with prefix
// (users: or whose email ends with @simulation.test when prefix is "sim_"),
// keeping those keep accepts.
func (s *adminSession) find(ctx context.Context, prefix string, keep func(behaviour.Record) bool) ([]behaviour.Record, error) {
	var out []behaviour.Record
	sources := []struct {
		kind, field string
	}{
		{behaviour.KindUser, "username"},
		{behaviour.KindRole, "name"},
		{behaviour.KindPermission, "name"},
	}
	for _, src := range sources {
		// Pages go on until one is empty or all the target counts were listed,
		// whatever page size it chose (not necessarily per_page's). A page of
		// records all listed before is an error, not the end: the target
		// ignores how the profile asks for the next page, and what lies
		// beyond that page was never seen.
		seen := map[string]bool{}
		ep := catalog.MustLookup(searchRoute(src.kind))
		q := s.c.ListQuery(prefix, 1, 100)
		limit := max(s.maxPages, maxFindPages)
		for page := 1; page <= limit; page++ {
			res, err := s.do(ctx, &client.Call{Endpoint: ep, Query: q, Decode: true})
			if err != nil {
				return out, fmt.Errorf("find %ss named %s*: %w", src.kind, prefix, err)
			}
			if res.Status != 200 {
				return out, fmt.Errorf("find %ss named %s*: answered %d", src.kind, prefix, res.Status)
			}
			if res.JSON == nil {
				return out, fmt.Errorf("find %ss named %s*: the answer is not a JSON page", src.kind, prefix)
			}
			items := s.c.Items(&res)
			fresh := 0
			for _, obj := range items {
				id, ok := s.c.ID(obj)
				name := s.c.Str(ep, obj, src.field)
				if !ok || seen[id] {
					continue
				}
				seen[id] = true
				fresh++
				match := cleanable(prefix, name)
				if src.kind == behaviour.KindUser && prefix == "sim_" {
					match = match && strings.HasSuffix(strings.ToLower(s.c.Str(ep, obj, "email")), "@simulation.test")
				}
				if !match || (src.kind == behaviour.KindUser && id == "1" && name == s.user) {
					continue
				}
				rec := behaviour.Record{Kind: src.kind, ID: id, Name: name}
				if keep == nil || keep(rec) {
					out = append(out, rec)
				}
			}
			total, counted := s.c.Total(&res)
			if !counted {
				total, counted = pageTotal(res.JSON)
			}
			if len(items) > 0 && fresh == 0 {
				return out, fmt.Errorf("find %ss named %s*: %w", src.kind, prefix,
					&repeatError{page: page, style: s.c.Profile().Paging.Style})
			}
			next, more := s.c.NextQuery(&res, q)
			if len(items) == 0 || !more || counted && len(seen) >= total {
				break
			}
			if page == limit {
				return out, fmt.Errorf("find %ss named %s*: %w", src.kind, prefix, &pagesError{limit})
			}
			q = next
		}
	}
	return out, nil
}

// searchRoute is the capability the cleanup searches a kind of record with:
// users by their search, roles and permissions by their lists, each given
// the search term as the profile's query.search.
func searchRoute(kind string) string {
	switch kind {
	case behaviour.KindRole:
		return catalog.RolesList
	case behaviour.KindPermission:
		return catalog.PermissionsList
	}
	return catalog.UsersSearch
}

// missText says which searches are shown not to list records the cleanup
// read on the target — by kind, how many (at least, when atLeast), and the
// route searched with the profile's settings that shape it — or "" when
// miss holds none.
func (s *adminSession) missText(miss map[string]int, prefix string, atLeast bool) string {
	var parts []string
	for _, kind := range []string{behaviour.KindUser, behaviour.KindRole, behaviour.KindPermission} {
		n := miss[kind]
		if n == 0 {
			continue
		}
		count := fmt.Sprint(n)
		if atLeast {
			count = "at least " + count
		}
		id := searchRoute(kind)
		ep := catalog.MustLookup(id)
		parts = append(parts, fmt.Sprintf("%s %ss read by id were not listed by %s %s searching for %s* (check the API profile's query.search and routes.%s)",
			count, kind, s.c.Method(ep), s.c.Route(ep), prefix, id))
	}
	if len(parts) == 0 {
		return ""
	}
	return "the target's search does not find the run's records: " + strings.Join(parts, "; ")
}

// pagesError is a search that stopped at its bound on pages with more to
// list: what it found is real, but not all there is.
type pagesError struct{ limit int }

func (e *pagesError) Error() string { return fmt.Sprintf("more than %d pages", e.limit) }

// repeatError is a list whose next page repeated records of earlier pages:
// the target does not page the way the profile says, so the rest of the list
// is unseen.
type repeatError struct {
	page  int
	style string
}

func (e *repeatError) Error() string {
	return fmt.Sprintf("page %d repeats records of an earlier page: the target ignores how the API profile asks for the next page "+
		"(paging.style %q); set paging.style, paging.next and query.page/query.cursor/query.offset to what the target uses", e.page, e.style)
}

// maxFindPages bounds a search's pages (100,000 records at the reference
// page size); a run's cleanup allows a page more for every record the run
// created (adminSession.maxPages), so a run of many accounts can list them.
const maxFindPages = 1000

// cleanupWorkers is how many records a cleanup reads and deletes at once: a
// run of many accounts (account: session) is cleaned up in minutes, not
// hours, against a target tens of milliseconds away, without a burst the
// target would feel as load.
const cleanupWorkers = 8

// workers calls f on the items given to add, up to cleanupWorkers at once,
// and keeps f's errors. Items come in groups (a record's kind): the first item
// of a new group waits until every call of the one before has ended, so the
// cleanup deletes every user before any role. Once ctx ends, items are
// dropped: f sees ctx itself.
type workers[T any] struct {
	ctx   context.Context
	f     func(T) error
	in    chan T
	group string // of the items under way
	wg    sync.WaitGroup
	mu    sync.Mutex
	errs  []error
}

func (w *workers[T]) add(group string, item T) {
	if group != w.group {
		w.wait()
		w.group = group
	}
	if w.in == nil {
		w.in = make(chan T)
		for range cleanupWorkers {
			w.wg.Go(w.loop)
		}
	}
	select {
	case w.in <- item:
	case <-w.ctx.Done():
	}
}

func (w *workers[T]) loop() {
	for item := range w.in {
		if w.ctx.Err() != nil {
			continue
		}
		if err := w.f(item); err != nil {
			w.mu.Lock()
			w.errs = append(w.errs, err)
			w.mu.Unlock()
		}
	}
}

// wait waits for the calls under way and returns the errors so far; add
// starts workers again.
func (w *workers[T]) wait() []error {
	if w.in != nil {
		close(w.in)
		w.wg.Wait()
		w.in = nil
	}
	return w.errs
}

// pageTotal reads the number of records a page answer says there are in all
// ("total" at its root or under "meta"), if it says.
func pageTotal(v any) (int, bool) {
	root, _ := v.(map[string]any)
	for _, m := range []any{root, root["meta"]} {
		obj, _ := m.(map[string]any)
		switch n := obj["total"].(type) {
		case json.Number:
			if i, err := n.Int64(); err == nil && i >= 0 {
				return int(i), true
			}
		case float64:
			if n >= 0 {
				return int(n), true
			}
		}
	}
	return 0, false
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
	Gone    int // found, then already gone when read or deleted (404): not deleted by this cleanup
	// ForeignSkipped counts records found whose id, read before the delete,
	// held a record whose name is not simulation data: left alone.
	ForeignSkipped int
	Left           []string // what the verification found; without it, what was found and not deleted
	// Verified: Left is what a last search found, and that search listed
	// every record the cleanup read still there; otherwise Reason says why
	// it could not look or why the search cannot be trusted.
	Verified bool
	// SearchOnly: verified by the search alone — no record was read by id,
	// so nothing shows the target's search finds the run's records.
	SearchOnly bool
	Reason     string
	Err        string

	reads *readState // what reads by id showed; nil until CleanupTarget
}

// SearchAlone is what a cleanup verified by the target's search alone
// (CleanupReport.SearchOnly) rests on.
const SearchAlone = "by the target's search alone: it listed nothing to read by id, so nothing shows it finds the run's records"

// Verdict is the report as a run's cleanup says it (summary.CleanupResult's
// Verified and Reason): verified only when what is left was measured on the
// target — a last search listed every record read by id still there, and at
// least one was read. A result that rests on the search alone, or that could not
// look, is not verified, and reason says why.
func (rep *CleanupReport) Verdict() (verified bool, reason string) {
	switch {
	case !rep.Verified:
		return false, rep.Reason
	case rep.SearchOnly:
		return false, SearchAlone
	}
	return true, ""
}

// readState is what trafficsim cleanup's reads by id showed, for its verdict.
type readState struct {
	mu      sync.Mutex
	read    int                // records read as simulation data before their delete
	present []behaviour.Record // read still there after their delete was tried
	kept    int                // of those, the delete answered 2xx (a soft delete)
}

// unlisted counts, by kind, the records read still there that the last
// search (left) did not list.
func (rep *CleanupReport) unlisted(left []behaviour.Record) map[string]int {
	seen := make(map[string]bool, len(left))
	for _, rec := range left {
		seen[rec.Kind+"/"+rec.ID] = true
	}
	miss := map[string]int{}
	for _, rec := range rep.reads.present {
		if !seen[rec.Kind+"/"+rec.ID] {
			miss[rec.Kind]++
		}
	}
	return miss
}

// stillThere is the error of records whose delete the target answered 2xx
// and that it still returns, or nil.
func (rep *CleanupReport) stillThere() error {
	if rep.reads.kept == 0 {
		return nil
	}
	return fmt.Errorf("%d records left: the target still returns them after a 2xx delete", rep.reads.kept)
}

// CleanupTarget removes leftover simulation data from a target: users whose
// username starts with sim_<run>_ (or sim_ with an @simulation.test email, for
// every run) and sim_ roles and permissions (`trafficsim cleanup`). Users go
// first, so their profiles and role assignments go with them.
func CleanupTarget(ctx context.Context, o CleanupOptions) (CleanupReport, error) {
	if err := o.fill(); err != nil {
		return CleanupReport{}, err
	}
	c, err := client.New(client.Options{BaseURL: o.BaseURL, Profile: o.Profile, Conns: cleanupWorkers, Network: o.Network})
	if err != nil {
		return CleanupReport{}, &FieldError{Field: "base_url", Message: err.Error()}
	}
	defer c.Close()
	// A certificate failure is one clear reason naming the fixing flag.
	if err := c.Preflight(ctx); err != nil {
		return CleanupReport{Reason: err.Error()}, err
	}
	s := &adminSession{c: c, user: o.AdminUser, password: o.AdminPassword, log: o.Logger}
	if err := s.login(ctx); err != nil {
		return CleanupReport{Reason: "could not log in: " + reasonOf(ctx, err)}, err
	}
	defer s.logoutSoon(ctx)
	prefix := "sim_"
	if o.RunID != "" {
		prefix = behaviour.NamePrefix(o.RunID)
	}
	dctx, cancel := reserve(ctx)
	defer cancel()
	rep := CleanupReport{reads: &readState{}}
	failed, errs, err := rep.deleteInPasses(ctx, dctx, s, prefix)
	if err != nil {
		rep.Reason = "could not list what is there: " + reasonOf(ctx, err)
		rep.Err = errors.Join(withRetryAfter(append(errs, err))...).Error()
		rep.Left = failed
		return rep, fmt.Errorf("cleanup not verified: %w", err)
	}
	left, err := s.find(ctx, prefix, nil)
	if err != nil {
		rep.Left = failed
		rep.Reason = "could not verify: " + reasonOf(ctx, err)
		errs = append(errs, err)
	} else if miss := s.missText(rep.unlisted(left), prefix, false); miss != "" {
		// The search is shown not to find what is there: what it lists
		// says nothing of what is left.
		rep.Left = failed
		rep.Reason = miss
		errs = append(errs, errors.New(rep.Reason))
	} else {
		rep.Verified = true
		rep.SearchOnly = rep.reads.read == 0
		rep.Left = names(left)
	}
	if err := rep.stillThere(); err != nil {
		errs = append(errs, err)
	}
	if dctx.Err() != nil && len(errs) == 0 {
		errs = append(errs, context.Cause(dctx))
	}
	if errs = withRetryAfter(errs); len(errs) > 0 {
		rep.Err = errors.Join(errs...).Error()
	}
	switch {
	case !rep.Verified:
		return rep, fmt.Errorf("cleanup not verified (%s): %w", rep.Reason, errs[0])
	case len(rep.Left) > 0:
		return rep, fmt.Errorf("cleanup incomplete: %d left on the target", len(rep.Left))
	}
	return rep, nil
}

// deleteInPasses finds what prefix names and deletes it. Without a ledger a
// search stops at maxFindPages (100,000 records at the reference page size);
// when it stops there with more to list, what it found is deleted and the
// search starts again, until one lists everything (deleted too) or finds
// nothing it has not found before. It returns the names of what was found
// and not deleted, the deletes' errors, and a search's error that ended it.
func (rep *CleanupReport) deleteInPasses(ctx, dctx context.Context, s *adminSession, prefix string) (failed []string, errs []error, err error) {
	seen := map[string]bool{} // kind/id: a record whose delete failed is not tried again
	for pass := 1; ; pass++ {
		recs, ferr := s.find(ctx, prefix, nil)
		var fresh []behaviour.Record
		for _, r := range recs {
			if k := r.Kind + "/" + r.ID; !seen[k] {
				seen[k] = true
				fresh = append(fresh, r)
			}
		}
		rep.Found += len(fresh)
		var bound *pagesError
		more := errors.As(ferr, &bound)
		if more && len(fresh) == 0 {
			return failed, errs, ferr
		}
		// What a failed search listed is deleted all the same: each record is
		// read and its name checked before its delete.
		f, e := rep.deleteAll(dctx, s, prefix, fresh)
		failed, errs = append(failed, f...), append(errs, e...)
		if ferr != nil && !more {
			return failed, errs, ferr
		}
		if !more || dctx.Err() != nil {
			return failed, errs, nil
		}
		s.log.Info("cleanup: the search stopped at its bound with more to list; searching again",
			"pass", pass, "pages", bound.limit, "found", rep.Found, "deleted", rep.Deleted)
	}
}

// fill checks the options and fills in the defaults.
func (o *CleanupOptions) fill() error {
	if o.RunID != "" && !runIDPattern.MatchString(o.RunID) {
		return &FieldError{Field: "run", Message: fmt.Sprintf("%q: a run id is 8 lowercase letters or digits", o.RunID)}
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
	_, err := ParseBaseURL(o.BaseURL)
	return err
}

// deleteAll deletes the records found, counting them in the report, until
// ctx ends; it returns the names of those not deleted and the errors. Each
// record is read by its id right before its delete and deleted only if its
// name still carries prefix: between the search and the delete the target
// may have lost its data and handed the id to someone else's record (a
// restored backup), and without a run only a run's names are the engine's.
func (rep *CleanupReport) deleteAll(ctx context.Context, s *adminSession, prefix string, recs []behaviour.Record) (failed []string, errs []error) {
	done := make([]bool, len(recs))
	var mu sync.Mutex
	w := &workers[int]{ctx: ctx, f: func(i int) error {
		rec := recs[i]
		res, err := s.read(ctx, rec)
		if err != nil {
			return err
		}
		name, _ := behaviour.RecordName(s.c, &res, rec)
		status := res.Status
		foreign := !s.gone(status) && !cleanable(prefix, name)
		if foreign {
			s.log.Warn("cleanup: the id now holds a record that is not simulation data; left alone",
				"kind", rec.Kind, "id", rec.ID, "listed_as", rec.Name, "now", name)
		} else if !s.gone(status) {
			rep.reads.mu.Lock()
			rep.reads.read++
			rep.reads.mu.Unlock()
			if status, err = s.delete(ctx, rec); err != nil {
				if status != 0 { // refused: the record is there
					rep.stays(rec, false)
				}
				return err
			}
			// Deleted (or gone) only once a read says so: a target may
			// answer 2xx, or 404 to a record it marked deleted before, and
			// keep returning the record (a soft delete).
			res, err := s.read(ctx, rec)
			if err != nil {
				return err
			}
			if !s.gone(res.Status) {
				accepted := !s.gone(status)
				rep.stays(rec, accepted)
				if accepted {
					return fmt.Errorf("delete %s %s: the target still returns it after a 2xx delete", rec.Kind, rec.Name)
				}
				return fmt.Errorf("delete %s %s: the target answers %d and still returns it", rec.Kind, rec.Name, status)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		done[i] = true
		switch {
		case foreign:
			rep.ForeignSkipped++
		case s.gone(status):
			rep.Gone++
		default:
			rep.Deleted++
		}
		return nil
	}}
	// Kind after kind (find lists users first): a role goes once no user of
	// the run holds it.
	for i, rec := range recs {
		w.add(rec.Kind, i)
	}
	errs = w.wait()
	for i, rec := range recs {
		if !done[i] {
			failed = append(failed, rec.Name)
		}
	}
	return failed, errs
}

// stays notes a record read still there after its delete was tried (kept:
// the delete answered 2xx).
func (rep *CleanupReport) stays(rec behaviour.Record, kept bool) {
	rep.reads.mu.Lock()
	defer rep.reads.mu.Unlock()
	rep.reads.present = append(rep.reads.present, rec)
	if kept {
		rep.reads.kept++
	}
}

// runName matches the names a run gives its records, of any run:
// sim_<run id>_…, the run id as NewRunID makes it (runIDPattern).
var runName = regexp.MustCompile(`^sim_[a-z0-9]{8}_.`)

// cleanable reports whether the cleanup of prefix may delete a record of
// this name: it starts with prefix — and for every run's data ("sim_"), it
// has a run's shape, so a target's own sim_readers or sim_ops_bot is never
// taken for simulation data.
func cleanable(prefix, name string) bool {
	if prefix == "sim_" {
		return runName.MatchString(name)
	}
	return strings.HasPrefix(name, prefix)
}

// names are the records' names.
func names(recs []behaviour.Record) []string {
	var out []string
	for _, rec := range recs {
		out = append(out, rec.Name)
	}
	return out
}
