// A user journey against the reference user service, written the way a k6 user
// writes one: every iteration a new user registers, logs in, looks around, edits
// their account and profile, and logs out. Answers are read with r.json(), every
// step is checked, and requests carry a `name` tag so that ids in URLs do not
// make a metric series each.
//
//   k6 run -e BASE=http://127.0.0.1:9501 -e VUS=50 -e DURATION=10s bench/k6/journey.js
//
// bench/run.sh j runs it against `trafficsim target` beside trafficsim's own
// journeys (docs/benchmarks.md, sweep j). No think time: the sweep measures what a
// request costs the tool, counted on the target.
import http from 'k6/http';
import { check, group } from 'k6';
import exec from 'k6/execution';

const BASE = (__ENV.BASE || 'http://127.0.0.1:9501') + '/api/v1';
const RUN = 'k6j' + (Date.now() % 100000);

export const options = {
  vus: Number(__ENV.VUS || 50),
  duration: __ENV.DURATION || '10s',
  thresholds: { checks: ['rate>0.95'] },
  summaryTrendStats: ['avg', 'p(95)', 'max'],
};

const json = (token) => {
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  return headers;
};

export default function () {
  const n = `${exec.vu.idInTest}_${exec.vu.iterationInScenario}`;
  const username = `sim_${RUN}_u${n}`;
  const email = `${username}@simulation.test`;
  const password = `S${Math.random().toString(36).slice(2, 12)}-7`;

  let user;
  group('sign up', () => {
    const r = http.post(`${BASE}/users`, JSON.stringify({ username, email, password, name: 'Ada Lovelace' }),
      { headers: json(), tags: { name: 'POST /users' } });
    check(r, { 'registered': (res) => res.status === 201 && res.json('id') !== undefined });
    user = r.status === 201 ? r.json() : null;
  });
  if (!user) return;

  let access, refresh;
  group('log in', () => {
    const r = http.post(`${BASE}/auth/login`, JSON.stringify({ username, password }),
      { headers: json(), tags: { name: 'POST /auth/login' } });
    check(r, { 'logged in': (res) => res.status === 200 && !!res.json('access_token') });
    if (r.status === 200) {
      access = r.json('access_token');
      refresh = r.json('refresh_token');
    }
  });
  if (!access) return;
  const auth = { headers: json(access) };
  const tagged = (name) => Object.assign({ tags: { name } }, auth);

  group('look around', () => {
    const me = http.post(`${BASE}/auth/me`, null, tagged('POST /auth/me'));
    check(me, { 'me is me': (res) => res.status === 200 && res.json('username') === username });

    const list = http.get(`${BASE}/users?page=1&per_page=20`, tagged('GET /users'));
    check(list, { 'listed users': (res) => res.status === 200 && Array.isArray(res.json('data')) });
    const users = list.status === 200 ? list.json('data') : [];
    const other = users.length ? users[Math.floor(Math.random() * users.length)] : user;

    const found = http.get(`${BASE}/users/search?q=${encodeURIComponent('sim_' + RUN)}&per_page=10`, tagged('GET /users/search'));
    check(found, { 'searched users': (res) => res.status === 200 });

    check(http.get(`${BASE}/users/${other.id}`, tagged('GET /users/{id}')), { 'user by id': (res) => res.status === 200 });
    check(http.get(`${BASE}/users/email/${encodeURIComponent(email)}`, tagged('GET /users/email/{email}')),
      { 'user by email': (res) => res.status === 200 && res.json('id') === user.id });
    check(http.get(`${BASE}/users/username/${encodeURIComponent(username)}`, tagged('GET /users/username/{username}')),
      { 'user by username': (res) => res.status === 200 });

    const roles = http.get(`${BASE}/roles?page=1&per_page=20`, tagged('GET /roles'));
    check(roles, { 'listed roles': (res) => res.status === 200 });
    const role = roles.status === 200 ? (roles.json('data') || [])[0] : null;
    if (role) check(http.get(`${BASE}/roles/${role.id}`, tagged('GET /roles/{id}')), { 'role by id': (res) => res.status === 200 });
    check(http.get(`${BASE}/permissions?page=1&per_page=20`, tagged('GET /permissions')), { 'listed permissions': (res) => res.status === 200 });
    check(http.get(`${BASE}/users/${user.id}/roles`, tagged('GET /users/{id}/roles')), { 'own roles': (res) => res.status === 200 });
  });

  group('edit account and profile', () => {
    check(http.put(`${BASE}/users/${user.id}`, JSON.stringify({ name: 'Grace Hopper' }), tagged('PUT /users/{id}')),
      { 'updated': (res) => res.status === 200 && res.json('name') === 'Grace Hopper' });
    const path = `${BASE}/users/${user.id}/profile`;
    const profile = { bio: 'Coffee first.', location: 'Lisbon', website: `https://example.org/${n}`, phone: '+491511234567' };
    check(http.post(path, JSON.stringify(profile), tagged('POST /users/{id}/profile')), { 'profile created': (res) => res.status === 201 });
    check(http.get(path, tagged('GET /users/{id}/profile')), { 'profile read': (res) => res.status === 200 && res.json('location') === 'Lisbon' });
    check(http.put(path, JSON.stringify({ bio: 'Building things that last.' }), tagged('PUT /users/{id}/profile')), { 'profile updated': (res) => res.status === 200 });
    check(http.del(path, null, tagged('DELETE /users/{id}/profile')), { 'profile deleted': (res) => res.status === 204 });
  });

  group('log out', () => {
    const r = http.post(`${BASE}/auth/logout`, JSON.stringify({ refresh_token: refresh }), tagged('POST /auth/logout'));
    check(r, { 'logged out': (res) => res.status === 204 });
  });
}
