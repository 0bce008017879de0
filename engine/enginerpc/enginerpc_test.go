package enginerpc_test

import (
	"context"
	"errors"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"

	"github.com/trafficsim/trafficsim/engine/enginerpc"
	"github.com/trafficsim/trafficsim/engine/enginerpc/enginepb"
	"github.com/trafficsim/trafficsim/engine/runhost"
	"github.com/trafficsim/trafficsim/engine/runner"
	"github.com/trafficsim/trafficsim/engine/scenario"
	"github.com/trafficsim/trafficsim/engine/usersvc"
)

// newHost is the engine side as plugin-serve builds it: real runs against the
// embedded reference target (with a cheap bcrypt cost).
func newHost(t *testing.T) *runhost.Host {
	var sc []enginerpc.Scenario
	for _, s := range scenario.Builtins() {
		sc = append(sc, enginerpc.Scenario{Name: s.Name, Description: s.Description})
	}
	// What plugin-serve adds for the Scenarios page, to check it crosses the wire.
	sc[0].Archetypes = []enginerpc.Archetype{{Name: "admin", Weight: 10, Journey: []string{"login", "list_users"}}, {Name: "new_user", Weight: 25.5}}
	sc[0].Mix = []enginerpc.Weighted{{Name: "auth", Weight: 20}, {Name: "user_query", Weight: 35.25}}
	h := runhost.New(runhost.Options{
		NewRun:    runhost.RunnerFactory(nil, nil, runner.WithTargetConfig(func(c *usersvc.Config) { c.BcryptCost = 4 })),
		Validate:  runhost.RunnerValidator,
		Scenarios: sc,
		Version:   "v-test",
	})
	t.Cleanup(func() { _ = h.Shutdown(context.Background()) })
	return h
}

// bufconnClient serves impl over a real gRPC connection in memory.
func bufconnClient(t *testing.T, impl enginerpc.Engine) *enginerpc.Client {
	t.Helper()
	ln := bufconn.Listen(1 << 20)
	srv := grpc.NewServer()
	enginepb.RegisterEngineServer(srv, enginerpc.NewServer(impl))
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient("passthrough:///bufconn",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return ln.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatalf("dial bufconn: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return enginerpc.NewClient(conn)
}

func TestRoundTripOverGRPC(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := bufconnClient(t, newHost(t))
	exerciseEngine(ctx, t, c)
}

// TestRoundTripOverGoPlugin serves the engine with go-plugin (test mode, in process)
// and dispenses it through a go-plugin client, as the plugin does.
func TestRoundTripOverGoPlugin(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	reattach := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	go plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: enginerpc.Handshake,
		Plugins:         enginerpc.PluginSet(newHost(t)),
		GRPCServer:      plugin.DefaultGRPCServer,
		Test:            &plugin.ServeTestConfig{Context: ctx, ReattachConfigCh: reattach, CloseCh: closed},
	})
	var rc *plugin.ReattachConfig
	select {
	case rc = <-reattach:
	case <-ctx.Done():
		t.Fatal("plugin did not start serving")
	}
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  enginerpc.Handshake,
		Plugins:          enginerpc.PluginSet(nil),
		Reattach:         rc,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
	})
	defer client.Kill()
	proto, err := client.Client()
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	raw, err := proto.Dispense(enginerpc.PluginName)
	if err != nil {
		t.Fatalf("dispense: %v", err)
	}
	eng, ok := raw.(enginerpc.Engine)
	if !ok {
		t.Fatalf("dispensed %T, want an enginerpc.Engine", raw)
	}
	exerciseEngine(ctx, t, eng)
	cancel()
	<-closed
}

