package scenario

import (
	"strings"
	"testing"
	"time"
)

func TestLoadSection(t *testing.T) {
	s, err := Parse([]byte("base: mixed\nload:\n  stages: [10s:5, 1m:20, 10s:0]\n"), "st.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Load.Stages) != 3 || s.Load.Stages[1].Duration != time.Minute || s.Load.Stages[1].Target != 20 {
		t.Errorf("stages = %v", s.Load.Stages)
	}
	s, err = Parse([]byte("base: mixed\nload:\n  rate: 90/m\n  rate_stages: [30s:10/s]\n  max_vus: 50\n"), "op.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if s.Load.Rate != 1.5 || len(s.Load.RateStages) != 1 || s.Load.RateStages[0].Target != 10 || s.Load.MaxVUs != 50 {
		t.Errorf("open load = %+v", s.Load)
	}
	// A rate of 0 is where rate stages start from.
	if s, err := Parse([]byte("base: mixed\nload:\n  rate: 0/s\n  rate_stages: [30s:10/s]\n"), "ramp.yaml"); err != nil || len(s.Load.RateStages) != 1 || s.Load.Rate != 0 {
		t.Errorf("rate 0 with rate stages = %+v, %v; want the open model", s.Load, err)
	}
	if s, _ := Builtin("mixed"); !s.Load.IsZero() {
		t.Errorf("mixed has a load section: %+v", s.Load)
	}
	for _, tc := range []struct{ yaml, want string }{
		{"load:\n  stages: [10s:x]\n", "op.yaml:3:3: load.stages: stage 1"},
		{"load:\n  ramp_up: soon\n", "op.yaml:3:3: load.ramp_up"},
		{"load:\n  rate: 5/h\n", "load.rate"},
		{"load:\n  rate: 5/s\n  stages: [1s:1]\n", "exclude each other"},
		{"load:\n  ramp_up: 5s\n  stages: [1s:1]\n", "either ramp_up or stages"},
		{"load:\n  max_vus: 5\n", "open model only"},
		{"load:\n  max_vu: 5\n", "unknown field"},
		{"load:\n  rate: 0/s\n", "load.rate: \"0/s\" sends no arrivals"},
		{"load:\n  stages: []\n", "op.yaml:3:3: load.stages: is an empty list; give DURATION:VUS stages, e.g. [30s:100"},
		{"load:\n  rate_stages: []\n", "op.yaml:3:3: load.rate_stages: is an empty list; give DURATION:RATE stages, e.g. [30s:10/s"},
	} {
		_, err := Parse([]byte("base: mixed\n"+tc.yaml), "op.yaml")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.yaml, err, tc.want)
		}
	}
}
