package catalog

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestCheckActions: the tables pass their load-time check, and the check
// refuses each kind of bad row, naming it.
func TestCheckActions(t *testing.T) {
	if err := checkActions(actions, errorKinds); err != nil {
		t.Fatal(err)
	}
	good := Action{Name: "x", Group: GroupAuth, Think: ThinkQuick, Endpoints: []string{AuthMe}}
	for _, c := range []struct {
		change func(*Action)
		want   string
	}{
		{func(a *Action) { a.Group = "nope" }, `unknown group "nope"`},
		{func(a *Action) { a.Think = "slow" }, `unknown think-time class "slow"`},
		{func(a *Action) { a.Endpoints = nil }, "sends to no endpoint"},
		{func(a *Action) { a.Endpoints = []string{"users.nope"} }, `unknown endpoint "users.nope"`},
		{func(a *Action) { a.Admin = true }, "admin-only is true in group auth"},
		{func(a *Action) { a.Group, a.Endpoints = GroupAdmin, []string{UsersDelete} }, "admin-only is false in group admin"},
	} {
		a := good
		c.change(&a)
		err := checkActions([]Action{a}, nil)
		if err == nil || !strings.Contains(err.Error(), "action x") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error naming action x and %q", a, err, c.want)
		}
	}
	k := ErrorKind{Name: "k", Group: GroupAuth, Think: ThinkQuick, Endpoint: UsersGet, Status: 404}
	if err := checkActions(nil, []ErrorKind{k}); err == nil || !strings.Contains(err.Error(), "error kind k: endpoint users.get is not in group auth") {
		t.Errorf("an error kind outside its endpoint's group: %v", err)
	}
	k.Group, k.For = GroupUserQuery, "robots"
	if err := checkActions(nil, []ErrorKind{k}); err == nil || !strings.Contains(err.Error(), `for "robots"`) {
		t.Errorf("an error kind for nobody: %v", err)
	}
}

func TestActionNames(t *testing.T) {
	if got := strings.Join(ActionNames(GroupAuth), " "); got != "me refresh relogin" {
		t.Errorf("auth's weighted actions: %s", got)
	}
	if n := len(ActionNames("")); n != len(actions) {
		t.Errorf("every action: %d names of %d", n, len(actions))
	}
	if LookupAction("login") == nil || LookupAction("nope") != nil || LookupErrorKind("forbidden") == nil || LookupErrorKind("login") != nil {
		t.Error("look-ups")
	}
	if len(ErrorKindNames()) != len(errorKinds) {
		t.Error("error kind names")
	}
}

// TestDocsListEveryAction: docs/scenarios.md's tables give every action its
// group and think-time class, and every error kind its expected status and
// who makes it, as the tables here do.
func TestDocsListEveryAction(t *testing.T) {
	data, err := os.ReadFile("../../docs/scenarios.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	section := func(title string) string {
		i := strings.Index(doc, title)
		if i < 0 {
			t.Fatalf("docs/scenarios.md has no %q", title)
		}
		rest := doc[i+len(title):]
		if j := strings.Index(rest, "\n#"); j >= 0 {
			rest = rest[:j]
		}
		return rest
	}
	names := regexp.MustCompile("`([a-z_]+)`")
	rows := func(text string) map[string][]string { // name -> its row's cells
		out := map[string][]string{}
		for _, line := range strings.Split(text, "\n") {
			if !strings.HasPrefix(line, "| ") {
				continue
			}
			cells := strings.Split(strings.Trim(line, "| "), " | ")
			for _, m := range names.FindAllStringSubmatch(line, -1) {
				if _, dup := out[m[1]]; !dup {
					out[m[1]] = cells
				}
			}
		}
		return out
	}
	acts := rows(section("### Actions"))
	for _, a := range actions {
		cells, found := acts[a.Name]
		switch {
		case !found:
			t.Errorf("docs/scenarios.md's Actions table does not list %s", a.Name)
		case len(cells) != 4 || cells[0] != a.Group || cells[3] != a.Think:
			t.Errorf("docs/scenarios.md lists %s as %q, want group %s and think %s", a.Name, cells, a.Group, a.Think)
		}
	}
	who := map[string]string{"": "any", ForAdmin: "admins", ForUser: "non-admins"}
	kinds := rows(section("### Deliberate client errors"))
	for _, k := range errorKinds {
		cells, found := kinds[k.Name]
		switch {
		case !found:
			t.Errorf("docs/scenarios.md's error kinds table does not list %s", k.Name)
		case len(cells) != 4 || cells[2] != strconv.Itoa(k.Status) || cells[3] != who[k.For]:
			t.Errorf("docs/scenarios.md lists %s as %q, want status %d for %s", k.Name, cells, k.Status, who[k.For])
		}
	}
	for name := range acts {
		if LookupAction(name) == nil && LookupErrorKind(name) == nil {
			t.Errorf("docs/scenarios.md's Actions table lists %s, which is no action", name)
		}
	}
}
