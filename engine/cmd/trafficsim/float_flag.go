package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
)

// finiteFloat is a float flag that takes finite numbers only: NaN slips
// through every comparison a check makes (a NaN ratio switched breakers off)
// and ±Inf through most.
type finiteFloat float64

func (f *finiteFloat) String() string { return strconv.FormatFloat(float64(*f), 'g', -1, 64) }
func (f *finiteFloat) Type() string   { return "float" }
func (f *finiteFloat) Set(s string) error {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("%q is not a finite number", s)
	}
	*f = finiteFloat(v)
	return nil
}

// floatVar defines a float flag that rejects NaN and ±Inf (exit 2, naming
// the flag, like every invalid flag).
func floatVar(f *pflag.FlagSet, p *float64, name string, value float64, usage string) {
	*p = value
	f.Var((*finiteFloat)(p), name, usage)
}
