package profiledraft

import (
	"bytes"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"

	"github.com/trafficsim/trafficsim/engine/catalog"
)

var plain = regexp.MustCompile(`^[A-Za-z0-9_./{}-][A-Za-z0-9_./{} -]*$`)

// q renders a YAML scalar: plain when safe, else double-quoted.
func q(s string) string {
	if plain.MatchString(s) && s[len(s)-1] != ' ' {
		return s
	}
	return strconv.Quote(s)
}

// YAML renders the draft as a commented profile file (docs/api-profile.md);
// source names the OpenAPI document in the header.
func (d *Draft) YAML(source string) []byte {
	p := &d.Profile
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# API profile drafted by `trafficsim profile init` from %s.\n", source)
	w("# Review it, then verify it against the live target:\n")
	w("#   trafficsim check --base-url URL --api-profile THIS_FILE --admin-user ADMIN\n")
	w("# Fields: docs/api-profile.md.\n")
	for _, s := range d.Settings {
		w("#   read: %s\n", s)
	}
	if p.BasePath != "" {
		w("base_path: %s\n", q(p.BasePath))
	}
	w("routes:\n")
	for _, ep := range catalog.All() {
		if r, ok := p.Routes[ep.ID]; ok {
			w("  %s: %s  # %s\n", ep.ID, q(r), d.Notes[ep.ID])
		}
	}
	for _, m := range d.Missing {
		w("  # %s: not matched (%s); the reference route %s %s is used\n", m.Capability, m.Why, catalog.MustLookup(m.Capability).Method, catalog.MustLookup(m.Capability).Route)
	}
	for _, m := range d.LeftOut {
		ep := catalog.MustLookup(m.Capability)
		w("  # %s: left out: %s, e.g.\n", m.Capability, m.Why)
		w("  #   %s: %s\n", m.Capability, q(m.Write))
		w("  #   (until then the reference route %s %s is used)\n", ep.Method, ep.Route)
	}
	if p.Login.With != "" || p.Login.PasswordField != "" {
		w("login: {with: %s, field: %s, password_field: %s}\n", q(or(p.Login.With, "username")), q(or(p.Login.Field, p.Login.With, "username")), q(or(p.Login.PasswordField, "password")))
	}
	w("token:\n")
	w("  access: %s\n", q(or(p.Token.Access, "access_token")))
	if p.Token.Access == "" {
		w("  # no token found in the login answer's schema: the reference name is used\n")
	}
	w("  refresh: %s\n", q(or(p.Token.Refresh, "refresh_token")))
	if p.Token.ExpiresIn != "" {
		w("  expires_in: %s\n", q(p.Token.ExpiresIn))
	}
	if p.Token.RefreshField != "" {
		w("  refresh_field: %s\n", q(p.Token.RefreshField))
	}
	if p.Object != "" {
		w("object: %s\n", q(p.Object))
	}
	if p.ID != "" {
		w("id: %s\n", q(p.ID))
	}
	if p.IDKind != "" {
		w("id_kind: %s\n", p.IDKind)
	}
	if p.Items != "" {
		w("items: %s\n", q(p.Items))
	}
	if len(p.ResourceFields) > 0 {
		w("resource_fields:\n")
		for _, res := range slices.Sorted(maps.Keys(p.ResourceFields)) {
			w("  %s: {", res)
			for i, k := range slices.Sorted(maps.Keys(p.ResourceFields[res])) {
				if i > 0 {
					w(", ")
				}
				w("%s: %s", k, q(p.ResourceFields[res][k]))
			}
			w("}\n")
		}
	}
	qp := p.Query
	if qp.Search != "" || qp.Page != "" || qp.Size != "" || qp.Offset != "" || qp.Cursor != "" {
		w("query: {search: %s, page: %s, size: %s, offset: %s, cursor: %s}\n", q(or(qp.Search, "q")), q(or(qp.Page, "page")),
			q(or(qp.Size, "per_page")), q(or(qp.Offset, "offset")), q(or(qp.Cursor, "cursor")))
	}
	w("paging: {style: %s", or(p.Paging.Style, "page"))
	if p.Paging.Total != "" {
		w(", total: %s", q(p.Paging.Total))
	}
	if p.Paging.Next != "" {
		w(", next: %s", q(p.Paging.Next))
	}
	w("}\n")
	for _, m := range d.Unmatched {
		w("# edit: %s: not matched: %s\n", m.Capability, m.Why)
	}
	if p.Statuses.Validation != 0 {
		w("statuses: {validation: %d}\n", p.Statuses.Validation)
	}
	if len(d.Unused) > 0 {
		w("# operations no capability uses:\n")
		for _, u := range d.Unused {
			w("#   %s\n", u)
		}
	}
	return b.Bytes()
}

func or(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
