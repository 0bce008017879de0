import { PLUGIN_BASE_URL, ROUTES } from './constants';

/** The app-relative URL of one of the app's pages. */
export function prefixRoute(route: ROUTES | string): string {
  return `${PLUGIN_BASE_URL}/${route}`;
}
