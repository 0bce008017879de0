// Sweep (b): the `mixed` request mix with zero think time, written for k6 against the
// reference target, so trafficsim and k6 do the same work: each VU registers its own
// user, signs in, then picks actions by group weight — auth 20, user queries 35, user
// mutations 15, profiles 15, roles/permissions 10, admin 5 — without pausing.
import http from 'k6/http';
import exec from 'k6/execution';

const BASE = (__ENV.BASE || 'http://127.0.0.1:9501') + '/api/v1';
const ADMIN_PASSWORD = __ENV.ADMIN_PASSWORD || 'admin';

export const options = {
  vus: Number(__ENV.VUS || 50),
  duration: __ENV.DURATION || '10s',
  discardResponseBodies: false,
  summaryTrendStats: ['avg', 'p(95)', 'max'],
};

const json = (token) => ({
  headers: Object.assign({ 'Content-Type': 'application/json' }, token ? { Authorization: 'Bearer ' + token } : {}),
});

function pick(weights) {
  let total = 0;
  for (const w of weights) total += w[1];
  let r = Math.random() * total;
  for (const w of weights) {
    r -= w[1];
    if (r < 0) return w[0];
  }
  return weights[weights.length - 1][0];
}

function login(username, password) {
  const res = http.post(BASE + '/auth/login', JSON.stringify({ username, password }), json());
  return res.status === 200 ? res.json() : null;
}

let me = null; // per VU: {id, username, email, password, tokens, admin tokens, profile}

function setup() {
  const n = exec.vu.idInTest;
  const username = `sim_k6bench_${n}_${Date.now() % 100000}`;
  const password = 'Passw0rd' + n;
  const email = username + '@simulation.test';
  const res = http.post(BASE + '/users', JSON.stringify({ username, email, password, name: 'k6 ' + n }), json());
  const user = res.status === 201 ? res.json() : null;
  me = { id: user ? user.id : 1, username, email, password, tokens: login(username, password), admin: login('admin', ADMIN_PASSWORD), profile: false };
}

const actions = {
  auth() {
    const op = pick([['me', 4], ['refresh', 3], ['relogin', 3]]);
    if (op === 'me') {
      http.post(BASE + '/auth/me', null, json(me.tokens.access_token));
    } else if (op === 'refresh') {
      const res = http.post(BASE + '/auth/refresh', JSON.stringify({ refresh_token: me.tokens.refresh_token }), json());
      if (res.status === 200) me.tokens = res.json();
    } else {
      http.post(BASE + '/auth/logout', JSON.stringify({ refresh_token: me.tokens.refresh_token }), json(me.tokens.access_token));
      me.tokens = login(me.username, me.password) || me.tokens;
    }
  },
  user_query() {
    const t = me.tokens.access_token;
    const op = pick([['list', 3], ['search', 3], ['id', 2], ['email', 1], ['username', 1]]);
    if (op === 'list') http.get(BASE + '/users?page=1&per_page=20', json(t));
    else if (op === 'search') http.get(BASE + '/users/search?q=sim&per_page=20', json(t));
    else if (op === 'id') http.get(BASE + '/users/' + me.id, json(t));
    else if (op === 'email') http.get(BASE + '/users/email/' + encodeURIComponent(me.email), json(t));
    else http.get(BASE + '/users/username/' + me.username, json(t));
  },
  user_mutation() {
    const t = me.tokens.access_token;
    if (Math.random() < 0.8) {
      http.put(BASE + '/users/' + me.id, JSON.stringify({ name: 'k6 user ' + Math.floor(Math.random() * 1000) }), json(t));
    } else {
      const next = 'Passw0rd' + Math.floor(Math.random() * 100000);
      const res = http.put(BASE + '/users/' + me.id + '/change-password', JSON.stringify({ current_password: me.password, new_password: next }), json(t));
      if (res.status === 204) me.password = next;
    }
  },
  profile() {
    const t = me.tokens.access_token;
    const url = BASE + '/users/' + me.id + '/profile';
    if (!me.profile) {
      const res = http.post(url, JSON.stringify({ bio: 'load test', location: 'Loopback' }), json(t));
      me.profile = res.status === 201 || res.status === 409;
    } else if (Math.random() < 0.6) {
      http.get(url, json(t));
    } else {
      http.put(url, JSON.stringify({ bio: 'updated ' + Math.floor(Math.random() * 1000) }), json(t));
    }
  },
  role_permission() {
    const t = me.tokens.access_token;
    const op = pick([['roles', 4], ['role', 2], ['perms', 2], ['mine', 2]]);
    if (op === 'roles') http.get(BASE + '/roles', json(t));
    else if (op === 'role') http.get(BASE + '/roles/2', json(t));
    else if (op === 'perms') http.get(BASE + '/permissions', json(t));
    else http.get(BASE + '/users/' + me.id + '/roles', json(t));
  },
  admin() {
    if (!me.admin) return;
    const t = me.admin.access_token;
    const op = pick([['activate', 1], ['list', 2]]);
    if (op === 'list') http.get(BASE + '/users?page=2&per_page=50', json(t));
    else http.put(BASE + '/users/' + me.id + '/' + op, null, json(t));
  },
};

const mix = [['auth', 20], ['user_query', 35], ['user_mutation', 15], ['profile', 15], ['role_permission', 10], ['admin', 5]];

export default function () {
  if (me === null) setup();
  if (!me.tokens) {
    me.tokens = login(me.username, me.password);
    if (!me.tokens) return;
  }
  actions[pick(mix)]();
}
