package profiledraft

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/trafficsim/trafficsim/engine/client"
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

// recursiveDoc is a login answer whose schema refers to itself directly (a),
// through another schema (b → Other → Session), through an array's items (c)
// and through allOf/oneOf (e, f); the token sits in d.
const recursiveDoc = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /auth/login:
    post:
      operationId: login
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Session"}
components:
  schemas:
    Session:
      type: object
      properties:
        a: {$ref: "#/components/schemas/Session"}
        b: {$ref: "#/components/schemas/Other"}
        c: {type: array, items: {$ref: "#/components/schemas/Session"}}
        d:
          type: object
          properties:
            accessToken: {type: string}
            again: {$ref: "#/components/schemas/Session"}
        e: {allOf: [{$ref: "#/components/schemas/Session"}]}
        f: {oneOf: [{$ref: "#/components/schemas/Other"}]}
    Other:
      type: object
      properties:
        back: {$ref: "#/components/schemas/Session"}
        other: {$ref: "#/components/schemas/Other"}
`

// TestDraftOfRecursiveSchemas drafts from schemas that refer to themselves
// and from a deep chain of nested objects: no stack overflow, the token in a
// recursive answer is still found, and one deeper than maxSchemaDepth is not
// looked for.
func TestDraftOfRecursiveSchemas(t *testing.T) {
	doc, err := Load(context.Background(), []byte(recursiveDoc))
	if err != nil {
		t.Fatal(err)
	}
	d, err := Build(doc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.Profile.Token.Access != "d.accessToken" {
		t.Errorf("token.access %q, want d.accessToken", d.Profile.Token.Access)
	}
	if _, err := scenario.ParseProfile(d.YAML("recursive"), "draft.yaml"); err != nil {
		t.Fatalf("the draft does not parse: %v\n%s", err, d.YAML("recursive"))
	}

	// A chain of distinct nested objects, the token at the bottom: found at
	// depth 3, not looked for below maxSchemaDepth.
	chain := func(levels int) string {
		var b strings.Builder
		b.WriteString(strings.SplitAfter(recursiveDoc, "  schemas:\n")[0])
		for i := range levels {
			fmt.Fprintf(&b, "    Session%s:\n      type: object\n      properties:\n", suffix(i))
			fmt.Fprintf(&b, "        self: {$ref: \"#/components/schemas/Session%s\"}\n", suffix(i))
			fmt.Fprintf(&b, "        z: {$ref: \"#/components/schemas/Session%s\"}\n", suffix(i+1))
		}
		fmt.Fprintf(&b, "    Session%s:\n      type: object\n      properties:\n        accessToken: {type: string}\n", suffix(levels))
		return b.String()
	}
	for _, c := range []struct {
		levels int
		want   string
	}{
		{3, "z.z.z.accessToken"},
		{maxSchemaDepth + 50, ""},
	} {
		doc, err := Load(context.Background(), []byte(chain(c.levels)))
		if err != nil {
			t.Fatal(err)
		}
		d, err := Build(doc, nil)
		if err != nil {
			t.Fatal(err)
		}
		if d.Profile.Token.Access != c.want {
			t.Errorf("%d levels: token.access %q, want %q", c.levels, d.Profile.Token.Access, c.want)
		}
	}
}

// suffix names the i-th schema of a chain: "" for the first, the number after.
func suffix(i int) string {
	if i == 0 {
		return ""
	}
	return fmt.Sprint(i)
}

// TestDraftOfLinkHeaderPaging drafts from a document whose account list takes
// a cursor but gives the next one only in a Link header, which the engine
// does not follow: the draft does not claim cursor paging, says why among
// what it could not match, drafts a style the engine can run, and parses
// back as a valid profile.
func TestDraftOfLinkHeaderPaging(t *testing.T) {
	d := draftOf(t, "link-paging.yaml", accounts)
	if d.Profile.Paging.Style == client.PagingCursor {
		t.Errorf("drafted cursor paging with next %q", d.Profile.Paging.Next)
	}
	if len(d.Unmatched) != 1 || d.Unmatched[0].Capability != "paging" || !strings.Contains(d.Unmatched[0].Why, "Link header") {
		t.Errorf("unmatched %+v, want paging with the Link header named", d.Unmatched)
	}
	text := d.YAML("link-paging.yaml")
	if !strings.Contains(string(text), "# edit: paging: not matched: ") {
		t.Errorf("the draft has no edit note for paging:\n%s", text)
	}
	if _, err := scenario.ParseProfile(text, "draft.yaml"); err != nil {
		t.Fatalf("the draft does not parse: %v\n%s", err, text)
	}
}

// TestDraftOfNullableTypes drafts from an OpenAPI 3.1 document whose refresh
// token, token lifetime and list total are typed [T, "null"]: each is read as
// its non-null type, as when typed T alone.
func TestDraftOfNullableTypes(t *testing.T) {
	d := draftOf(t, "nullable-types.yaml", accounts)
	tok, pg := d.Profile.Token, d.Profile.Paging
	if tok.Refresh != "data.refreshToken" || tok.ExpiresIn != "data.expiresIn" || pg.Total != "meta.total" {
		t.Errorf("token.refresh %q, token.expires_in %q, paging.total %q; want data.refreshToken, data.expiresIn, meta.total",
			tok.Refresh, tok.ExpiresIn, pg.Total)
	}
	if _, err := scenario.ParseProfile(d.YAML("nullable-types.yaml"), "draft.yaml"); err != nil {
		t.Fatalf("the draft does not parse: %v", err)
	}
}

// accounts is othersvc's word for users.
var accounts = map[string]string{"users": "accounts"}

// draftOf drafts from the OpenAPI document testdata/name with the resource
// words (--map) given.
func draftOf(t *testing.T, name string, words map[string]string) *Draft {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := Load(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Build(doc, words)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestDraftOfNestedRoutes drafts from a document whose users live under their
// organisation too (/orgs/{orgId}/users/{userId}), some operations only there
// (/orgs/{id}/users/{id}/activate), under a server URL with a variable: the
// draft passes the profile validator, prefers the flat route of each
// capability, leaves the nested-only ones out with a route to write by hand
// (which the validator takes), and drafts base_path with the variable's
// default and an edit note.
func TestDraftOfNestedRoutes(t *testing.T) {
	d := draftOf(t, "nested-routes.yaml", nil)
	text := d.YAML("nested-routes.yaml")
	if _, err := scenario.ParseProfile(text, "draft.yaml"); err != nil {
		t.Fatalf("the draft is refused: %v\n%s", err, text)
	}
	for id, want := range map[string]string{
		"users.get":        "GET /users/{id}",
		"users.update":     "PUT /users/{id}",
		"users.deactivate": "POST /users/{id}/deactivate", // not /orgs/{orgId}/…, nor for users.activate
		"roles.get":        "GET /roles/{id}",
	} {
		if got := d.Profile.Routes[id]; got != want {
			t.Errorf("routes.%s %q, want %q", id, got, want)
		}
	}
	for _, id := range []string{"auth.me", "users.activate", "roles.update", "user_roles.assign"} {
		if r, ok := d.Profile.Routes[id]; ok {
			t.Errorf("routes.%s drafted as %q", id, r) // auth.me: getMembers is not getMe
		}
	}
	wantOut := map[string]string{
		"users.activate":    "POST /orgs/acme/users/{id}/activate",
		"users.by_email":    "GET /orgs/acme/users/by-email/{email}",
		"user_roles.list":   "GET /orgs/acme/users/{userId}/roles",
		"user_roles.assign": "PUT /orgs/acme/users/{userId}/roles/{roleId}",
		"user_roles.revoke": "DELETE /orgs/acme/users/{userId}/roles/{roleId}",
	}
	byHand := client.Profile{Routes: map[string]string{}}
	for _, m := range d.LeftOut {
		if wantOut[m.Capability] != m.Write || !strings.Contains(m.Why, "under the parent path /orgs/") {
			t.Errorf("left out %s: write %q (want %q), why %q", m.Capability, m.Write, wantOut[m.Capability], m.Why)
		}
		byHand.Routes[m.Capability] = m.Write
		if !strings.Contains(string(text), "  # "+m.Capability+": left out: ") || !strings.Contains(string(text), "  #   "+m.Capability+": "+m.Write+"\n") {
			t.Errorf("the draft does not say that it left out %s, or what to write", m.Capability)
		}
	}
	if len(d.LeftOut) != len(wantOut) {
		t.Errorf("left out %+v, want %v", d.LeftOut, wantOut)
	}
	if err := byHand.Validate(); err != nil {
		t.Errorf("the routes to write by hand are refused: %v", err)
	}
	if d.Profile.BasePath != "/tenants/demo/v1" || len(d.Unmatched) != 1 || d.Unmatched[0].Capability != "base_path" ||
		!strings.Contains(d.Unmatched[0].Why, "{tenant}") {
		t.Errorf("base_path %q, unmatched %+v", d.Profile.BasePath, d.Unmatched)
	}
	for _, u := range d.Unused {
		if strings.Contains(u, "activateUser") {
			t.Errorf("%s is listed unused although left out with a note", u)
		}
	}
}

// TestKeepValid: a drafted route the profile validator would refuse is taken
// out of the draft and listed as not matched with the validator's words.
func TestKeepValid(t *testing.T) {
	d := &Draft{Notes: map[string]string{"users.get": "GET /x/{a}/{b} (getX)", "roles.get": "GET /groups/{groupId} (getGroup)"}}
	d.Profile.Routes = map[string]string{"users.get": "GET /x/{a}/{id}", "roles.get": "GET /groups/{id}"}
	keepValid(d)
	if err := d.Profile.Validate(); err != nil {
		t.Fatalf("still refused: %v", err)
	}
	if _, ok := d.Profile.Routes["users.get"]; ok || d.Profile.Routes["roles.get"] != "GET /groups/{id}" {
		t.Errorf("routes %v", d.Profile.Routes)
	}
	if len(d.Missing) != 1 || d.Missing[0].Capability != "users.get" || !strings.Contains(d.Missing[0].Why, "{a} is not a placeholder the engine fills") {
		t.Errorf("missing %+v", d.Missing)
	}
}
