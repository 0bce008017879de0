package scenario

import (
	"errors"
	"strings"
	"testing"

	"github.com/trafficsim/trafficsim/engine/catalog"
)

// TestUnknownNamesListTheKnown: a journey step, a weighted action or an error
// kind that engine/catalog's tables do not know is an error at load time that
// names the field and lists the names there are.
func TestUnknownNamesListTheKnown(t *testing.T) {
	for _, c := range []struct {
		yaml, field string
		known       []string
	}{
		{"base: mixed\narchetypes:\n  admin:\n    weight: 1\n    journey: [login, fly]\n", "archetypes.admin.journey.1", catalog.ActionNames("")},
		{"base: mixed\nactions:\n  admin:\n    nuke: 1\n", "actions.admin.nuke", catalog.ActionNames(catalog.GroupAdmin)},
		{"base: mixed\nerrors:\n  kinds: {typo: 1}\n", "errors.kinds.typo", catalog.ErrorKindNames()},
	} {
		_, err := Parse([]byte(c.yaml), "my.yaml")
		var se *Error
		if !errors.As(err, &se) || se.Field != c.field {
			t.Errorf("%q: %v, want an error of field %s", c.yaml, err, c.field)
			continue
		}
		if want := strings.Join(c.known, ", "); len(c.known) < 5 || !strings.Contains(se.Message, want) {
			t.Errorf("%s: %q does not list %s", c.field, se.Message, want)
		}
	}
}
