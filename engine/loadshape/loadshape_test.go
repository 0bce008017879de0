package loadshape

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestParseStages(t *testing.T) {
	got, err := ParseStages("30s:100, 1m:500,30s:0")
	if err != nil {
		t.Fatal(err)
	}
	want := []Stage{{30 * time.Second, 100}, {time.Minute, 500}, {30 * time.Second, 0}}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("stage %d = %v, want %v", i, got[i], want[i])
		}
	}
	for _, tc := range []struct{ in, msg string }{
		{"", "empty"},
		{"30s", "DURATION:TARGET"},
		{"30x:10", `duration "30x"`},
		{"-1s:10", "duration"},
		{"30s:-1", "whole number"},
		{"30s:1.5", "whole number"},
		{"30s:10000001", "0 to 10000000"},
		{"30s:10,abc", "stage 2"},
		{"200h:1", "more than"},
	} {
		_, err := ParseStages(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("ParseStages(%q) = %v, want an error with %q", tc.in, err, tc.msg)
		}
	}
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]float64{"300/s": 300, "90/m": 1.5, "12": 12, "0.5/s": 0.5, " 60 / min ": 1} {
		got, err := ParseRate(in)
		if err != nil || math.Abs(got-want) > 1e-12 {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x/s", "10/h", "-1/s", "NaN/s", "2000000/s"} {
		if _, err := ParseRate(in); err == nil {
			t.Errorf("ParseRate(%q): no error", in)
		}
	}
	st, err := ParseRateStages("30s:10/s,1m:120/m")
	if err != nil || len(st) != 2 || st[0].Target != 10 || st[1].Target != 2 {
		t.Errorf("ParseRateStages = %v, %v", st, err)
	}
	if _, err := ParseRateStages("30s:10/h"); err == nil || !strings.Contains(err.Error(), "stage 1") {
		t.Errorf("ParseRateStages with a bad unit: %v", err)
	}
}

func TestRampAt(t *testing.T) {
	r := Ramp{Stages: []Stage{{10 * time.Second, 100}, {0, 50}, {10 * time.Second, 50}, {10 * time.Second, 0}}}
	for _, tc := range []struct {
		t     time.Duration
		v     float64
		stage int
	}{
		{-time.Second, 0, -1}, {0, 0, 0}, {5 * time.Second, 50, 0}, {10 * time.Second, 50, 2},
		{15 * time.Second, 50, 2}, {25 * time.Second, 25, 3}, {30 * time.Second, 0, 4}, {time.Hour, 0, 4},
	} {
		v, s := r.At(tc.t)
		if math.Abs(v-tc.v) > 1e-9 || s != tc.stage {
			t.Errorf("At(%v) = %v, stage %d; want %v, stage %d", tc.t, v, s, tc.v, tc.stage)
		}
	}
	if r.Total() != 30*time.Second || r.Max() != 100 {
		t.Errorf("Total %v Max %v", r.Total(), r.Max())
	}
}

func TestRampIntegral(t *testing.T) {
	// 0→10/s over 10s (50 arrivals), then 10/s for 5s (50), then 10→0 over 10s (50).
	r := Ramp{Stages: []Stage{{10 * time.Second, 10}, {5 * time.Second, 10}, {10 * time.Second, 0}}}
	for _, tc := range []struct {
		t    time.Duration
		want float64
	}{
		{0, 0}, {2 * time.Second, 2}, {10 * time.Second, 50}, {12 * time.Second, 70},
		{15 * time.Second, 100}, {20 * time.Second, 137.5}, {25 * time.Second, 150}, {time.Minute, 150},
	} {
		if got := r.Integral(tc.t); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("Integral(%v) = %v, want %v", tc.t, got, tc.want)
		}
	}
}

func TestPacerConstant(t *testing.T) {
	p := NewPacer(Ramp{Start: 10}, 2*time.Second)
	for n, want := range map[int64]time.Duration{0: 0, 1: 100 * time.Millisecond, 7: 700 * time.Millisecond, 19: 1900 * time.Millisecond} {
		got, err := p.HitAt(n)
		if err != nil || absDur(got-want) > time.Microsecond {
			t.Errorf("HitAt(%d) = %v, %v; want %v", n, got, err, want)
		}
	}
	if _, err := p.HitAt(20); !errors.Is(err, ErrNoMoreHits) {
		t.Errorf("HitAt(20) at the end: %v, want ErrNoMoreHits", err)
	}
	if got := countHits(p); got != 20 {
		t.Errorf("10/s for 2s gave %d hits, want 20", got)
	}
	for tt, want := range map[time.Duration]int64{0: 1, 99 * time.Millisecond: 1, 100 * time.Millisecond: 2, 1999 * time.Millisecond: 20, time.Hour: 20} {
		if got := p.Hits(tt); got != want {
			t.Errorf("Hits(%v) = %d, want %d", tt, got, want)
		}
	}
}

