package enginerpc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/trafficsim/trafficsim/engine/enginerpc/enginepb"
)

// Client is the plugin side's Engine: it calls the engine process over gRPC.
type Client struct {
	rpc enginepb.EngineClient
}

var _ Engine = (*Client)(nil)

// NewClient returns an Engine that calls the engine service over conn.
func NewClient(conn grpc.ClientConnInterface) *Client {
	return &Client{rpc: enginepb.NewEngineClient(conn)}
}

// Start implements Engine.
func (c *Client) Start(ctx context.Context, cfg RunConfig) (RunStatus, error) {
	st, err := c.rpc.Start(ctx, configToPB(cfg))
	if err != nil {
		return RunStatus{}, fromStatus("start run", err)
	}
	return statusFromPB(st), nil
}

// Stop implements Engine.
func (c *Client) Stop(ctx context.Context, id string, graceful bool) (RunStatus, error) {
	st, err := c.rpc.Stop(ctx, &enginepb.StopRequest{Id: id, Graceful: graceful})
	if err != nil {
		return RunStatus{}, fromStatus(fmt.Sprintf("stop run %q", id), err)
	}
	return statusFromPB(st), nil
}

// Status implements Engine.
func (c *Client) Status(ctx context.Context, id string) (RunStatus, error) {
	st, err := c.rpc.Status(ctx, &enginepb.StatusRequest{Id: id})
	if err != nil {
		return RunStatus{}, fromStatus(fmt.Sprintf("status of run %q", id), err)
	}
	return statusFromPB(st), nil
}

// List implements Engine.
func (c *Client) List(ctx context.Context) ([]RunStatus, error) {
	list, err := c.rpc.List(ctx, &enginepb.ListRequest{})
	if err != nil {
		return nil, fromStatus("list runs", err)
	}
	out := make([]RunStatus, len(list.GetRuns()))
	for i, r := range list.GetRuns() {
		out[i] = statusFromPB(r)
	}
	return out, nil
}

// Watch implements Engine.
func (c *Client) Watch(ctx context.Context, id string, interval time.Duration, fn func(RunStatus) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.rpc.Watch(ctx, &enginepb.WatchRequest{Id: id, IntervalMs: interval.Milliseconds()})
	if err != nil {
		return fromStatus(fmt.Sprintf("watch run %q", id), err)
	}
	for {
		st, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fromStatus(fmt.Sprintf("watch run %q", id), err)
		}
		if err := fn(statusFromPB(st)); err != nil {
			return err
		}
	}
}

// Scenarios implements Engine.
func (c *Client) Scenarios(ctx context.Context) ([]Scenario, error) {
	list, err := c.rpc.Scenarios(ctx, &enginepb.ScenariosRequest{})
	if err != nil {
		return nil, fromStatus("list scenarios", err)
	}
	out := make([]Scenario, len(list.GetScenarios()))
	for i, s := range list.GetScenarios() {
		out[i] = scenarioFromPB(s)
	}
	return out, nil
}

// Version implements Engine.
func (c *Client) Version(ctx context.Context) (VersionInfo, error) {
	v, err := c.rpc.Version(ctx, &enginepb.VersionRequest{})
	if err != nil {
		return VersionInfo{}, fromStatus("engine version", err)
	}
	return VersionInfo{Version: v.GetVersion(), GoVersion: v.GetGoVersion(), PID: int(v.GetPid()), ActiveRuns: int(v.GetActiveRuns())}, nil
}

// Ping implements Engine.
func (c *Client) Ping(ctx context.Context) error {
	if _, err := c.rpc.Ping(ctx, &enginepb.PingRequest{}); err != nil {
		return fromStatus("ping engine", err)
	}
	return nil
}

// CleanupRun implements Engine.
func (c *Client) CleanupRun(ctx context.Context, req CleanupRequest) (RunStatus, error) {
	st, err := c.rpc.CleanupRun(ctx, cleanupRequestToPB(req))
	if err != nil {
		return RunStatus{}, fromStatus(fmt.Sprintf("clean up run %q", req.ID), err)
	}
	return statusFromPB(st), nil
}

// CheckTarget implements Engine.
func (c *Client) CheckTarget(ctx context.Context, req CheckRequest) (CheckReport, error) {
	rep, err := c.rpc.CheckTarget(ctx, checkRequestToPB(req))
	if err != nil {
		return CheckReport{}, fromStatus("check target", err)
	}
	return checkReportFromPB(rep), nil
}

// Validate implements Engine.
func (c *Client) Validate(ctx context.Context, cfg RunConfig) error {
	if _, err := c.rpc.Validate(ctx, configToPB(cfg)); err != nil {
		return fromStatus("validate run config", err)
	}
	return nil
}

// fromStatus turns a gRPC status back into the errors the Engine interface promises.
func fromStatus(what string, err error) error {
	st, ok := status.FromError(err)
	if !ok {
		return fmt.Errorf("%s: %w", what, err)
	}
	switch st.Code() {
	case codes.InvalidArgument:
		for _, d := range st.Details() {
			if br, ok := d.(*errdetails.BadRequest); ok && len(br.GetFieldViolations()) > 0 {
				v := br.GetFieldViolations()[0]
				return &FieldError{Field: v.GetField(), Message: v.GetDescription()}
			}
		}
		return fmt.Errorf("%s: %s", what, st.Message())
	case codes.NotFound:
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	case codes.FailedPrecondition:
		return fmt.Errorf("%s: %w", what, ErrRunActive)
	case codes.Unavailable:
		return fmt.Errorf("%s: %w: %s", what, ErrUnavailable, st.Message())
	case codes.Canceled:
		return fmt.Errorf("%s: %w", what, context.Canceled)
	case codes.DeadlineExceeded:
		return fmt.Errorf("%s: %w", what, context.DeadlineExceeded)
	default:
		return fmt.Errorf("%s: %s", what, st.Message())
	}
}
