package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

type packets struct {
	mu   sync.Mutex
	list []RunStatus
	each func(RunStatus)
}

func (p *packets) Send(pk *backend.StreamPacket) error {
	var st RunStatus
	if err := json.Unmarshal(pk.Data, &st); err != nil {
		return err
	}
	p.mu.Lock()
	p.list = append(p.list, st)
	p.mu.Unlock()
	if p.each != nil {
		p.each(st)
	}
	return nil
}

func TestSubscribeStreamRoles(t *testing.T) {
	a := newTestApp(t, `{}`)
	run := a.startRun(t, smallRun)
	ctx := context.Background()
	for _, c := range []struct {
		role, path string
		want       backend.SubscribeStreamStatus
	}{
		{"", "runs/" + run.ID, backend.SubscribeStreamStatusPermissionDenied},
		{"None", "runs/" + run.ID, backend.SubscribeStreamStatusPermissionDenied},
		{"Viewer", "runs/" + run.ID, backend.SubscribeStreamStatusOK},
		{"Editor", "runs/" + run.ID, backend.SubscribeStreamStatusOK},
		{"Admin", "runs/" + run.ID, backend.SubscribeStreamStatusOK},
		{"Viewer", "runs/nosuchrun", backend.SubscribeStreamStatusNotFound},
		{"Viewer", "runs/", backend.SubscribeStreamStatusNotFound},
		{"Viewer", "other/" + run.ID, backend.SubscribeStreamStatusNotFound},
	} {
		res, err := a.SubscribeStream(ctx, &backend.SubscribeStreamRequest{PluginContext: a.pluginContext(c.role), Path: c.path})
		if err != nil {
			t.Fatalf("subscribe %q as %q: %v", c.path, c.role, err)
		}
		if res.Status != c.want {
			t.Errorf("subscribe %q as %q = %v, want %v", c.path, c.role, res.Status, c.want)
		}
		if res.Status == backend.SubscribeStreamStatusOK {
			var st RunStatus
			if res.InitialData == nil || json.Unmarshal(res.InitialData.Data(), &st) != nil || st.ID != run.ID {
				t.Errorf("initial data = %v, want the run's status", res.InitialData)
			}
		}
	}
	pub, err := a.PublishStream(ctx, &backend.PublishStreamRequest{PluginContext: a.pluginContext("Admin"), Path: "runs/" + run.ID, Data: json.RawMessage(`{}`)})
	if err != nil || pub.Status != backend.PublishStreamStatusPermissionDenied {
		t.Fatalf("publish = %+v, %v; want permission denied", pub, err)
	}
}

func TestRunStreamPushesUntilTheRunEnds(t *testing.T) {
	a := newTestApp(t, `{}`)
	run := a.startRun(t, `{"users": 2, "durationSeconds": 60, "delayMinMs": 10, "delayMaxMs": 50}`)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var once sync.Once
	p := &packets{}
	p.each = func(st RunStatus) {
		if st.Stats.Requests > 0 {
			// Stop the run from outside; the stream must deliver its final status and end.
			once.Do(func() { go func() { _, _ = a.hostOf(a.org).Stop(context.Background(), run.ID, true) }() })
		}
	}
	start := time.Now()
	err := a.RunStream(ctx, &backend.RunStreamRequest{PluginContext: a.pluginContext("Viewer"), Path: "runs/" + run.ID}, backend.NewStreamSender(p))
	if err != nil {
		t.Fatalf("RunStream: %v", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.list) < 2 {
		t.Fatalf("got %d messages in %s, want at least 2", len(p.list), time.Since(start))
	}
	if last := p.list[len(p.list)-1]; last.State != "finished" || last.EndedAt == nil {
		t.Fatalf("last message = %+v, want the finished status", last)
	}
	if err := a.RunStream(ctx, &backend.RunStreamRequest{PluginContext: a.pluginContext("Viewer"), Path: "bogus"}, backend.NewStreamSender(p)); err == nil {
		t.Fatal("RunStream on a bogus path succeeded")
	}
}

func TestRunStreamEndsWithTheSubscription(t *testing.T) {
	a := newTestApp(t, `{}`)
	run := a.startRun(t, smallRun)
	ctx, cancel := context.WithCancel(context.Background())
	p := &packets{each: func(RunStatus) { cancel() }}
	done := make(chan error, 1)
	go func() {
		done <- a.RunStream(ctx, &backend.RunStreamRequest{PluginContext: a.pluginContext("Viewer"), Path: "runs/" + run.ID}, backend.NewStreamSender(p))
	}()
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Fatalf("RunStream after unsubscribe: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("RunStream kept going after its context ended")
	}
}
