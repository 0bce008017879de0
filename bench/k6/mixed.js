// Sweep (b): trafficsim's built-in `mixed` scenario (engine/scenario/builtin/mixed.yaml)
// written for k6 against the reference target with zero think time, so both tools
// put the same work on the target and do the same work themselves:
// - the same group mix (auth 20, user queries 35, user mutations 15, profiles 15,
//   roles/permissions 10, admin 5) and the same action weights within each group;
// - one VU in ten is an admin (admins alone take admin actions, half of their
//   actions, so the admin share is 5% of the whole);
// - every VU registers its own account and logs in (bcrypt on the target); relogins,
//   registrations, password changes and resets hash passwords as trafficsim's do;
// - 5% deliberate client errors of the same kinds and weights (wrong password,
//   revoked token, unknown ids, invalid bodies, forbidden admin actions, ...);
// - answers parsed where trafficsim parses them: tokens, created ids, a third of the
//   user lists and half of the role/permission lists (to pick what to look at next).
// What differs (docs/benchmarks.md): trafficsim steers toward the mix by counting every
// answer (k6 draws it), runs archetype journeys first and ends sessions with logouts;
// here each VU goes straight to weighted actions after registering and logging in.
import http from 'k6/http';
import exec from 'k6/execution';

const BASE = (__ENV.BASE || 'http://127.0.0.1:9501') + '/api/v1';
const ADMIN_PASSWORD = __ENV.ADMIN_PASSWORD || 'admin';
const RUN = 'k6b' + (Date.now() % 100000);

export const options = {
  vus: Number(__ENV.VUS || 50),
  duration: __ENV.DURATION || '10s',
  discardResponseBodies: false,
  summaryTrendStats: ['avg', 'p(95)', 'max'],
};

const hdr = (token, body) => {
  const h = { Accept: 'application/json' };
  if (body) h['Content-Type'] = 'application/json';
  if (token) h.Authorization = 'Bearer ' + token;
  return { headers: h };
};
const get = (path, t) => http.get(BASE + path, hdr(t));
const send = (method, path, body, t) =>
  http.request(method, BASE + path, body === null ? null : JSON.stringify(body), hdr(t, body !== null));
const parse = (res) => {
  try {
    return res.json();
  } catch (e) {
    return null;
  }
};

// pick draws a key of an object of weights.
function pick(weights) {
  let total = 0;
  for (const k in weights) total += weights[k];
  let r = Math.random() * total;
  for (const k in weights) {
    r -= weights[k];
    if (r < 0) return k;
  }
  return Object.keys(weights)[0];
}
const rnd = (n) => Math.floor(Math.random() * n);
const unknownID = () => String(900000000 + rnd(99999999));
const password = () => 'S' + Math.random().toString(36).slice(2, 13) + '-' + rnd(10);
const NAMES = ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Linus Torvalds', 'Barbara Liskov', 'Ken Thompson'];
const personName = () => NAMES[rnd(NAMES.length)];
const WORDS = ['sim', 'ada', 'turing', 'admin', 'example', 'simulation', 'grace', 'sim_'];

const MIX = { auth: 20, user_query: 35, user_mutation: 15, profile: 15, role_permission: 10 };
const ADMIN_MIX = Object.assign({ admin: 50 }, MIX); // admins: half their actions; 10% of VUs → 5%
const ACTIONS = {
  auth: { me: 4, refresh: 3, relogin: 2 },
  user_query: { list_users: 3, search_users: 4, get_user: 3, get_user_by_email: 1, get_user_by_username: 1 },
  user_mutation: { register: 2, update_user: 3, change_password: 1 },
  profile: { create_profile: 1, get_profile: 4, update_profile: 3, delete_profile: 1 },
  role_permission: { list_roles: 2, get_role: 2, list_permissions: 2, get_permission: 2, get_user_roles: 2 },
  admin: {
    delete_user: 1, activate_user: 1, deactivate_user: 1, reset_password: 1, create_role: 1, update_role: 1,
    delete_role: 1, create_permission: 1, update_permission: 1, delete_permission: 1, assign_role: 2, revoke_role: 1,
  },
};
const ERRORS = {
  wrong_password: 3, revoked_token: 1, bad_refresh: 1, unknown_user: 2, unknown_email: 1, unknown_username: 1,
  empty_search: 1, invalid_registration: 2, duplicate_username: 1, wrong_current_password: 1, invalid_profile: 2,
  missing_profile: 1, unknown_role: 1, unknown_permission: 1,
};
const USER_ERRORS = Object.assign({ forbidden: 2 }, ERRORS);
const ADMIN_ERRORS = Object.assign({ admin_unknown_id: 1 }, ERRORS);

