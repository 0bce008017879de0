package usersvc

import (
	"cmp"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/trafficsim/trafficsim/engine/usersvc/store"
)

// Route group indexes, in the order of Groups; noGroup routes get no faults.
const (
	gAuth = iota
	gUsers
	gProfiles
	gRoles
	gPermissions
	gUserRoles
	noGroup = -1
)

// access is who may call a route at all; finer rules (the user itself or an admin)
// live in the handlers.
type access uint8

const (
	public access = iota
	signedIn
	adminOnly
)

// caller is the authenticated principal of a request, zero on public routes.
type caller struct {
	store.Principal
	jti     string
	expires time.Time
}

type handlerFunc func(w http.ResponseWriter, r *http.Request, c caller) error

// route is one method + path template. The service uses its own small router rather
// than http.ServeMux: the API's templates overlap in ways ServeMux refuses
// (/users/email/{email} against /users/{userId}/roles), and every answer, 404 and 405
// included, must be the JSON error shape.
type route struct {
	method   string
	pattern  string
	group    int
	access   access
	h        handlerFunc
	segs     []string
	duration prometheus.Observer
}

type router struct {
	bySegs [][]*route // routes indexed by segment count, most specific first
}

func newRouter(routes []*route, m *metrics) *router {
	rt := &router{}
	for _, r := range routes {
		r.segs = strings.Split(strings.TrimPrefix(r.pattern, "/"), "/")
		r.duration = m.duration.WithLabelValues(r.method, r.pattern)
		for len(rt.bySegs) <= len(r.segs) {
			rt.bySegs = append(rt.bySegs, nil)
		}
		rt.bySegs[len(r.segs)] = append(rt.bySegs[len(r.segs)], r)
	}
	for _, rs := range rt.bySegs {
		// A literal segment beats a parameter at the first place two templates differ,
		// as in ServeMux: /users/search before /users/{id}.
		slices.SortStableFunc(rs, func(a, b *route) int {
			for i := range a.segs {
				if pa, pb := isParam(a.segs[i]), isParam(b.segs[i]); pa != pb {
					if pa {
						return 1
					}
					return -1
				}
			}
			return cmp.Compare(a.pattern, b.pattern)
		})
	}
	return rt
}

func isParam(seg string) bool { return strings.HasPrefix(seg, "{") }

// match finds the route for r and sets its path values. When the path exists only
// for other methods it returns those methods instead.
func (rt *router) match(r *http.Request) (*route, []string) {
	path := r.URL.Path
	if !strings.HasPrefix(path, "/") {
		return nil, nil
	}
	n := strings.Count(path, "/")
	if n >= len(rt.bySegs) {
		return nil, nil
	}
	var allow []string
	for _, rte := range rt.bySegs[n] {
		if !rte.matches(path) {
			continue
		}
		if rte.method != r.Method {
			allow = append(allow, rte.method)
			continue
		}
		rte.setPathValues(r, path)
		return rte, nil
	}
	return nil, allow
}

func (rte *route) matches(path string) bool {
	p := path[1:]
	for _, seg := range rte.segs {
		part := p
		if j := strings.IndexByte(p, '/'); j >= 0 {
			part, p = p[:j], p[j+1:]
		}
		if isParam(seg) {
			if part == "" {
				return false
			}
		} else if seg != part {
			return false
		}
	}
	return true
}

func (rte *route) setPathValues(r *http.Request, path string) {
	p := path[1:]
	for _, seg := range rte.segs {
		part := p
		if j := strings.IndexByte(p, '/'); j >= 0 {
			part, p = p[:j], p[j+1:]
		}
		if isParam(seg) {
			r.SetPathValue(seg[1:len(seg)-1], part)
		}
	}
}

// statusText holds status codes as label values, so recording one never allocates.
var statusText = func() (t [600]string) {
	for i := range t {
		t[i] = strconv.Itoa(i)
	}
	return t
}()

// knownMethods bounds the method label of unmatched requests.
var knownMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

// recorder remembers the status a handler wrote.
type recorder struct {
	http.ResponseWriter
	status int
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

var recorders = sync.Pool{New: func() any { return new(recorder) }}

// ServeHTTP routes, applies faults and authentication, and records metrics.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := recorders.Get().(*recorder)
	rec.ResponseWriter, rec.status = w, 0
	rte, allow := s.router.match(r)
	r, span := s.startSpan(r, rte) // tracing.go; r unchanged without a tracer
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic while handling a request", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			if rec.status == 0 {
				writeError(rec, errInternal)
			}
		}
		s.observe(r, rte, rec.status, start, span)
		rec.ResponseWriter = nil
		recorders.Put(rec)
	}()
	if err := s.serve(rec, r, rte, allow); err != nil {
		s.answerError(rec, r, err)
	}
}

func (s *Service) serve(w http.ResponseWriter, r *http.Request, rte *route, allow []string) error {
	if s.draining.Load() {
		w.Header().Set("Connection", "close")
		return errDraining
	}
	if rte == nil {
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			return newError(http.StatusMethodNotAllowed, "method_not_allowed",
				r.Method+" is not allowed here; use "+strings.Join(allow, " or "))
		}
		return errRouteUnknown
	}
	if rte.group != noGroup {
		if e := s.injectFaults(r.Context(), rte.group); e != nil {
			return e
		}
	}
	var c caller
	if rte.access != public {
		var err error
		if c, err = s.authenticate(r); err != nil {
			return err
		}
		if rte.access == adminOnly && !c.Admin {
			return errAdminOnly
		}
	}
	return rte.h(w, r, c)
}

func (s *Service) answerError(w http.ResponseWriter, r *http.Request, err error) {
	e := asAPIError(err)
	if e == nil {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		e = errInternal
	}
	writeError(w, e)
}

func (s *Service) observe(r *http.Request, rte *route, status int, start time.Time, span trace.Span) {
	if status == 0 {
		status = http.StatusOK // nothing written: net/http answers 200
	}
	took := time.Since(start)
	secs := took.Seconds()
	traceID := endSpan(span, status)
	if s.debugReq {
		route := "unmatched"
		if rte != nil {
			route = rte.pattern
		}
		s.logRequest(r, route, status, took, traceID)
	}
	code := "other"
	if status < len(statusText) {
		code = statusText[status]
	}
	if rte != nil {
		observeDuration(rte.duration, secs, traceID)
		s.metrics.requests.WithLabelValues(rte.method, rte.pattern, code).Inc()
		return
	}
	method := "OTHER"
	if slices.Contains(knownMethods, r.Method) {
		method = r.Method
	}
	observeDuration(s.metrics.duration.WithLabelValues(method, "unmatched"), secs, traceID)
	s.metrics.requests.WithLabelValues(method, "unmatched", code).Inc()
}
