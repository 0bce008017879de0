package profiledraft

import (
	"context"
	"strings"
	"testing"

	"github.com/trafficsim/trafficsim/engine/internal/othersvc"
	"github.com/trafficsim/trafficsim/engine/scenario"
)

// TestDraftOfOtherService drafts othersvc's profile from its document: it
// parses back as a valid profile, and a document without the activation
// routes lists users.activate and users.deactivate as unmatched, with why.
func TestDraftOfOtherService(t *testing.T) {
	doc, err := Load(context.Background(), othersvc.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Build(doc, map[string]string{"users": "accounts"})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Missing) != 0 {
		t.Errorf("missing %+v", d.Missing)
	}
	p, err := scenario.ParseProfile(d.YAML("othersvc"), "draft.yaml")
	if err != nil {
		t.Fatalf("the draft does not parse: %v\n%s", err, d.YAML("othersvc"))
	}
	if p.Routes["auth.me"] != "GET /session/me" || p.IDKind != "uuid" || p.Token.Access != "data.accessToken" ||
		p.ResourceFields["roles"]["name"] != "title" || p.Query.Size != "perPage" || p.Statuses.Validation != 400 {
		t.Errorf("draft %+v", p)
	}

	trimmed := strings.NewReplacer("  /accounts/{accountId}/activation:", "  /accounts/{accountId}/x-unrelated:",
		"operationId: activateAccount", "operationId: enrol", "operationId: deactivateAccount", "operationId: unenrol").Replace(string(othersvc.OpenAPI))
	doc, err = Load(context.Background(), []byte(trimmed))
	if err != nil {
		t.Fatal(err)
	}
	d, err = Build(doc, nil)
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, m := range d.Missing {
		missing = append(missing, m.Capability+": "+m.Why)
	}
	got := strings.Join(missing, "\n")
	if !strings.Contains(got, "users.activate: no operation on /users/{id}/activate") || !strings.Contains(got, "users.deactivate") {
		t.Errorf("missing:\n%s", got)
	}
	if !strings.Contains(string(d.YAML("x")), "# users.activate: not matched") {
		t.Errorf("the draft does not say what it could not match")
	}
	if _, err := Build(doc, map[string]string{"teams": "squads"}); err == nil {
		t.Error("an unknown resource in --map was accepted")
	}
}
