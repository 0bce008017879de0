package behaviour

import (
	"context"
	"log/slog"

	"github.com/trafficsim/trafficsim/engine/client"
)

// reqLogEvery samples the per-request debug lines: a VU's first request and
// every reqLogEvery-th after it, and every request with no answer.
const reqLogEvery = 100

// debugRequests reports whether per-request lines are wanted (--log-level
// debug); asked once per run so the hot path pays a field load.
func (r *Shared) debugRequests() bool {
	return r.log.Enabled(context.Background(), slog.LevelDebug)
}

// logRequest writes the sampled debug line of a request the VU just sent.
func (v *VU) logRequest(group, method, route string, res *client.Result) {
	if v.sent%reqLogEvery != 1 && res.ErrKind == "" {
		return
	}
	arch := ""
	if v.arch != nil {
		arch = v.arch.Name
	}
	attrs := []slog.Attr{slog.Int("vu", v.idx), slog.String("archetype", arch), slog.String("group", group),
		slog.String("method", method), slog.String("route", route), slog.Int("status", res.Status),
		slog.Duration("latency", res.Latency), slog.String("error", res.ErrKind)}
	if res.Err != nil { // the failure itself, not only its kind
		attrs = append(attrs, slog.String("cause", res.Err.Error()))
	}
	v.r.log.LogAttrs(context.Background(), slog.LevelDebug, "request", attrs...)
}