func TestPacerRamp(t *testing.T) {
	// 0→10/s over 10s: Integral = t²/2, so hit n is at √(2n) s, 50 hits in all.
	p := NewPacer(Ramp{Stages: []Stage{{10 * time.Second, 10}}}, 0)
	for _, n := range []int64{0, 1, 2, 8, 18, 32, 49} {
		got, err := p.HitAt(n)
		want := time.Duration(math.Sqrt(2*float64(n)) * float64(time.Second))
		if err != nil || absDur(got-want) > time.Microsecond {
			t.Errorf("HitAt(%d) = %v, %v; want %v", n, got, err, want)
		}
	}
	if got := countHits(p); got != 50 {
		t.Errorf("ramp gave %d hits, want 50", got)
	}
	// Ramp down 10→0 over 10s: 50 hits too, ever sparser.
	down := NewPacer(Ramp{Start: 10, Stages: []Stage{{10 * time.Second, 0}}}, 0)
	if got := countHits(down); got != 50 {
		t.Errorf("ramp down gave %d hits, want 50", got)
	}
	a, _ := down.HitAt(1)
	b, _ := down.HitAt(48)
	c, _ := down.HitAt(49)
	if a >= 110*time.Millisecond || c-b <= 500*time.Millisecond {
		t.Errorf("ramp down spacing: hit 1 at %v, hits 48→49 %v apart", a, c-b)
	}
}

func TestPacerStagesAndHolds(t *testing.T) {
	// A jump to 100/s, 1s at 100/s (100 hits), a zero-rate pause of 2s, then 20/s for 1s.
	r := Ramp{Stages: []Stage{{0, 100}, {time.Second, 100}, {0, 0}, {2 * time.Second, 0}, {0, 20}, {time.Second, 20}}}
	p := NewPacer(r, 0)
	if got := countHits(p); got != 120 {
		t.Errorf("got %d hits, want 120", got)
	}
	h, err := p.HitAt(100)
	if err != nil || absDur(h-3*time.Second) > time.Microsecond {
		t.Errorf("first hit after the pause at %v (%v), want 3s", h, err)
	}
	// Hits are monotonic and each one is at or after the Integral reaching n.
	var prev time.Duration
	for n := int64(0); n < 120; n++ {
		at, err := p.HitAt(n)
		if err != nil || at < prev {
			t.Fatalf("hit %d at %v after %v (%v)", n, at, prev, err)
		}
		if got := r.Integral(at); math.Abs(got-float64(n)) > 1e-6 {
			t.Errorf("Integral(HitAt(%d)) = %v", n, got)
		}
		prev = at
	}
	// No stages and no end: a constant rate forever; a zero rate never hits.
	if at, err := NewPacer(Ramp{Start: 300}, 0).HitAt(6000); err != nil || absDur(at-20*time.Second) > time.Microsecond {
		t.Errorf("300/s hit 6000 at %v, %v; want 20s", at, err)
	}
	if _, err := NewPacer(Ramp{}, 0).HitAt(0); !errors.Is(err, ErrNoMoreHits) {
		t.Errorf("zero rate: %v", err)
	}
}

func countHits(p *Pacer) int64 {
	var n int64
	for {
		if _, err := p.HitAt(n); err != nil {
			return n
		}
		n++
	}
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// The plugin reads and shows the load model in the command line's words.
func TestLoadTextRoundTrips(t *testing.T) {
	st, err := ParseStages("30s:100, 1m:500,30s:0")
	if err != nil || FormatStages(st, false) != "30s:100,1m0s:500,30s:0" {
		t.Fatalf("ParseStages = %v, %v; formatted %q", st, err, FormatStages(st, false))
	}
	rs, err := ParseRateStages("30s:90/m,1m:100/s")
	if err != nil || FormatStages(rs, true) != "30s:1.5/s,1m0s:100/s" {
		t.Fatalf("ParseRateStages = %v, %v; formatted %q", rs, err, FormatStages(rs, true))
	}
	if r, err := ParseRate("90/m"); err != nil || r != 1.5 || FormatRate(r) != "1.5/s" {
		t.Fatalf("ParseRate(90/m) = %v, %v", r, err)
	}
	for _, bad := range []string{"30s100", "30s:-1", "x:10"} {
		if _, err := ParseStages(bad); err == nil || !strings.Contains(err.Error(), "stage 1") {
			t.Errorf("ParseStages(%q) error = %v; want one naming the stage", bad, err)
		}
	}
}
