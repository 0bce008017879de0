package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"

	"github.com/trafficsim/trafficsim/internal/grafanahost"
)

const (
	pluginID = "trafficsim-simulator-app"
	// roleCookie names the signed-in test user's org role; the page sets it from
	// its ?role= query so a spec can be Viewer, Editor or Admin.
	roleCookie = "trafficsim_e2e_role"
	// maxBody bounds request bodies the host reads (settings, resource calls).
	maxBody = 1 << 20
)

var roles = map[string]bool{"None": true, "Viewer": true, "Editor": true, "Admin": true}

// server stands in for the plugin-facing side of a Grafana server.
type server struct {
	plugin      *grafanahost.Plugin
	settings    *settingsStore
	pageDir     string
	defaultRole string
	log         *slog.Logger
	target      targetInfo // an external reference target the specs may aim runs at
}

// targetInfo is GET /e2e/target: a reference user service on loopback, outside the
// plugin, with an admin password the specs know (leftovers spec: a wrong one in the
// app settings leaves records behind).
type targetInfo struct {
	URL           string `json:"url"`
	AdminPassword string `json:"adminPassword"`
	// TLSURL is a second reference target over HTTPS (HTTP/2 on) whose
	// certificate only CACert (PEM) verifies: the target-TLS spec.
	TLSURL string `json:"tlsUrl"`
	CACert string `json:"caCert"`
}

func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	base := "/api/plugins/" + pluginID
	mux.HandleFunc("GET "+base+"/settings", s.getSettings)
	mux.HandleFunc("POST "+base+"/settings", s.postSettings)
	mux.HandleFunc("GET "+base+"/health", s.health)
	mux.HandleFunc(base+"/resources/{path...}", s.resource)
	// Grafana Live's channel plugin/<id>/<path> as server-sent events.
	mux.HandleFunc("GET /api/live/sse/plugin/"+pluginID+"/{path...}", s.live)
	mux.HandleFunc("GET /e2e/target", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(s.target)
	})
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeMessage(w, http.StatusNotFound, "the e2e host does not serve "+r.URL.Path)
	})
	mux.HandleFunc("/", s.page)
	return mux
}

// user is the signed-in test user; its role comes from the page's cookie.
func (s *server) user(r *http.Request) (*pluginv2.User, error) {
	role := s.defaultRole
	if c, err := r.Cookie(roleCookie); err == nil && c.Value != "" {
		role = c.Value
	}
	if !roles[role] {
		return nil, fmt.Errorf("role %q: use one of None, Viewer, Editor, Admin", role)
	}
	login := "e2e-" + strings.ToLower(role)
	return &pluginv2.User{Login: login, Name: "E2E " + role, Email: login + "@example.test", Role: role}, nil
}

func (s *server) pluginContext(u *pluginv2.User) *pluginv2.PluginContext {
	return &pluginv2.PluginContext{OrgId: 1, PluginId: pluginID, User: u, AppInstanceSettings: s.settings.instanceSettings()}
}

func (s *server) getSettings(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.settings.view())
}

func (s *server) postSettings(w http.ResponseWriter, r *http.Request) {
	u, err := s.user(r)
	if err != nil {
		writeMessage(w, http.StatusBadRequest, err.Error())
		return
	}
	// Grafana lets only org Admins change an app's settings.
	if u.Role != "Admin" {
		writeMessage(w, http.StatusForbidden, "Permission denied: changing the app's settings needs the Admin role")
		return
	}
	var upd settingsUpdate
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	if err := dec.Decode(&upd); err != nil {
		writeMessage(w, http.StatusBadRequest, "settings body: "+err.Error())
		return
	}
	if err := s.settings.update(upd); err != nil {
		writeMessage(w, http.StatusBadRequest, err.Error())
		return
	}
	s.log.Info("app settings saved", "secrets", len(s.settings.view().SecureJSONFields))
	writeMessage(w, http.StatusOK, "Plugin settings updated")
}

func (s *server) health(w http.ResponseWriter, r *http.Request) {
	u, err := s.user(r)
	if err != nil {
		writeMessage(w, http.StatusBadRequest, err.Error())
		return
	}
	res, err := s.plugin.Diagnostics.CheckHealth(r.Context(), &pluginv2.CheckHealthRequest{PluginContext: s.pluginContext(u)})
	if err != nil {
		writeMessage(w, http.StatusInternalServerError, "plugin health check failed: "+err.Error())
		return
	}
	body := map[string]any{"status": res.Status.String(), "message": res.Message}
	if len(res.JsonDetails) > 0 {
		body["details"] = json.RawMessage(res.JsonDetails)
	}
	code := http.StatusOK
	if res.Status != pluginv2.CheckHealthResponse_OK {
		code = http.StatusServiceUnavailable // as Grafana answers a failed check
	}
	writeJSON(w, code, body)
}

