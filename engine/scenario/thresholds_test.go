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

// TestPlainScenarioThresholdGroups: a plain scenario's thresholds may be
// scoped to its requests' groups ("plain" for one naming none); a group its
// traffic has not — an endpoint group included — is refused at its line,
// naming the groups it has. A user-service scenario with requests takes both.
func TestPlainScenarioThresholdGroups(t *testing.T) {
	const plain = "requests:\n  - {name: list_items, path: /items, group: items}\n  - {name: health, path: /health}\nthresholds:\n"
	s, err := Parse([]byte(plain+"  - p95{group=items}<500ms\n  - error_rate{group=plain}<1%\n"), "plain.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if g := s.ThresholdGroups(); strings.Join(g, ",") != "items,plain" || len(s.Thresholds) != 2 || s.Thresholds[0].Scope.Group != "items" {
		t.Fatalf("groups %v, thresholds %+v", g, s.Thresholds)
	}
	for _, bad := range []string{"p95{group=itmes}<500ms", "p95{group=auth}<500ms"} {
		_, err := Parse([]byte(plain+"  - p95<1s\n  - \""+bad+"\"\n"), "plain.yaml")
		want := `plain.yaml:6:5: thresholds.1: threshold "` + bad + `": unknown group "` + strings.TrimSuffix(strings.TrimPrefix(bad, "p95{group="), "}<500ms") + `"; use one of items, plain`
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v; want %q", bad, err, want)
		}
	}
	s, err = Parse([]byte("base: mixed\nrequests:\n  - {name: health, path: /health, group: health}\nthresholds:\n  - p95{group=health}<1s\n  - p95{group=auth}<1s\n"), "mixed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if g := s.ThresholdGroups(); len(g) != 7 || g[6] != "health" {
		t.Errorf("groups %v; want the endpoint groups and health", g)
	}
}