let me = null; // the VU's state

let serial = 0;
function register(t) {
  const username = `sim_${RUN}_u${exec.vu.idInTest}_${++serial}`;
  const a = { username, email: username + '@simulation.test', password: password(), profile: false, roles: [] };
  const res = send('POST', '/users', { username, email: a.email, password: a.password, name: personName() }, t);
  const u = res.status === 201 ? parse(res) : null;
  if (!u || !u.id) return null;
  a.id = String(u.id);
  return a;
}

function login() {
  const name = me.admin ? 'admin' : me.acct.username;
  const pw = me.admin ? ADMIN_PASSWORD : me.acct.password;
  const res = send('POST', '/auth/login', { username: name, password: pw }, null);
  const t = res.status === 200 ? parse(res) : null;
  if (t && t.access_token) me.tokens = t;
  return !!(t && t.access_token);
}

function setup() {
  me = { admin: exec.vu.idInTest % 10 === 0, tokens: null, revoked: '', seenUser: null, seenRole: '', seenPerm: '' };
  me.acct = me.admin ? null : register(null);
  me.held = []; // admins: accounts they administer
  me.roles = [];
  me.perms = [];
}

const tok = () => me.tokens.access_token;

// subject: the account self-service actions apply to.
function subject() {
  if (!me.admin) return me.acct;
  if (me.held.length === 0) {
    const a = register(tok());
    if (a) me.held.push(a);
  }
  return me.held[0] || null;
}

function someUser() {
  if (me.seenUser && Math.random() < 0.5) return me.seenUser;
  return me.seenUser || me.acct || me.held[0] || null;
}

function list(path) {
  const decode = rnd(3) === 0;
  const res = get(path, tok());
  if (!decode || res.status !== 200) return;
  const p = parse(res);
  if (p && p.data && p.data.length) {
    const u = p.data[rnd(p.data.length)];
    if (u.username && u.email) me.seenUser = { id: String(u.id), username: u.username, email: u.email };
  }
}

function listRoles(kind) {
  const seen = kind === 'roles' ? me.seenRole : me.seenPerm;
  const decode = rnd(2) === 0 || seen === '';
  const res = get('/' + kind + '?page=1&per_page=20', tok());
  if (!decode || res.status !== 200) return;
  const p = parse(res);
  if (!p || !p.data || !p.data.length) return;
  let items = p.data.filter((x) => !String(x.name).startsWith('sim_'));
  if (!items.length) items = p.data;
  const id = String(items[rnd(items.length)].id);
  if (kind === 'roles') me.seenRole = id;
  else me.seenPerm = id;
}

function searchTerm() {
  const c = rnd(3);
  if (c === 0) return 'sim_' + RUN;
  const u = someUser();
  if (c === 1 && u && u.username.length > 6) return u.username.slice(0, 6 + rnd(u.username.length - 6));
  return WORDS[rnd(WORDS.length)];
}

const PROFILE = () => ({ bio: 'Coffee first.', location: 'Lisbon', website: 'https://example.org/' + exec.vu.idInTest, phone: '+4915' + (10000000 + rnd(89999999)) });

