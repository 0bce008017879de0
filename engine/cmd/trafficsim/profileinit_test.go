package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/engine/catalog"
	"github.com/trafficsim/trafficsim/engine/internal/othersvc"
	"github.com/trafficsim/trafficsim/engine/scenario"
	"github.com/trafficsim/trafficsim/engine/summary"
)

// TestProfileInitDrivesOtherService: a profile drafted by `profile init` from
// othersvc's own OpenAPI document (fetched from the service, with --map)
// passes `check`, and a mixed run with it reaches every one of the 33
// capabilities with a success, meets no unintended 404/405, and cleans up.
func TestProfileInitDrivesOtherService(t *testing.T) {
	bin := buildBinary(t)
	svc, err := othersvc.Start("Admin-pass-1")
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	dir := t.TempDir()
	prof := filepath.Join(dir, "accounts.yaml")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code, out := runBin(ctx, bin, "profile", "init", "--openapi", svc.URL+"/rest/openapi.yaml",
		"--map", "users=accounts", "--map", "roles=groups", "--map", "permissions=grants", "-o", prof)
	if code != 0 || !strings.Contains(out, "33 of 33 capabilities matched") {
		t.Fatalf("profile init: exit %d\n%s", code, out)
	}
	code, out, _ = runFor(t, bin, "check", "--base-url", svc.URL, "--api-profile", prof, "--admin-user", othersvc.AdminEmail)
	if code != 0 {
		text, _ := os.ReadFile(prof)
		t.Fatalf("check of the drafted profile: exit %d\n%s\nprofile:\n%s", code, out, text)
	}
	sumPath := filepath.Join(dir, "summary.json")
	code, out, _ = runFor(t, bin, "run", "--base-url", svc.URL, "--api-profile", prof, "--admin-user", othersvc.AdminEmail,
		"--scenario", "mixed", "--users", "30", "--min-request-count", "80", "--max-request-count", "160",
		"--delay-min", "0", "--delay-max", "0", "--seed", "7", "--progress", "off", "--strict", "--summary", sumPath)
	if code != 0 {
		t.Fatalf("run: exit %d\n%s", code, out)
	}
	data, err := os.ReadFile(sumPath)
	if err != nil {
		t.Fatal(err)
	}
	var s summary.Summary
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	succeeded := map[string]bool{}
	for _, e := range s.Endpoints {
		if e.Success > 0 {
			succeeded[e.Capability] = true
		}
		// As in engine/runner's TestMixedRunAgainstOtherService: a missing route
		// fails every time; a rare 404 is an account deleted meanwhile.
		if n := e.Statuses["404"] + e.Statuses["405"]; n > 0 && (e.Statuses["405"] > 0 || (e.Requests-e.Expected)*100 > e.Requests) {
			t.Errorf("%s %s (%s): %d × 404/405 and %d unexpected outcomes", e.Method, e.Route, e.Capability, n, e.Requests-e.Expected)
		}
	}
	for _, ep := range catalog.All() {
		if !succeeded[ep.ID] {
			t.Errorf("%s never succeeded", ep.ID)
		}
	}
	if len(s.NeverSucceeded) != 0 || s.Cleanup.Left != 0 || s.Cleanup.Created == 0 || s.Cleanup.Error != "" {
		t.Errorf("never_succeeded %v, cleanup %+v", s.NeverSucceeded, s.Cleanup)
	}
	if n := svc.Count("sim_"); n != 0 {
		t.Errorf("%d simulation records left on the service", n)
	}
	t.Logf("%d requests, %d capabilities succeeded, unexpected %d, cleanup %+v", s.Requests, len(succeeded), s.Unexpected, s.Cleanup)
}

// TestProfileInitLinkHeaderPaging: profile init from a document whose list
// pages by a Link header reports paging among what it could not match and
// writes a profile that loads (cursor paging without a next would not).
func TestProfileInitLinkHeaderPaging(t *testing.T) {
	prof := filepath.Join(t.TempDir(), "accounts.yaml")
	code, _, errOut := cli(t, "profile", "init", "--openapi", filepath.Join("..", "..", "profiledraft", "testdata", "link-paging.yaml"),
		"--map", "users=accounts", "--map", "roles=groups", "--map", "permissions=grants", "-o", prof)
	if code != ExitOK || !strings.Contains(errOut, "not matched: paging: ") || !strings.Contains(errOut, "Link header") ||
		!strings.Contains(errOut, "1 setting(s) to edit") {
		t.Fatalf("profile init: exit %d\n%s", code, errOut)
	}
	draftLoads(t, prof)
}

// TestProfileInitNestedRoutes: profile init from a document with routes
// nested under an organisation (/orgs/{orgId}/users/{userId}/…) writes a
// profile that loads (and so passes trafficsim check's validation), and
// says on stderr what it left out and what to write by hand.
func TestProfileInitNestedRoutes(t *testing.T) {
	prof := filepath.Join(t.TempDir(), "orgs.yaml")
	code, _, errOut := cli(t, "profile", "init", "--openapi", filepath.Join("..", "..", "profiledraft", "testdata", "nested-routes.yaml"), "-o", prof)
	if code != ExitOK || !strings.Contains(errOut, "10 of 33 capabilities matched; 5 left out, only under a parent's path") ||
		!strings.Contains(errOut, "left out: users.activate: the document has it only as POST /orgs/{id}/users/{id}/activate") ||
		!strings.Contains(errOut, "e.g. user_roles.assign: PUT /orgs/acme/users/{userId}/roles/{roleId}\n") {
		t.Fatalf("profile init: exit %d\n%s", code, errOut)
	}
	draftLoads(t, prof)
}

// draftLoads fails t unless the profile drafted at prof loads: it parses and
// passes the validation trafficsim check and run give it before any request.
func draftLoads(t *testing.T, prof string) {
	t.Helper()
	text, err := os.ReadFile(prof)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := scenario.ParseProfile(text, prof); err != nil {
		t.Errorf("the drafted profile does not load: %v\n%s", err, text)
	}
}

// TestProfileInitOutputChecked: -o naming the OpenAPI document itself, or in
// a directory that does not exist, is refused before anything is read.
func TestProfileInitOutputChecked(t *testing.T) {
	dir := t.TempDir()
	doc := filepath.Join(dir, "openapi.yaml")
	const text = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n"
	if err := os.WriteFile(doc, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ out, want string }{
		{doc, "--openapi"},
		{filepath.Join(dir, "no", "p.yaml"), "mkdir -p"},
	} {
		code, _, stderr := cli(t, "profile", "init", "--openapi", doc, "-o", tc.out)
		if code != ExitUsage || !strings.Contains(stderr, "-o") || !strings.Contains(stderr, tc.want) {
			t.Errorf("-o %s: exit %d, want %d naming %s; stderr %q", tc.out, code, ExitUsage, tc.want, stderr)
		}
	}
	if data, _ := os.ReadFile(doc); string(data) != text {
		t.Errorf("the OpenAPI document was overwritten: %q", data)
	}
}
