package enginerpc

import (
	"context"
	"errors"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/trafficsim/trafficsim/engine/enginerpc/enginepb"
)

// server adapts an Engine to the generated gRPC service.
type server struct {
	enginepb.UnimplementedEngineServer
	impl Engine
}

// NewServer returns the gRPC service for impl (register it with enginepb.RegisterEngineServer).
func NewServer(impl Engine) enginepb.EngineServer { return &server{impl: impl} }

func (s *server) Start(ctx context.Context, req *enginepb.RunConfig) (*enginepb.RunStatus, error) {
	st, err := s.impl.Start(ctx, configFromPB(req))
	if err != nil {
		return nil, toStatus(err)
	}
	return statusToPB(st), nil
}

func (s *server) Stop(ctx context.Context, req *enginepb.StopRequest) (*enginepb.RunStatus, error) {
	st, err := s.impl.Stop(ctx, req.GetId(), req.GetGraceful())
	if err != nil {
		return nil, toStatus(err)
	}
	return statusToPB(st), nil
}

func (s *server) Status(ctx context.Context, req *enginepb.StatusRequest) (*enginepb.RunStatus, error) {
	st, err := s.impl.Status(ctx, req.GetId())
	if err != nil {
		return nil, toStatus(err)
	}
	return statusToPB(st), nil
}

func (s *server) List(ctx context.Context, _ *enginepb.ListRequest) (*enginepb.RunList, error) {
	runs, err := s.impl.List(ctx)
	if err != nil {
		return nil, toStatus(err)
	}
	out := &enginepb.RunList{Runs: make([]*enginepb.RunStatus, len(runs))}
	for i, r := range runs {
		out.Runs[i] = statusToPB(r)
	}
	return out, nil
}

func (s *server) Watch(req *enginepb.WatchRequest, stream grpc.ServerStreamingServer[enginepb.RunStatus]) error {
	interval := time.Duration(req.GetIntervalMs()) * time.Millisecond
	err := s.impl.Watch(stream.Context(), req.GetId(), interval, func(st RunStatus) error {
		return stream.Send(statusToPB(st))
	})
	return toStatus(err)
}

func (s *server) Scenarios(ctx context.Context, _ *enginepb.ScenariosRequest) (*enginepb.ScenarioList, error) {
	list, err := s.impl.Scenarios(ctx)
	if err != nil {
		return nil, toStatus(err)
	}
	out := &enginepb.ScenarioList{Scenarios: make([]*enginepb.Scenario, len(list))}
	for i, sc := range list {
		out.Scenarios[i] = scenarioToPB(sc)
	}
	return out, nil
}

func (s *server) Version(ctx context.Context, _ *enginepb.VersionRequest) (*enginepb.VersionInfo, error) {
	v, err := s.impl.Version(ctx)
	if err != nil {
		return nil, toStatus(err)
	}
	return &enginepb.VersionInfo{Version: v.Version, GoVersion: v.GoVersion, Pid: int64(v.PID), ActiveRuns: int64(v.ActiveRuns)}, nil
}

func (s *server) Ping(ctx context.Context, _ *enginepb.PingRequest) (*enginepb.PingResponse, error) {
	if err := s.impl.Ping(ctx); err != nil {
		return nil, toStatus(err)
	}
	return &enginepb.PingResponse{}, nil
}

func (s *server) CleanupRun(ctx context.Context, req *enginepb.CleanupRunRequest) (*enginepb.RunStatus, error) {
	st, err := s.impl.CleanupRun(ctx, cleanupRequestFromPB(req))
	if err != nil {
		return nil, toStatus(err)
	}
	return statusToPB(st), nil
}

func (s *server) CheckTarget(ctx context.Context, req *enginepb.CheckRequest) (*enginepb.CheckReport, error) {
	rep, err := s.impl.CheckTarget(ctx, checkRequestFromPB(req))
	if err != nil {
		return nil, toStatus(err)
	}
	return checkReportToPB(rep), nil
}

func (s *server) Validate(ctx context.Context, req *enginepb.RunConfig) (*enginepb.ValidateResponse, error) {
	if err := s.impl.Validate(ctx, configFromPB(req)); err != nil {
		return nil, toStatus(err)
	}
	return &enginepb.ValidateResponse{}, nil
}

// toStatus turns the Engine's errors into gRPC statuses the Client turns back.
func toStatus(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	var fe *FieldError
	switch {
	case errors.As(err, &fe):
		st := status.New(codes.InvalidArgument, err.Error())
		if withDetail, derr := st.WithDetails(&errdetails.BadRequest{
			FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: fe.Field, Description: fe.Message}},
		}); derr == nil {
			st = withDetail
		}
		return st.Err()
	case errors.Is(err, ErrNotFound):
		return status.Error(codes.NotFound, err.Error())
	case errors.Is(err, ErrRunActive):
		return status.Error(codes.FailedPrecondition, err.Error())
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, err.Error())
	default:
		return status.Error(codes.Internal, err.Error())
	}
}
