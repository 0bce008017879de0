// Package usersvc is the reference user service trafficsim drives (docs/api.md): JWT
// authentication with refresh-token rotation, users, profiles, roles, permissions and
// role assignment in an in-memory store, Prometheus metrics, and fault injection
// (errors, latency, rate limits) for exercising clients and dashboards.
package usersvc

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/crypto/bcrypt"

	"github.com/trafficsim/trafficsim/engine/usersvc/store"
	"github.com/trafficsim/trafficsim/engine/usersvc/ttlcache"
)

// Defaults of Config.
const (
	// DefaultBcryptCost keeps a login near 15 ms of one core's time, so a laptop
	// serves thousands of logins a minute (docs/target.md has the measurements);
	// production services use 10 or more.
	DefaultBcryptCost      = 8
	DefaultAccessTokenTTL  = 15 * time.Minute
	DefaultRefreshTokenTTL = 24 * time.Hour
	DefaultAdminPassword   = "admin"
)

// shutdownGrace is how long Serve lets in-flight requests finish after its context
// ends before closing their connections.
const shutdownGrace = 5 * time.Second

// Config configures a Service. The zero value is usable.
type Config struct {
	AdminPassword   string        // the seeded admin's password; "" → "admin"
	BcryptCost      int           // 0 → DefaultBcryptCost; else 4–31
	AccessTokenTTL  time.Duration // 0 → 15m
	RefreshTokenTTL time.Duration // 0 → 24h
	JWTSecret       []byte        // nil → random per process
	Faults          Faults
	Logger          *slog.Logger // nil → discard
	// Tracer continues callers' W3C traces with a server span per request and
	// puts their trace ids on the duration histograms as exemplars (nil: off).
	Tracer trace.Tracer
}

// Service is the user service: an http.Handler with its own metrics registry.
type Service struct {
	cfg     Config
	log     *slog.Logger
	store   store.Store
	reg     *prometheus.Registry
	metrics *metrics
	router  *router
	faults  atomic.Pointer[faultState]

	parser        *jwt.Parser
	refreshTokens *ttlcache.Cache[int64]    // refresh token → user id
	revoked       *ttlcache.Cache[struct{}] // revoked access-token ids, until they expire anyway
	verified      *ttlcache.Cache[verifiedToken]
	secretKey     any    // cfg.JWTSecret, boxed once for the key function
	dummyHash     []byte // compared against for unknown users, so timing does not tell
	hashes        *hashPool
	tracer        trace.Tracer
	debugReq      bool          // --log-level debug: sampled request lines (reqlog.go)
	reqSeq        atomic.Uint64 // requests seen, for the sampling

	draining atomic.Bool
}

