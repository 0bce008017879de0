package scenario

import (
	"strings"
	"testing"
)

func TestScenarioThresholds(t *testing.T) {
	s, err := Parse([]byte("base: mixed\nthresholds:\n  - p95<500ms\n  - \"p99{group=auth}<200ms;abort\"\n  - error_rate<1%\n"), "ci.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Thresholds) != 3 || s.Thresholds[1].Expr != "p99{group=auth}<200ms" || !s.Thresholds[1].Abort {
		t.Fatalf("thresholds = %+v", s.Thresholds)
	}
	b, err := Builtin("mixed")
	if err != nil || len(b.Thresholds) != 0 {
		t.Fatalf("built-in mixed has thresholds %v (%v)", b.Thresholds, err)
	}
}

func TestScenarioThresholdErrorsNameLine(t *testing.T) {
	cases := map[string]string{
		"base: mixed\nthresholds:\n  - p95<500ms\n  - p95<fast\n":        `ci.yaml:4:5: thresholds.1: threshold "p95<fast": latency limit "fast" is not a duration`,
		"base: mixed\nthresholds:\n  - p95<500ms\n  - \"p95 < 500ms\"\n": `ci.yaml:4:5: thresholds.1: threshold "p95 < 500ms": p95<500ms is listed twice`,
		"base: mixed\nthresholds: p95<500ms\n":                           "ci.yaml:2",
	}
	for in, want := range cases {
		_, err := Parse([]byte(in), "ci.yaml")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want it to contain %q", in, err, want)
		}
	}
}
