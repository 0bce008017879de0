// Command host is the test host of the browser end-to-end tests (docs/e2e.md). It is
// for tests and local UI development only, never for production: it stands in for
// the plugin-facing side of a Grafana server, with no authentication of its own.
//
// It launches the built gpx_trafficsim through go-plugin with Grafana's handshake,
// forwards /api/plugins/trafficsim-simulator-app/resources/* to CallResource with the
// signed-in test user's role (the trafficsim_e2e_role cookie the page sets), keeps
// the app's settings (jsonData and write-only secureJsonData, passed on as
// AppInstanceSettings), runs the health check, bridges the plugin's Live streams to
// the page as server-sent events, and serves the built e2e page.
package main

import (
	"context"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/trafficsim/trafficsim/engine/usersvc"
	"github.com/trafficsim/trafficsim/internal/grafanahost"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e host:", err)
		os.Exit(1)
	}
}

func run() error {
	defaultPlugin := filepath.Join("dist", "gpx_trafficsim_"+runtime.GOOS+"_"+runtime.GOARCH)
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on (loopback; port 0 picks a free one)")
	pluginPath := flag.String("plugin", defaultPlugin, "the built plugin backend; the engine must be beside it, as dist/ has it")
	pageDir := flag.String("page", filepath.Join("tests", "e2e", "page", "dist"), "directory of the built e2e page")
	settings := flag.String("settings", `{"maxUsers": 50, "maxConcurrentRuns": 2}`, "initial jsonData of the app (JSON object)")
	role := flag.String("role", "Admin", "role of the test user when the page sets none (None, Viewer, Editor, Admin)")
	flag.Parse()
	if !roles[*role] {
		return fmt.Errorf("-role %q: use one of None, Viewer, Editor, Admin", *role)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	store, err := newSettingsStore(*settings)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	url := "http://" + ln.Addr().String()

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()

	const targetAdminPassword = "e2e-target-admin"
	target, err := usersvc.Start(ctx, usersvc.Config{AdminPassword: targetAdminPassword, BcryptCost: 4}, "127.0.0.1:0")
	if err != nil {
		_ = ln.Close()
		return fmt.Errorf("start the external reference target: %w", err)
	}
	defer target.Close()
	tlsTarget, caCert, err := startTLSTarget(targetAdminPassword)
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer tlsTarget.Close()

	p, err := grafanahost.Launch(*pluginPath, url+"/", hclog.New(&hclog.LoggerOptions{Name: "plugin", Level: hclog.Info, Output: os.Stderr}))
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer p.Kill()
	go watchPlugin(ctx, p, cancel, log)

	srv := &http.Server{
		Handler: (&server{plugin: p, settings: store, pageDir: *pageDir, defaultRole: *role, log: log,
			target: targetInfo{URL: target.URL, AdminPassword: targetAdminPassword, TLSURL: tlsTarget.URL, CACert: caCert}}).routes(),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	// The e2e runner reads this line to learn the address.
	fmt.Printf("e2e host listening on %s\n", url)

	select {
	case <-ctx.Done():
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("stopping: plugin and engine shut down")
	shutdownCtx, done := context.WithTimeout(context.Background(), 3*time.Second)
	defer done()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		log.Warn("http shutdown", "err", err)
	}
	return nil
}

// startTLSTarget serves a reference user service over HTTPS on loopback with
// httptest's certificate (for 127.0.0.1), which no system trusts: only its own
// PEM, returned as the CA, verifies it.
func startTLSTarget(adminPassword string) (*httptest.Server, string, error) {
	svc, err := usersvc.New(usersvc.Config{AdminPassword: adminPassword, BcryptCost: 4})
	if err != nil {
		return nil, "", fmt.Errorf("start the external HTTPS reference target: %w", err)
	}
	srv := httptest.NewUnstartedServer(svc.Handler())
	srv.EnableHTTP2 = true
	srv.StartTLS()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	return srv, string(ca), nil
}
