package behaviour

import (
	"strings"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/client"
)

// A non-admin VU's own account is the record the run registered for it, at
// the id the registration answered; its self-service writes (update its
// user, change its password, its profile; the deliberate mistakes that aim
// at it) go to that id and are authorised by its token alone. A target that
// lost its data (a restored backup, a restarted store) but still takes the
// tokens it issued (its signing key kept) hands that id to someone else, and
// the VU's token then acts as that person: its writes would change their
// record. So the VU drops its account at the first answer that shows the
// account is not its own any more:
//
//   - an answer naming the user at its id — auth.me, a read of its own user,
//     the answer to updating it — with another username;
//   - a read or update of its own user by its id answered 404;
//   - its login refused (401) with credentials that worked before;
//   - an answer that does not fit the account — its profile missing where it
//     made one or there where it made none, its password change answered as
//     invalid or not found, its username or email looked up and not found —
//     after which it reads its user by id (one request) and drops the
//     account if that names another or answers 404.
//
// After a write whose answer does not name the user (its profile, its
// password), the VU's next look-up of a user (get_user and its by-email and
// by-username forms) is of itself, so the swap shows at the next such read
// rather than at the next update or auth.me: the same requests, aimed
// differently.
//
// Dropping ends the session and forgets the account; the VU registers a new
// one at its next action that needs one. The ledger keeps the record for the
// cleanup, which reads it before deleting, unless the answer showed it gone
// (404) or someone else's (counted as foreign, Shared.Lost). Writes sent
// before such an answer, with a token the target still takes, may have
// reached the other person's record: the engine cannot see the swap sooner
// without reading its account before every write.

// ownCall is a call about the VU's own account: for a non-admin, its answer
// is read for the username (PickUser), for ownAnswer.
func (v *VU) ownCall(call *client.Call) *client.Call {
	if !v.admin {
		call.Decode, call.Pick = true, client.PickUser
	}
	return call
}

// ownAnswer checks an answer about the VU's own account at its id (a read
// or update of its user, auth.me; the call made by ownCall): false, the
// account dropped, when the answer names another user or the id answered
// 404.
func (v *VU) ownAnswer(a *account, res *client.Result) bool {
	if v.admin || v.me == nil || v.me != a {
		return v.me == a
	}
	if res.ErrKind != "" {
		return true
	}
	if res.Status == v.r.client.Profile().Statuses.NotFound {
		v.dropOwn("", true)
		return false
	}
	if !ok(*res) {
		return true
	}
	if name := v.r.client.Username(res); name != "" && name != a.username() {
		v.dropOwn(name, false)
		return false
	} else if name != "" {
		a.unsure = false
	}
	return true
}

// wrote notes a write to the VU's own account whose answer does not name the
// user (its profile, its password): its next look-up of a user is of itself
// (someUser), whose answer does.
func (v *VU) wrote(a *account, res *client.Result) {
	if !v.admin && res.Status > 0 {
		a.unsure = true
	}
}

// checkOwn reads the VU's own account a by its id after an answer that
// does not fit it: false, the account dropped, when it is not the VU's any
// more (ownAnswer). A read that fails keeps the account: nothing showed it
// lost.
func (v *VU) checkOwn(a *account) bool {
	if v.admin {
		return true
	}
	res, err := v.authed(v.ownCall(&client.Call{Endpoint: catalog.MustLookup(catalog.UsersGet), Params: [2]string{a.id}}), wantSuccess)
	if err != nil {
		return v.me == a
	}
	return v.ownAnswer(a, &res)
}

// dropOwn forgets the VU's own account, shown not to be its own any more:
// holder is the username an answer named at its id ("" none), gone that the
// id answered 404. Nothing more goes out with the account or its tokens.
func (v *VU) dropOwn(holder string, gone bool) {
	a := v.me
	switch {
	case holder != "" && !strings.HasPrefix(holder, v.r.prefix()):
		v.r.Lost(a.record(), holder) // someone else's record: counted as foreign
	case gone:
		v.r.ledger.Lose(a.record(), false)
	}
	// A holder of the run's is another of its accounts, which the ledger
	// holds under that id now: it stays.
	v.forgetOwn()
}

// forgetOwn ends the VU's session and lets go of its own account: out of the
// directory, no tokens; it signs up a new one at its next action.
func (v *VU) forgetOwn() {
	v.r.dir.remove(v.me.id)
	v.endSession(false)
	v.access, v.refresh, v.renewAt = "", "", 0
	v.me = nil
}
