package plugin

import (
	"context"
	"net/http"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// Grafana gates resource calls only on sign-in, so the plugin enforces org roles itself.
type role int

const (
	roleNone role = iota
	roleViewer
	roleEditor
	roleAdmin
)

func roleOf(u *backend.User) role {
	if u == nil {
		return roleNone
	}
	switch u.Role {
	case "Viewer":
		return roleViewer
	case "Editor":
		return roleEditor
	case "Admin":
		return roleAdmin
	default: // "None", "" and anything unknown
		return roleNone
	}
}

func userRole(ctx context.Context) role { return roleOf(backend.UserFromContext(ctx)) }

// allow runs h only for users with at least the role min.
func (a *App) allow(min role, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		have := userRole(r.Context())
		if have < min || have == roleNone {
			msg := "signed-in users with the Viewer role or higher may read runs"
			switch min {
			case roleEditor:
				msg = "only Editors and Admins may start, stop or check runs"
			case roleAdmin:
				msg = "only Admins may change the app's settings"
			}
			writeError(w, http.StatusForbidden, "", msg)
			return
		}
		h(w, r)
	})
}
