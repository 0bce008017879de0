import { OrgRole } from '@grafana/data';
import { config } from '@grafana/runtime';

export interface ControlPermission {
  /** Whether the signed-in user may start and stop runs. */
  allowed: boolean;
  /** Why not, in words for the user; empty when allowed. */
  reason: string;
}

/**
 * controlPermission mirrors the backend's rule (pkg/plugin/roles.go): only Editors and
 * Admins of the org start or stop runs; Viewers watch. The backend enforces it; this only
 * spares users a button that can only fail. It reads the user at call time so a host page
 * can set config.bootData.user.
 */
export function controlPermission(): ControlPermission {
  const role = config.bootData?.user?.orgRole || OrgRole.None;
  if (role === OrgRole.Editor || role === OrgRole.Admin) {
    return { allowed: true, reason: '' };
  }
  const who = role === OrgRole.None ? 'without an org role' : `as ${role}`;
  return {
    allowed: false,
    reason: `Starting and stopping simulations needs the Editor or Admin role; you are signed in ${who}.`,
  };
}