func exerciseEngine(ctx context.Context, t *testing.T, eng enginerpc.Engine) {
	t.Helper()
	v, err := eng.Version(ctx)
	if err != nil || v.Version != "v-test" || v.PID == 0 {
		t.Fatalf("Version = %+v, %v; want v-test with a pid", v, err)
	}
	if err := eng.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	sc, err := eng.Scenarios(ctx)
	if err != nil || len(sc) != len(scenario.Builtins()) || sc[0].Name != "mixed" || sc[0].Description == "" {
		t.Fatalf("Scenarios = %+v, %v", sc, err)
	}
	wantArch := []enginerpc.Archetype{{Name: "admin", Weight: 10, Journey: []string{"login", "list_users"}}, {Name: "new_user", Weight: 25.5}}
	wantMix := []enginerpc.Weighted{{Name: "auth", Weight: 20}, {Name: "user_query", Weight: 35.25}}
	if !reflect.DeepEqual(sc[0].Archetypes, wantArch) || !reflect.DeepEqual(sc[0].Mix, wantMix) {
		t.Fatalf("mixed archetypes, mix = %+v, %+v; want %+v, %+v", sc[0].Archetypes, sc[0].Mix, wantArch, wantMix)
	}

	// Invalid config comes back as a FieldError naming the field.
	_, err = eng.Start(ctx, enginerpc.RunConfig{Users: 0, MinRequestCount: 1, MaxRequestCount: 1, Scenario: "mixed"})
	var fe *enginerpc.FieldError
	if !errors.As(err, &fe) || fe.Field != "users" {
		t.Fatalf("Start(users=0) error = %v, want a FieldError on users", err)
	}
	_, err = eng.Start(ctx, enginerpc.RunConfig{Users: 1, MinRequestCount: 1, MaxRequestCount: 1, Scenario: "/etc/passwd"})
	if !errors.As(err, &fe) || fe.Field != "scenario" {
		t.Fatalf("Start(scenario=file) error = %v, want a FieldError on scenario", err)
	}
	if _, err := eng.Status(ctx, "nosuchrun"); !errors.Is(err, enginerpc.ErrNotFound) {
		t.Fatalf("Status(unknown) error = %v, want ErrNotFound", err)
	}

	cfg := enginerpc.RunConfig{
		Users: 3, MinRequestCount: 100000, MaxRequestCount: 100000, Duration: time.Minute,
		DelayMin: 5 * time.Millisecond, DelayMax: 20 * time.Millisecond, Scenario: "mixed", Seed: 42,
		AdminUser: "admin", AdminPassword: "s3cret", Cleanup: true,
	}
	st, err := eng.Start(ctx, cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if st.ID == "" || st.Config.Users != 3 || st.Config.Seed != 42 || st.Config.Duration != time.Minute || st.Config.DelayMax != 20*time.Millisecond {
		t.Fatalf("Start status = %+v; want the id and the config echoed", st)
	}
	if st.Config.AdminPassword != "" {
		t.Fatalf("the admin password came back in the status")
	}

	// Watch until requests grow, then stop from inside the watch and see it finish.
	var seen []enginerpc.RunStatus
	err = eng.Watch(ctx, st.ID, 30*time.Millisecond, func(s enginerpc.RunStatus) error {
		seen = append(seen, s)
		if s.Stats.Requests >= 9 && s.State == enginerpc.StateRunning {
			if _, err := eng.Stop(ctx, st.ID, true); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	last := seen[len(seen)-1]
	if last.State != enginerpc.StateFinished || last.EndedAt.IsZero() || last.Stats.Requests < 9 {
		t.Fatalf("last watched status = %+v; want finished with ≥9 requests", last)
	}
	if n := len(last.Recent); n == 0 || last.Recent[n-1].Route == "" || last.Recent[n-1].Status == 0 || last.Recent[n-1].Time.IsZero() {
		t.Fatalf("recent events did not survive the trip: %+v", last.Recent)
	}
	if last.Stats.RemainingSeconds != 0 || last.Stats.ActiveUsers != 0 {
		t.Fatalf("stats of the finished run = %+v; want nothing remaining", last.Stats)
	}
	list, err := eng.List(ctx)
	if err != nil || len(list) != 1 || list[0].ID != st.ID || list[0].State != enginerpc.StateFinished {
		t.Fatalf("List = %+v, %v", list, err)
	}
	// Stopping an ended run reports its final status.
	again, err := eng.Stop(ctx, st.ID, false)
	if err != nil || again.State != enginerpc.StateFinished {
		t.Fatalf("Stop(ended) = %+v, %v", again, err)
	}
}
