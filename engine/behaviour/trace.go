package behaviour

import (
	"github.com/trafficsim/trafficsim/engine/client"
	"github.com/trafficsim/trafficsim/engine/tracing"
)

// traceStart gives the VU's next request its trace context, beginning the
// session's trace if needed; nil with tracing off.
func (v *VU) traceStart(group, method, route string) *tracing.Request {
	t := v.r.tracer
	if t == nil {
		return nil
	}
	if v.tsess == nil {
		v.tsess = &tracing.Session{}
	}
	if !v.tsess.Active() {
		arch := ""
		if v.arch != nil {
			arch = v.arch.Name
		}
		t.Begin(v.tsess, v.idx, arch)
	}
	return v.tsess.Start(v.step, group, method, route)
}

// traceFinish ends a request's span and returns the trace id for the latency
// exemplar ("" when not exported).
func (v *VU) traceFinish(q *tracing.Request, res *client.Result) string {
	if q == nil {
		return ""
	}
	v.tsess.Finish(q, res.Status, res.ErrKind)
	return v.tsess.ExportedTraceID()
}

// traceEndSession ends the VU session's trace; the next request begins another.
func (v *VU) traceEndSession() {
	if v.tsess != nil {
		v.tsess.End()
	}
}
