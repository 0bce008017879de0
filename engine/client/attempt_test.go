package client

import (
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"3", 3 * time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"0", 0, true},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{"", 0, false},
		{"Tue, 24 Nov 2026 09:00:05 GMT", 5 * time.Second, true},
		{"Tuesday, 24-Nov-26 09:01:00 GMT", time.Minute, true}, // RFC 850
		{"Tue Nov 24 09:00:10 2026", 10 * time.Second, true},   // asctime
		{"Tue, 24 Nov 2026 08:59:00 GMT", 0, true},             // in the past
		{"99999999999", 24 * time.Hour, true},                  // bounded
	} {
		got, ok := ParseRetryAfter(c.v, now)
		if got != c.want || ok != c.ok {
			t.Errorf("ParseRetryAfter(%q) = %s, %v; want %s, %v", c.v, got, ok, c.want, c.ok)
		}
	}
}