// resource forwards one HTTP call to the plugin's CallResource.
func (s *server) resource(w http.ResponseWriter, r *http.Request) {
	u, err := s.user(r)
	if err != nil {
		writeMessage(w, http.StatusBadRequest, err.Error())
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeMessage(w, http.StatusBadRequest, "request body: "+err.Error())
		return
	}
	path := r.PathValue("path")
	url := "/" + path
	if r.URL.RawQuery != "" {
		url += "?" + r.URL.RawQuery
	}
	headers := map[string]*pluginv2.StringList{}
	for _, h := range []string{"Content-Type", "Accept"} {
		if v := r.Header.Values(h); len(v) > 0 {
			headers[h] = &pluginv2.StringList{Values: v}
		}
	}
	stream, err := s.plugin.Resource.CallResource(r.Context(), &pluginv2.CallResourceRequest{
		PluginContext: s.pluginContext(u), Path: path, Method: r.Method, Url: url, Headers: headers, Body: body,
	})
	if err != nil {
		writeMessage(w, http.StatusBadGateway, "the plugin backend could not be called: "+err.Error())
		return
	}
	wrote := false
	for {
		res, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if !wrote {
				writeMessage(w, http.StatusBadGateway, "the plugin backend failed: "+err.Error())
			}
			return
		}
		if !wrote {
			for k, v := range res.Headers {
				for _, x := range v.GetValues() {
					w.Header().Add(k, x)
				}
			}
			code := int(res.Code)
			if code == 0 {
				code = http.StatusOK
			}
			w.WriteHeader(code)
			wrote = true
		}
		_, _ = w.Write(res.Body)
	}
	if !wrote {
		w.WriteHeader(http.StatusNoContent)
	}
}

// live bridges one Grafana Live subscription to server-sent events: "status" with
// the subscription's initial data, then "message" for each packet the plugin's
// RunStream sends, "end" when the stream ends, "failure" when it cannot start.
// Grafana runs one RunStream per channel shared by all subscribers; this host runs
// one per page subscription, which is the same for one page.
func (s *server) live(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeMessage(w, http.StatusInternalServerError, "streaming unsupported")
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	send := func(event string, data []byte) {
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, data)
		flusher.Flush()
	}
	fail := func(msg string) {
		b, _ := json.Marshal(map[string]string{"error": msg})
		send("failure", b)
	}

	u, err := s.user(r)
	if err != nil {
		fail(err.Error())
		return
	}
	path := r.PathValue("path")
	ctx := r.Context()
	sub, err := s.plugin.Stream.SubscribeStream(ctx, &pluginv2.SubscribeStreamRequest{PluginContext: s.pluginContext(u), Path: path})
	if err != nil {
		fail("subscribe: " + err.Error())
		return
	}
	if sub.Status != pluginv2.SubscribeStreamResponse_OK {
		fail("subscribe to " + path + ": " + sub.Status.String())
		return
	}
	initial := sub.Data
	if len(initial) == 0 {
		initial = []byte("null")
	}
	send("status", initial)

	packets, err := s.plugin.Stream.RunStream(ctx, &pluginv2.RunStreamRequest{PluginContext: s.pluginContext(u), Path: path})
	if err != nil {
		fail("run stream: " + err.Error())
		return
	}
	for {
		p, err := packets.Recv()
		if errors.Is(err, io.EOF) {
			send("end", []byte("{}"))
			return
		}
		if err != nil {
			if ctx.Err() == nil {
				fail("stream: " + err.Error())
			}
			return
		}
		send("message", p.Data)
	}
}

// page serves the built e2e page; every other path gets index.html, because the
// page routes on the client like Grafana's own single-page app.
func (s *server) page(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeMessage(w, http.StatusMethodNotAllowed, r.Method+" "+r.URL.Path+" is not served")
		return
	}
	clean := filepath.Clean("/" + r.URL.Path)
	file := filepath.Join(s.pageDir, filepath.FromSlash(clean))
	if st, err := os.Stat(file); err == nil && !st.IsDir() {
		http.ServeFile(w, r, file)
		return
	}
	if strings.Contains(path.Base(clean), ".") {
		// A missing asset (Grafana's fonts under public/, a stale chunk) is a 404, not the page.
		writeMessage(w, http.StatusNotFound, "no such file "+clean)
		return
	}
	index := filepath.Join(s.pageDir, "index.html")
	if _, err := os.Stat(index); err != nil {
		writeMessage(w, http.StatusNotFound, fmt.Sprintf("no e2e page in %s; build it with `npm run e2e:page`", s.pageDir))
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	http.ServeFile(w, r, index)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// writeMessage answers like Grafana's API does: {"message": "..."}.
func writeMessage(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"message": msg})
}

// watchPlugin ends the host when the plugin process dies: the pages would only see
// errors, and a test should fail loudly instead.
func watchPlugin(ctx context.Context, p *grafanahost.Plugin, cancel context.CancelFunc, log *slog.Logger) {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if p.Exited() {
				log.Error("the plugin process exited; stopping the host")
				cancel()
				return
			}
		}
	}
}