// New builds a Service from cfg, hashing the admin password at the configured cost.
func New(cfg Config) (*Service, error) {
	if cfg.AdminPassword == "" {
		cfg.AdminPassword = DefaultAdminPassword
	}
	if cfg.BcryptCost == 0 {
		cfg.BcryptCost = DefaultBcryptCost
	}
	if cfg.BcryptCost < bcrypt.MinCost || cfg.BcryptCost > bcrypt.MaxCost {
		return nil, fmt.Errorf("bcrypt cost %d: must be %d–%d", cfg.BcryptCost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	if cfg.AccessTokenTTL == 0 {
		cfg.AccessTokenTTL = DefaultAccessTokenTTL
	}
	if cfg.RefreshTokenTTL == 0 {
		cfg.RefreshTokenTTL = DefaultRefreshTokenTTL
	}
	if cfg.AccessTokenTTL < 0 || cfg.RefreshTokenTTL < 0 {
		return nil, fmt.Errorf("token lifetimes must be positive (access %v, refresh %v)", cfg.AccessTokenTTL, cfg.RefreshTokenTTL)
	}
	if len(cfg.AdminPassword) > 72 {
		return nil, errors.New("admin password: must be at most 72 bytes (the bcrypt limit)")
	}
	if cfg.JWTSecret == nil {
		cfg.JWTSecret = make([]byte, 32)
		_, _ = rand.Read(cfg.JWTSecret) // crypto/rand.Read never fails
	} else if len(cfg.JWTSecret) < 32 {
		return nil, fmt.Errorf("JWT secret: %d bytes is too short for HS256; use at least 32", len(cfg.JWTSecret))
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if err := cfg.Faults.Validate(); err != nil {
		return nil, err
	}
	adminHash, err := bcrypt.GenerateFromPassword([]byte(cfg.AdminPassword), cfg.BcryptCost)
	if err != nil {
		return nil, fmt.Errorf("hash the admin password: %w", err)
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte(rand.Text()), cfg.BcryptCost)
	if err != nil {
		return nil, fmt.Errorf("hash the timing-equaliser password: %w", err)
	}
	s := &Service{
		cfg:           cfg,
		log:           cfg.Logger,
		store:         store.NewMemory(adminHash),
		reg:           prometheus.NewRegistry(),
		parser:        jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithExpirationRequired()),
		refreshTokens: ttlcache.New[int64](),
		revoked:       ttlcache.New[struct{}](),
		verified:      ttlcache.New[verifiedToken](),
		secretKey:     cfg.JWTSecret,
		dummyHash:     dummy,
		hashes:        newHashPool(cfg.BcryptCost),
		tracer:        cfg.Tracer,
		debugReq:      cfg.Logger.Enabled(context.Background(), slog.LevelDebug),
	}
	s.metrics = newMetrics(s.reg, s)
	s.router = newRouter(s.routes(), s.metrics)
	if err := s.SetFaults(cfg.Faults); err != nil {
		return nil, err
	}
	return s, nil
}

// Handler serves the 33 API routes plus /healthz, /metrics and /admin/faults.
func (s *Service) Handler() http.Handler { return s }

// Registry is the service's own metrics registry, served on its /metrics.
func (s *Service) Registry() *prometheus.Registry { return s.reg }

// routes is the route table of docs/api.md.
func (s *Service) routes() []*route {
	metricsHandler := promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{EnableOpenMetrics: true, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelError)})
	roles, perms := s.rolesCRUD(), s.permissionsCRUD()
	return []*route{
		{method: "POST", pattern: "/api/v1/auth/login", group: gAuth, access: public, h: s.login},
		{method: "POST", pattern: "/api/v1/auth/logout", group: gAuth, access: signedIn, h: s.logout},
		{method: "POST", pattern: "/api/v1/auth/refresh", group: gAuth, access: public, h: s.refresh},
		{method: "POST", pattern: "/api/v1/auth/me", group: gAuth, access: signedIn, h: s.me},

		{method: "GET", pattern: "/api/v1/users", group: gUsers, access: signedIn, h: s.listUsers},
		{method: "GET", pattern: "/api/v1/users/search", group: gUsers, access: signedIn, h: s.searchUsers},
		{method: "GET", pattern: "/api/v1/users/{id}", group: gUsers, access: signedIn, h: s.getUser},
		{method: "GET", pattern: "/api/v1/users/email/{email}", group: gUsers, access: signedIn, h: s.getUserByEmail},
		{method: "GET", pattern: "/api/v1/users/username/{username}", group: gUsers, access: signedIn, h: s.getUserByUsername},
		{method: "POST", pattern: "/api/v1/users", group: gUsers, access: public, h: s.createUser},
		{method: "PUT", pattern: "/api/v1/users/{id}", group: gUsers, access: signedIn, h: s.updateUser},
		{method: "DELETE", pattern: "/api/v1/users/{id}", group: gUsers, access: adminOnly, h: s.deleteUser},
		{method: "PUT", pattern: "/api/v1/users/{id}/activate", group: gUsers, access: adminOnly, h: s.activateUser},
		{method: "PUT", pattern: "/api/v1/users/{id}/deactivate", group: gUsers, access: adminOnly, h: s.deactivateUser},
		{method: "PUT", pattern: "/api/v1/users/{id}/change-password", group: gUsers, access: signedIn, h: s.changePassword},
		{method: "PUT", pattern: "/api/v1/users/{id}/reset-password", group: gUsers, access: adminOnly, h: s.resetPassword},

		{method: "POST", pattern: "/api/v1/users/{userId}/profile", group: gProfiles, access: signedIn, h: s.createProfile},
		{method: "GET", pattern: "/api/v1/users/{userId}/profile", group: gProfiles, access: signedIn, h: s.getProfile},
		{method: "PUT", pattern: "/api/v1/users/{userId}/profile", group: gProfiles, access: signedIn, h: s.updateProfile},
		{method: "DELETE", pattern: "/api/v1/users/{userId}/profile", group: gProfiles, access: signedIn, h: s.deleteProfile},

		{method: "GET", pattern: "/api/v1/roles", group: gRoles, access: signedIn, h: roles.handleList},
		{method: "POST", pattern: "/api/v1/roles", group: gRoles, access: adminOnly, h: roles.handleCreate},
		{method: "GET", pattern: "/api/v1/roles/{id}", group: gRoles, access: signedIn, h: roles.handleGet},
		{method: "PUT", pattern: "/api/v1/roles/{id}", group: gRoles, access: adminOnly, h: roles.handleUpdate},
		{method: "DELETE", pattern: "/api/v1/roles/{id}", group: gRoles, access: adminOnly, h: roles.handleDelete},

		{method: "GET", pattern: "/api/v1/permissions", group: gPermissions, access: signedIn, h: perms.handleList},
		{method: "POST", pattern: "/api/v1/permissions", group: gPermissions, access: adminOnly, h: perms.handleCreate},
		{method: "GET", pattern: "/api/v1/permissions/{id}", group: gPermissions, access: signedIn, h: perms.handleGet},
		{method: "PUT", pattern: "/api/v1/permissions/{id}", group: gPermissions, access: adminOnly, h: perms.handleUpdate},
		{method: "DELETE", pattern: "/api/v1/permissions/{id}", group: gPermissions, access: adminOnly, h: perms.handleDelete},

		{method: "GET", pattern: "/api/v1/users/{userId}/roles", group: gUserRoles, access: signedIn, h: s.listUserRoles},
		{method: "POST", pattern: "/api/v1/users/{userId}/roles/{roleId}", group: gUserRoles, access: adminOnly, h: s.assignRole},
		{method: "DELETE", pattern: "/api/v1/users/{userId}/roles/{roleId}", group: gUserRoles, access: adminOnly, h: s.revokeRole},

		{method: "GET", pattern: "/healthz", group: noGroup, access: public, h: func(w http.ResponseWriter, _ *http.Request, _ caller) error {
			writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
			return nil
		}},
		{method: "GET", pattern: "/metrics", group: noGroup, access: public, h: func(w http.ResponseWriter, r *http.Request, _ caller) error {
			metricsHandler.ServeHTTP(w, r)
			return nil
		}},
		{method: "GET", pattern: "/admin/faults", group: noGroup, access: adminOnly, h: s.getFaults},
		{method: "PUT", pattern: "/admin/faults", group: noGroup, access: adminOnly, h: s.putFaults},
	}
}

