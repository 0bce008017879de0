package client

import (
	"errors"
	"strings"
	"testing"
)

// TestProfileWireFields: every profile field written into a request as it is
// (header name, scheme, routes, base path, query parameter names) is refused,
// naming the field and the fix, when it would break the request's framing or
// change its meaning; what a real service needs still passes.
func TestProfileWireFields(t *testing.T) {
	bad := []struct {
		name  string
		p     Profile
		field string
		says  string
	}{
		{"header injection", Profile{Token: TokenProfile{Header: "Authorization: Bearer x\r\nX-Injected"}}, "token.header", "not an HTTP header name"},
		{"header with spaces", Profile{Token: TokenProfile{Header: "X Bad Header"}}, "token.header", "a space"},
		{"header with a colon", Profile{Token: TokenProfile{Header: "X-Auth:"}}, "token.header", "X-Api-Key"},
		{"scheme injection", Profile{Token: TokenProfile{Scheme: "Bearer\r\nX-Injected:1"}}, "token.scheme", "carriage return"},
		{"scheme NUL", Profile{Token: TokenProfile{Scheme: "Bearer\x00"}}, "token.scheme", "NUL"},
		{"route query", Profile{Routes: map[string]string{"users.list": "GET /users?active=true"}}, "routes.users.list", "remove the ?… part"},
		{"route fragment", Profile{Routes: map[string]string{"users.get": "GET /users/{id}#frag"}}, "routes.users.get", "fragment"},
		{"route CRLF", Profile{Routes: map[string]string{"users.get": "GET /users/{id}\r\nX-Injected: 1"}}, "routes.users.get", "percent-encode"},
		{"route broken escape", Profile{Routes: map[string]string{"users.get": "GET /users/%zz/{id}"}}, "routes.users.get", "%25"},
		{"route other host", Profile{BasePath: "/", Routes: map[string]string{"users.get": "GET //evil.example/users/{id}"}}, "routes.users.get", "empty segment"},
		{"base path space", Profile{BasePath: "/api v2"}, "base_path", "%20"},
		{"base path brace", Profile{BasePath: "/api/{id}"}, "base_path", "percent-encode"},
		{"query name", Profile{Query: QueryProfile{Size: "per page"}}, "query.size", "query parameter name"},
		{"query name &", Profile{Query: QueryProfile{Search: "q&admin=1"}}, "query.search", "query parameter name"},
		{"query cursor CRLF", Profile{Query: QueryProfile{Cursor: "c\r\n"}}, "query.cursor", "query parameter name"},
	}
	for _, c := range bad {
		err := c.p.Validate()
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != c.field || !strings.Contains(fe.Message, c.says) {
			t.Errorf("%s: %v; want a %s error saying %q", c.name, err, c.field, c.says)
		}
		if _, err := New(Options{BaseURL: "http://127.0.0.1:1", Profile: c.p}); err == nil {
			t.Errorf("%s: New accepted the profile", c.name)
		}
	}
	good := []Profile{
		{Token: TokenProfile{Header: "X-Api-Key", Scheme: "-"}},
		{Token: TokenProfile{Header: "x_token", Scheme: "Token"}},
		{BasePath: "/api/v2/", Routes: map[string]string{"users.get": "GET /users/~{id}", "users.by_email": "/lookup/e-mail:{email}", "users.list": "/users;all"}},
		{BasePath: "/svc%20x"},
		{Query: QueryProfile{Size: "page[size]", Page: "page[number]", Search: "filter.q"}},
	}
	for _, p := range good {
		if err := p.Validate(); err != nil {
			t.Errorf("%+v: %v", p, err)
		}
	}
}

// TestPlainWireFields: a plain request's header names and values are checked
// the same way.
func TestPlainWireFields(t *testing.T) {
	for _, c := range []struct {
		h     map[string]string
		field string
		says  string
	}{
		{map[string]string{"X Bad": "1"}, "headers", "a space"},
		{map[string]string{"X-(A)": "1"}, "headers", "not an HTTP header name"},
		{map[string]string{"X-A": "1\r\nX-Injected: 1"}, "headers.X-A", "carriage return"},
		{map[string]string{"X-A": "1\x00"}, "headers.X-A", "NUL"},
	} {
		err := ValidatePlain(PlainSpec{Path: "/", Headers: c.h})
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != c.field || !strings.Contains(fe.Message, c.says) {
			t.Errorf("%v: %v; want a %s error saying %q", c.h, err, c.field, c.says)
		}
	}
	if err := ValidatePlain(PlainSpec{Path: "/a?b=1", Headers: map[string]string{"X-Api-Key": "k\t{{vu}}"}}); err != nil {
		t.Errorf("good plain request: %v", err)
	}
	if err := ValidatePlain(PlainSpec{Path: "/a\x00"}); err == nil {
		t.Errorf("a NUL in a plain path passed")
	}
}

// TestRoutePlaceholderErrors: a repeated placeholder is refused, and a path
// parameter beside the capability's own is to be written as its value, not
// renamed to a placeholder the route already holds.
func TestRoutePlaceholderErrors(t *testing.T) {
	for _, c := range []struct{ route, says string }{
		{"POST /orgs/{id}/members/{id}/activate", "holds {id} twice"},
		{"GET /orgs/{org}/members/{id}", "{org} is not a placeholder the engine fills: users.get takes {id}"},
		{"GET /orgs/{org}/members/{id}", "e.g. /orgs/acme/members/{id}"},
		{"GET /accounts/{accountId}", "write {id} instead"},
	} {
		id := "users.get"
		if strings.HasSuffix(c.route, "activate") {
			id = "users.activate"
		}
		err := Profile{Routes: map[string]string{id: c.route}}.Validate()
		if err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v; want it to say %q", c.route, err, c.says)
		}
	}
}