const act = {
  me: () => send('POST', '/auth/me', null, tok()),
  refresh() {
    const res = send('POST', '/auth/refresh', { refresh_token: me.tokens.refresh_token }, null);
    const t = res.status === 200 ? parse(res) : null;
    if (t && t.access_token) me.tokens = t;
  },
  relogin() {
    const res = send('POST', '/auth/logout', { refresh_token: me.tokens.refresh_token }, tok());
    if (res.status === 204) me.revoked = tok();
    me.tokens = null;
    login();
  },
  list_users: () => list('/users?page=' + (1 + rnd(3)) + '&per_page=20'),
  search_users: () => list('/users/search?q=' + encodeURIComponent(searchTerm()) + '&per_page=10'),
  get_user() {
    const u = someUser();
    if (u) get('/users/' + u.id, tok());
  },
  get_user_by_email() {
    const u = someUser();
    if (u) get('/users/email/' + encodeURIComponent(u.email), tok());
  },
  get_user_by_username() {
    const u = someUser();
    if (u) get('/users/username/' + encodeURIComponent(u.username), tok());
  },
  register() {
    const a = register(tok());
    if (a && me.admin && me.held.length < 4) me.held.push(a);
  },
  update_user() {
    const a = subject();
    if (a) send('PUT', '/users/' + a.id, { name: personName() }, tok());
  },
  change_password() {
    const a = subject();
    if (!a) return;
    const next = password();
    const res = send('PUT', '/users/' + a.id + '/change-password', { current_password: a.password, new_password: next }, tok());
    if (res.status === 204) a.password = next;
  },
  profile(name) {
    const a = subject();
    if (!a) return;
    if (!a.profile) name = 'create_profile';
    else if (name === 'create_profile') name = 'update_profile';
    const path = '/users/' + a.id + '/profile';
    if (name === 'create_profile') {
      const s = send('POST', path, PROFILE(), tok()).status;
      a.profile = s === 201 || s === 409;
    } else if (name === 'get_profile') get(path, tok());
    else if (name === 'update_profile') send('PUT', path, { bio: 'Building things that last.' }, tok());
    else if (send('DELETE', path, null, tok()).status === 204) a.profile = false;
  },
  list_roles: () => listRoles('roles'),
  list_permissions: () => listRoles('permissions'),
  get_role() {
    if (me.seenRole === '') return listRoles('roles');
    get('/roles/' + me.seenRole, tok());
  },
  get_permission() {
    if (me.seenPerm === '') return listRoles('permissions');
    get('/permissions/' + me.seenPerm, tok());
  },
  get_user_roles() {
    const u = someUser();
    if (u) get('/users/' + u.id + '/roles', tok());
  },
};
for (const n of ['create_profile', 'get_profile', 'update_profile', 'delete_profile']) act[n] = () => act.profile(n);

function adminAct(name) {
  const t = tok();
  const held = subject();
  if (!held) return;
  const named = (kind, list, create) => {
    if (list.length >= 3 && create) return adminAct(kind === 'roles' ? 'update_role' : 'update_permission');
    if (list.length === 0 && !create) return adminAct(kind === 'roles' ? 'create_role' : 'create_permission');
    return true;
  };
  switch (name) {
    case 'delete_user': {
      const a = me.held.length > 1 ? me.held.pop() : register(t);
      if (a) send('DELETE', '/users/' + a.id, null, t);
      break;
    }
    case 'activate_user':
    case 'deactivate_user':
      send('PUT', '/users/' + held.id + '/' + (name === 'activate_user' ? 'activate' : 'deactivate'), null, t);
      break;
    case 'reset_password': {
      const next = password();
      if (send('PUT', '/users/' + held.id + '/reset-password', { new_password: next }, t).status < 300) held.password = next;
      break;
    }
    case 'create_role':
    case 'create_permission': {
      const kind = name === 'create_role' ? 'roles' : 'permissions';
      const list = kind === 'roles' ? me.roles : me.perms;
      if (named(kind, list, true) !== true) return;
      const res = send('POST', '/' + kind, { name: `sim_${RUN}_${kind[0]}${exec.vu.idInTest}_${++serial}`, description: 'k6' }, t);
      const o = res.status === 201 ? parse(res) : null;
      if (o && o.id) list.push(String(o.id));
      break;
    }
    case 'update_role':
    case 'update_permission':
    case 'delete_role':
    case 'delete_permission': {
      const kind = name.endsWith('role') ? 'roles' : 'permissions';
      const list = kind === 'roles' ? me.roles : me.perms;
      if (named(kind, list, false) !== true) return;
      const i = rnd(list.length);
      if (name.startsWith('update')) send('PUT', '/' + kind + '/' + list[i], { description: 'updated by k6 at ' + serial }, t);
      else if (send('DELETE', '/' + kind + '/' + list[i], null, t).status < 500) {
        if (kind === 'roles') held.roles = held.roles.filter((r) => r !== list[i]);
        list.splice(i, 1);
      }
      break;
    }
    case 'assign_role': {
      const free = me.roles.filter((r) => !held.roles.includes(r));
      if (me.roles.length === 0) return adminAct('create_role');
      if (free.length === 0) return adminAct('revoke_role');
      const rid = free[rnd(free.length)];
      if (send('POST', '/users/' + held.id + '/roles/' + rid, null, t).status < 300) held.roles.push(rid);
      break;
    }
    case 'revoke_role': {
      if (held.roles.length === 0) return adminAct('assign_role');
      const rid = held.roles.splice(rnd(held.roles.length), 1)[0];
      send('DELETE', '/users/' + held.id + '/roles/' + rid, null, t);
      break;
    }
  }
}

