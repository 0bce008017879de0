package scenario

import (
	"cmp"
	"errors"
	"slices"
	"strconv"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/client"
	"github.com/trafficsim/trafficsim/engine/threshold"
)

// ThresholdGroups are the groups a threshold of the scenario's run may be
// scoped to ({group=G}): the endpoint groups, but in a plain scenario (whose
// VUs send only its requests), and the groups of its requests ("plain" for
// one that names none), in file order.
func (s *Scenario) ThresholdGroups() []string {
	var out []string
	if !s.Plain {
		out = slices.Clone(catalog.Groups)
	}
	for _, r := range s.Requests {
		g := cmp.Or(r.Spec.Group, client.PlainGroup)
		if !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out
}

// buildThresholds parses the `thresholds:` list (docs/thresholds.md), scoped
// to groups (ThresholdGroups) at most; an error names the item, so its line
// is found.
func buildThresholds(list, groups []string) ([]threshold.Threshold, *Error) {
	if len(list) == 0 {
		return nil, nil
	}
	for i, expr := range list {
		if _, err := threshold.Parse(expr); err != nil {
			return nil, &Error{Field: "thresholds." + strconv.Itoa(i), Message: err.Error()}
		}
	}
	ts, err := threshold.ParseAll(list)
	if err != nil {
		var pe *threshold.ParseError
		field := "thresholds"
		if errors.As(err, &pe) {
			for i, expr := range list {
				if expr == pe.Expr {
					field = "thresholds." + strconv.Itoa(i) // the second of a duplicate
				}
			}
		}
		return nil, &Error{Field: field, Message: err.Error()}
	}
	for i, t := range ts { // one a line, in list order
		if err := threshold.CheckGroups([]threshold.Threshold{t}, groups); err != nil {
			return nil, &Error{Field: "thresholds." + strconv.Itoa(i), Message: err.Error()}
		}
	}
	return ts, nil
}
