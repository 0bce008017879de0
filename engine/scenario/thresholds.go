package scenario

import (
	"errors"
	"strconv"

	"github.com/trafficsim/trafficsim/engine/threshold"
)

// buildThresholds parses the `thresholds:` list (docs/thresholds.md); an error
// names the item, so its line is found.
func buildThresholds(list []string) ([]threshold.Threshold, *Error) {
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
	return ts, nil
}
