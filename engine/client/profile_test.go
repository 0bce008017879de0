package client

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/trafficsim/trafficsim/engine/catalog"
)

// TestProfileV2 drives a recording server with a v2 profile: methods per
// route, field names per resource over the global ones, query parameter names,
// offset and cursor paging.
func TestProfileV2(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.RequestURI()+" "+string(body))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"data":[{"id":"a","title":"sim_x"}],"meta":{"total":7,"next":"c2"}}`)
	}))
	defer srv.Close()
	p := Profile{
		BasePath: "/",
		Routes: map[string]string{
			"auth.me": "GET /session/me", "auth.logout": "delete /session", "users.update": "PATCH /accounts/{id}",
			"roles.create": "/groups", "roles.list": "/groups",
		},
		Fields:         map[string]string{"name": "displayName"},
		ResourceFields: map[string]map[string]string{"roles": {"name": "title"}},
		Query:          QueryProfile{Search: "search", Size: "limit"},
		Paging:         PagingProfile{Style: PagingOffset, Total: "meta.total"},
	}
	c, err := New(Options{BaseURL: srv.URL, Profile: p})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	do := func(id string, params [2]string, query string, body Body) Result {
		return c.Do(ctx, &Call{Endpoint: catalog.MustLookup(id), Params: params, Query: query, Body: body, Decode: true})
	}
	do(catalog.AuthMe, [2]string{}, "", nil)
	do(catalog.AuthLogout, [2]string{}, "", nil)
	do(catalog.UsersUpdate, [2]string{"u1"}, "", Body{{Name: "name", Value: "Ada"}})
	do(catalog.RolesCreate, [2]string{}, "", Body{{Name: "name", Value: "r"}})
	q := c.ListQuery("sim_", 3, 20)
	res := do(catalog.RolesList, [2]string{}, q, nil)
	want := []string{
		"GET /session/me ",
		"DELETE /session ",
		`PATCH /accounts/u1 {"displayName":"Ada"}`,
		`POST /groups {"title":"r"}`,
		"GET /groups?search=sim_&offset=40&limit=20 ",
	}
	if strings.Join(seen, "\n") != strings.Join(want, "\n") {
		t.Errorf("sent:\n%s\nwant:\n%s", strings.Join(seen, "\n"), strings.Join(want, "\n"))
	}
	if m := c.Method(catalog.MustLookup(catalog.AuthMe)); m != "GET" {
		t.Errorf("method label %q", m)
	}
	if n, ok := c.Total(&res); !ok || n != 7 {
		t.Errorf("total %d %v", n, ok)
	}
	if e := c.Entries(&res); len(e) != 1 || e[0].Name != "sim_x" || e[0].ID != "a" {
		t.Errorf("entries %+v (roles' name is title)", e)
	}
	if next, ok := c.NextQuery(&res, q); !ok || next != "limit=20&offset=60&search=sim_" {
		t.Errorf("next offset query %q %v", next, ok)
	}

	p.Paging = PagingProfile{Style: PagingCursor, Next: "meta.next"}
	c2, err := New(Options{BaseURL: srv.URL, Profile: p})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if q := c2.ListQuery("", 2, 10); q != "limit=10" {
		t.Errorf("cursor first page %q", q)
	}
	if next, ok := c2.NextQuery(&res, "limit=10"); !ok || next != "cursor=c2&limit=10" {
		t.Errorf("cursor next %q %v", next, ok)
	}
}