func (s *Service) getFaults(w http.ResponseWriter, _ *http.Request, _ caller) error {
	writeJSON(w, http.StatusOK, s.Faults())
	return nil
}

func (s *Service) putFaults(w http.ResponseWriter, r *http.Request, c caller) error {
	var f Faults
	if err := decodeBody(w, r, &f); err != nil {
		return err
	}
	if err := s.SetFaults(f); err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			return validationError(ve.Fields)
		}
		return err
	}
	s.log.Info("fault settings replaced", "by", c.Username, "error_rate", f.ErrorRate, "latency_ms", f.LatencyMs,
		"latency_jitter_ms", f.LatencyJitterMs, "rate_limit_rps", f.RateLimitRPS, "groups", len(f.Groups))
	writeJSON(w, http.StatusOK, s.Faults())
	return nil
}

// Serve answers HTTP on ln until ctx ends, then shuts down gracefully: new requests
// get 503, in-flight ones have a few seconds to finish. It returns nil after a clean
// shutdown.
func (s *Service) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve HTTP on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	s.draining.Store(true)
	defer s.draining.Store(false)
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("shut down HTTP server on %s: %w", ln.Addr(), err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve HTTP on %s: %w", ln.Addr(), err)
	}
	return nil
}

// Running is a Service serving on a listener, from Start.
type Running struct {
	Service *Service
	URL     string // http://host:port, no trailing slash

	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

// Start builds a Service, listens on addr ("127.0.0.1:0" picks a free port) and serves
// until ctx ends or Close is called.
func Start(ctx context.Context, cfg Config, addr string) (*Running, error) {
	s, err := New(cfg)
	if err != nil {
		return nil, fmt.Errorf("configure user service: %w", err)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &Running{Service: s, URL: "http://" + ln.Addr().String(), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.err = s.Serve(ctx, ln)
	}()
	return r, nil
}

// Close shuts the service down gracefully and returns Serve's error.
func (r *Running) Close() error {
	r.cancel()
	<-r.done
	return r.err
}

// Done is closed when the service has stopped, by Close or because its context ended.
func (r *Running) Done() <-chan struct{} { return r.done }
