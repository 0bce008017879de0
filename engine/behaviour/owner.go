package behaviour

import (
	"strings"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/client"
)

// What the engine may touch (DESIGN.md, docs/cli.md): only records the run
// created, and only after reading them on the target. An id is not enough —
// a target that lost its data (a restart of an in-memory store, a restored
// backup) hands the same ids to other people's records — so before every
// admin change and every cleanup delete the record is read and its name
// compared with the one the run created it with.

// readEndpoint is the endpoint that reads one record of the kind.
func ReadEndpoint(kind string) string {
	switch kind {
	case KindRole:
		return catalog.RolesGet
	case KindPermission:
		return catalog.PermissionsGet
	}
	return catalog.UsersGet
}

// nameField is the field that holds a record's name: a user's username, a
// role's or permission's name.
func nameField(kind string) string {
	if kind == KindUser {
		return "username"
	}
	return "name"
}

// recordName reads the name of the record in a read's answer and reports
// whether it is rec: the name the run created it with.
func RecordName(c *client.Client, res *client.Result, rec Record) (string, bool) {
	obj, found := c.Object(res)
	if !found {
		return "", false
	}
	name := c.Str(catalog.MustLookup(ReadEndpoint(rec.Kind)), obj, nameField(rec.Kind))
	return name, name != "" && name == rec.Name
}

// NamePrefix is the prefix of the names run creates, sim_<run>_.
func NamePrefix(run string) string { return "sim_" + run + "_" }

// prefix is the run's name prefix, sim_<run>_.
func (r *Shared) prefix() string { return NamePrefix(r.cfg.RunID) }

// Lost forgets a remembered record whose id, read on the target, holds a
// record named name: gone, and foreign when that record is not the run's.
// Foreign records are counted on trafficsim_foreign_records_skipped_total.
func (r *Shared) Lost(rec Record, name string) {
	foreign := !strings.HasPrefix(name, r.prefix())
	if r.ledger.Lose(rec, foreign) && foreign {
		if m := r.rec.Load(); m != nil {
			m.ForeignSkipped(rec.Kind)
		}
		r.log.Warn("a remembered id now holds a Record that is not the run's; left alone",
			"kind", rec.Kind, "id", rec.ID, "was", rec.Name)
	}
}
