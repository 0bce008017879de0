package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/trafficsim/trafficsim/engine/enginerpc"
)

// streamInterval is how often a subscribed run's status is pushed.
const streamInterval = time.Second

// runIDFromPath returns the id of a "runs/{id}" stream path.
func runIDFromPath(path string) (string, bool) {
	id, ok := strings.CutPrefix(path, "runs/")
	if !ok || id == "" || strings.Contains(id, "/") {
		return "", false
	}
	return id, true
}

// SubscribeStream lets Viewers and up subscribe to runs/{id} of an existing run.
func (a *App) SubscribeStream(ctx context.Context, req *backend.SubscribeStreamRequest) (*backend.SubscribeStreamResponse, error) {
	if roleOf(req.PluginContext.User) == roleNone {
		return &backend.SubscribeStreamResponse{Status: backend.SubscribeStreamStatusPermissionDenied}, nil
	}
	id, ok := runIDFromPath(req.Path)
	if !ok {
		return &backend.SubscribeStreamResponse{Status: backend.SubscribeStreamStatusNotFound}, nil
	}
	st, err := a.hostOf(req.PluginContext.OrgID).Status(ctx, id)
	if errors.Is(err, enginerpc.ErrNotFound) {
		return &backend.SubscribeStreamResponse{Status: backend.SubscribeStreamStatusNotFound}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("subscribe to run %q: %w", id, err)
	}
	initial, err := backend.NewInitialData(mustJSON(toRunStatus(st)))
	if err != nil {
		return nil, fmt.Errorf("subscribe to run %q: %w", id, err)
	}
	return &backend.SubscribeStreamResponse{Status: backend.SubscribeStreamStatusOK, InitialData: initial}, nil
}

// RunStream pushes the run's status every second while Grafana keeps the stream
// (that is, while anyone is subscribed); it returns after the run's final status.
func (a *App) RunStream(ctx context.Context, req *backend.RunStreamRequest, sender *backend.StreamSender) error {
	id, ok := runIDFromPath(req.Path)
	if !ok {
		return fmt.Errorf("unknown stream %q; streams are runs/{id}", req.Path)
	}
	err := a.hostOf(req.PluginContext.OrgID).Watch(ctx, id, streamInterval, func(st enginerpc.RunStatus) error {
		b, err := json.Marshal(toRunStatus(st))
		if err != nil {
			return err
		}
		return sender.SendJSON(b)
	})
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("stream run %q: %w", id, err)
	}
	return nil
}

// PublishStream is refused: runs are controlled through the resources only.
func (a *App) PublishStream(context.Context, *backend.PublishStreamRequest) (*backend.PublishStreamResponse, error) {
	return &backend.PublishStreamResponse{Status: backend.PublishStreamStatusPermissionDenied}, nil
}
