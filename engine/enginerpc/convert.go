package enginerpc

import (
	"math"
	"time"

	"github.com/trafficsim/trafficsim/engine/enginerpc/enginepb"
)

func msToDuration(ms int64) time.Duration { return time.Duration(ms) * time.Millisecond }

// floatMsToDuration rounds, so that a duration sent as float milliseconds comes back
// to the nanosecond (0.3ms is 299999.99… ns in floating point).
func floatMsToDuration(ms float64) time.Duration {
	return time.Duration(math.Round(ms * float64(time.Millisecond)))
}

func durationToFloatMs(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func unixMs(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromUnixMs(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

func configToPB(c RunConfig) *enginepb.RunConfig {
	return &enginepb.RunConfig{
		RunId:           c.RunID,
		Users:           int64(c.Users),
		MinRequestCount: int64(c.MinRequestCount),
		MaxRequestCount: int64(c.MaxRequestCount),
		DurationMs:      c.Duration.Milliseconds(),
		BaseUrl:         c.BaseURL,
		DelayMinMs:      c.DelayMin.Milliseconds(),
		DelayMaxMs:      c.DelayMax.Milliseconds(),
		Scenario:        c.Scenario,
		Seed:            c.Seed,
		AdminUser:       c.AdminUser,
		AdminPassword:   c.AdminPassword,
		Cleanup:         c.Cleanup,
		RampUpMs:        c.RampUp.Milliseconds(),
		Stages:          each(c.Stages, stageToPB),
		Rate:            c.Rate,
		RateStages:      each(c.RateStages, stageToPB),
		MaxVus:          int64(c.MaxVUs),
		MaxRps:          c.MaxRPS,
		OrgId:           c.OrgID,

		CaCertPem:          c.CACertPEM,
		ClientCertPem:      c.ClientCertPEM,
		ClientKeyPem:       c.ClientKeyPEM,
		InsecureSkipVerify: c.InsecureSkipVerify,
		TlsServerName:      c.TLSServerName,
		ApiProfile:         c.APIProfile,
		ApiProfileName:     c.APIProfileName,
	}
}

func configFromPB(c *enginepb.RunConfig) RunConfig {
	if c == nil {
		return RunConfig{}
	}
	return RunConfig{
		RunID:           c.GetRunId(),
		Users:           int(c.GetUsers()),
		MinRequestCount: int(c.GetMinRequestCount()),
		MaxRequestCount: int(c.GetMaxRequestCount()),
		Duration:        msToDuration(c.GetDurationMs()),
		BaseURL:         c.GetBaseUrl(),
		DelayMin:        msToDuration(c.GetDelayMinMs()),
		DelayMax:        msToDuration(c.GetDelayMaxMs()),
		Scenario:        c.GetScenario(),
		Seed:            c.GetSeed(),
		AdminUser:       c.GetAdminUser(),
		AdminPassword:   c.GetAdminPassword(),
		Cleanup:         c.GetCleanup(),
		RampUp:          msToDuration(c.GetRampUpMs()),
		Stages:          each(c.GetStages(), stageFromPB),
		Rate:            c.GetRate(),
		RateStages:      each(c.GetRateStages(), stageFromPB),
		MaxVUs:          int(c.GetMaxVus()),
		MaxRPS:          c.GetMaxRps(),
		OrgID:           c.GetOrgId(),

		TLS: TLS{
			CACertPEM:          c.GetCaCertPem(),
			ClientCertPEM:      c.GetClientCertPem(),
			ClientKeyPEM:       c.GetClientKeyPem(),
			InsecureSkipVerify: c.GetInsecureSkipVerify(),
			TLSServerName:      c.GetTlsServerName(),
		},
		APIProfile:     c.GetApiProfile(),
		APIProfileName: c.GetApiProfileName(),
	}
}

func statusToPB(s RunStatus) *enginepb.RunStatus {
	cfg := configToPB(s.Config)
	cfg.AdminPassword = "" // secrets never travel back
	cfg.ClientKeyPem = ""
	cfg.ApiProfile = "" // the name says which; the text stays with the run
	recent := make([]*enginepb.RequestEvent, len(s.Recent))
	for i, e := range s.Recent {
		recent[i] = &enginepb.RequestEvent{
			TimeUnixMs: unixMs(e.Time),
			Vu:         int64(e.VU),
			Method:     e.Method,
			Route:      e.Route,
			Status:     int32(e.Status),
			LatencyMs:  durationToFloatMs(e.Latency),
		}
	}
	return &enginepb.RunStatus{
		Id:              s.ID,
		State:           string(s.State),
		StartedAtUnixMs: unixMs(s.StartedAt),
		EndedAtUnixMs:   unixMs(s.EndedAt),
		Config:          cfg,
		Stats:           s.Stats,
		Recent:          recent,
		Error:           s.Error,
		Cleanup:         cleanupToPB(s.Cleanup),
	}
}

func cleanupToPB(c *Cleanup) *enginepb.CleanupReport {
	if c == nil {
		return nil
	}
	return &enginepb.CleanupReport{Created: int64(c.Created), Deleted: int64(c.Deleted), Gone: int64(c.Gone), Left: int64(c.Left),
		LeftNames: c.LeftNames, Verified: c.Verified, Reason: c.Reason, Error: c.Error}
}

func cleanupFromPB(c *enginepb.CleanupReport) *Cleanup {
	if c == nil {
		return nil
	}
	return &Cleanup{Created: int(c.GetCreated()), Deleted: int(c.GetDeleted()), Gone: int(c.GetGone()), Left: int(c.GetLeft()),
		LeftNames: c.GetLeftNames(), Verified: c.GetVerified(), Reason: c.GetReason(), Error: c.GetError()}
}

func statusFromPB(s *enginepb.RunStatus) RunStatus {
	var recent []RequestEvent
	if n := len(s.GetRecent()); n > 0 {
		recent = make([]RequestEvent, n)
		for i, e := range s.GetRecent() {
			recent[i] = RequestEvent{
				Time:    fromUnixMs(e.GetTimeUnixMs()),
				VU:      int(e.GetVu()),
				Method:  e.GetMethod(),
				Route:   e.GetRoute(),
				Status:  int(e.GetStatus()),
				Latency: floatMsToDuration(e.GetLatencyMs()),
			}
		}
	}
	return RunStatus{
		ID:        s.GetId(),
		State:     State(s.GetState()),
		StartedAt: fromUnixMs(s.GetStartedAtUnixMs()),
		EndedAt:   fromUnixMs(s.GetEndedAtUnixMs()),
		Config:    configFromPB(s.GetConfig()),
		Stats:     s.GetStats(),
		Recent:    recent,
		Error:     s.GetError(),
		Cleanup:   cleanupFromPB(s.GetCleanup()),
	}
}

func scenarioToPB(s Scenario) *enginepb.Scenario {
	out := &enginepb.Scenario{Name: s.Name, Description: s.Description}
	for _, a := range s.Archetypes {
		out.Archetypes = append(out.Archetypes, &enginepb.Archetype{Name: a.Name, Weight: a.Weight, Journey: a.Journey})
	}
	for _, m := range s.Mix {
		out.Mix = append(out.Mix, &enginepb.Weighted{Name: m.Name, Weight: m.Weight})
	}
	return out
}

func scenarioFromPB(s *enginepb.Scenario) Scenario {
	out := Scenario{Name: s.GetName(), Description: s.GetDescription()}
	for _, a := range s.GetArchetypes() {
		out.Archetypes = append(out.Archetypes, Archetype{Name: a.GetName(), Weight: a.GetWeight(), Journey: a.GetJourney()})
	}
	for _, m := range s.GetMix() {
		out.Mix = append(out.Mix, Weighted{Name: m.GetName(), Weight: m.GetWeight()})
	}
	return out
}

// each converts every element of in with f; nil for none, as the messages
// and the Go types leave empty lists.
func each[T, U any](in []T, f func(T) U) []U {
	if len(in) == 0 {
		return nil
	}
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

func stageToPB(s Stage) *enginepb.Stage {
	return &enginepb.Stage{DurationMs: s.Duration.Milliseconds(), Target: s.Target}
}

func stageFromPB(s *enginepb.Stage) Stage {
	return Stage{Duration: msToDuration(s.GetDurationMs()), Target: s.GetTarget()}
}

func cleanupRequestToPB(r CleanupRequest) *enginepb.CleanupRunRequest {
	return &enginepb.CleanupRunRequest{Id: r.ID, AdminUser: r.AdminUser, AdminPassword: r.AdminPassword,
		CaCertPem: r.CACertPEM, ClientCertPem: r.ClientCertPEM, ClientKeyPem: r.ClientKeyPEM,
		InsecureSkipVerify: r.InsecureSkipVerify, TlsServerName: r.TLSServerName}
}

func cleanupRequestFromPB(r *enginepb.CleanupRunRequest) CleanupRequest {
	return CleanupRequest{ID: r.GetId(), AdminUser: r.GetAdminUser(), AdminPassword: r.GetAdminPassword(),
		TLS: TLS{CACertPEM: r.GetCaCertPem(), ClientCertPEM: r.GetClientCertPem(), ClientKeyPEM: r.GetClientKeyPem(),
			InsecureSkipVerify: r.GetInsecureSkipVerify(), TLSServerName: r.GetTlsServerName()}}
}

func checkRequestToPB(r CheckRequest) *enginepb.CheckRequest {
	return &enginepb.CheckRequest{BaseUrl: r.BaseURL, ApiProfile: r.APIProfile, ApiProfileName: r.APIProfileName,
		AdminUser: r.AdminUser, AdminPassword: r.AdminPassword, OrgId: r.OrgID,
		CaCertPem: r.CACertPEM, ClientCertPem: r.ClientCertPEM, ClientKeyPem: r.ClientKeyPEM,
		InsecureSkipVerify: r.InsecureSkipVerify, TlsServerName: r.TLSServerName}
}

func checkRequestFromPB(r *enginepb.CheckRequest) CheckRequest {
	return CheckRequest{BaseURL: r.GetBaseUrl(), APIProfile: r.GetApiProfile(), APIProfileName: r.GetApiProfileName(),
		AdminUser: r.GetAdminUser(), AdminPassword: r.GetAdminPassword(), OrgID: r.GetOrgId(),
		TLS: TLS{CACertPEM: r.GetCaCertPem(), ClientCertPEM: r.GetClientCertPem(), ClientKeyPEM: r.GetClientKeyPem(),
			InsecureSkipVerify: r.GetInsecureSkipVerify(), TLSServerName: r.GetTlsServerName()}}
}

func checkReportToPB(r CheckReport) *enginepb.CheckReport {
	return &enginepb.CheckReport{Fatal: r.Fatal, Rows: each(r.Rows, func(x CheckRow) *enginepb.CheckRow {
		return &enginepb.CheckRow{Capability: x.Capability, Method: x.Method, Path: x.Path, Status: int32(x.Status), Verdict: x.Verdict, Fix: x.Fix, Note: x.Note}
	})}
}

func checkReportFromPB(r *enginepb.CheckReport) CheckReport {
	return CheckReport{Fatal: r.GetFatal(), Rows: each(r.GetRows(), func(x *enginepb.CheckRow) CheckRow {
		return CheckRow{Capability: x.GetCapability(), Method: x.GetMethod(), Path: x.GetPath(), Status: int(x.GetStatus()), Verdict: x.GetVerdict(), Fix: x.GetFix(), Note: x.GetNote()}
	})}
}