function mistake(kind) {
  const t = tok();
  const a = subject();
  switch (kind) {
    case 'wrong_password':
      return send('POST', '/auth/login', { username: me.admin ? 'admin' : me.acct.username, password: 'Wrong-' + password() }, null);
    case 'revoked_token':
      return send('POST', '/auth/me', null, me.revoked || 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwIiwiZXhwIjoxfQ.c2ltdWxhdGVkLWV4cGlyZWQ');
    case 'bad_refresh':
      return send('POST', '/auth/refresh', { refresh_token: 'used-' + password() }, null);
    case 'unknown_user':
      return get('/users/' + unknownID(), t);
    case 'unknown_email':
      return get('/users/email/nobody-' + unknownID() + '%40simulation.test', t);
    case 'unknown_username':
      return get('/users/username/sim_' + RUN + '_nobody' + unknownID(), t);
    case 'empty_search':
      return get('/users/search?q=&per_page=10', t);
    case 'invalid_registration':
      return send('POST', '/users', { username: 'x', email: 'not-an-email', password: 'short', name: '' }, null);
    case 'duplicate_username':
      return send('POST', '/users', { username: (someUser() || { username: 'admin' }).username, email: `sim_${RUN}_dup${++serial}@simulation.test`, password: password(), name: personName() }, null);
    case 'wrong_current_password':
      return a && send('PUT', '/users/' + a.id + '/change-password', { current_password: 'Not-' + password(), new_password: password() }, t);
    case 'invalid_profile':
      return a && send('PUT', '/users/' + a.id + '/profile', { phone: 'call me', website: 'ftp://example.org' }, t);
    case 'missing_profile':
      return get('/users/' + unknownID() + '/profile', t);
    case 'unknown_role':
      return get('/roles/' + unknownID(), t);
    case 'unknown_permission':
      return get('/permissions/' + unknownID(), t);
    case 'forbidden': {
      const target = (someUser() || { id: unknownID() }).id;
      const c = rnd(3);
      if (c === 0) return send('PUT', '/users/' + target + '/deactivate', null, t);
      if (c === 1) return send('DELETE', '/users/' + target, null, t);
      return send('POST', '/roles', { name: `sim_${RUN}_x${++serial}` }, t);
    }
    case 'admin_unknown_id':
      return send('DELETE', '/users/' + unknownID(), null, t);
  }
}

export default function () {
  if (me === null) setup();
  if (!me.admin && !me.acct) {
    me.acct = register(null);
    if (!me.acct) return;
  }
  if (!me.tokens && !login()) return;
  if (Math.random() < 0.05) {
    mistake(pick(me.admin ? ADMIN_ERRORS : USER_ERRORS));
    return;
  }
  const group = pick(me.admin ? ADMIN_MIX : MIX);
  const name = pick(ACTIONS[group]);
  if (group === 'admin') adminAct(name);
  else act[name]();
}
