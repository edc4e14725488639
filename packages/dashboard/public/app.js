import { api, ApiError, noAnswerWithin, parseGatewayJson, query } from './api.js';
import { drawTimeChart } from './charts.js';
import { addCosts, budgetUsed, dateTime, el, estimatedShare, integer, milliseconds, spendTick, usd, visibleText } from './format.js';

const $ = (selector) => document.querySelector(selector);
const hour = 3600000;
const day = 24 * hour;
const maxSeries = 6;
/** Where renderUsage keeps the API's folded row, a name no group can have (groups are strings). */
const foldedRow = Symbol('folded groups');
const foldedLabel = (count) => `(other: ${integer(count)} ${count === 1 ? 'group' : 'groups'})`;

// The master key's requests are recorded under the id `master`, which no stored key has: named here, never looked up.
const state = { role: undefined, healthPath: '/health', requestsCursor: null, keysCursor: null, keyNames: new Map([['master', 'master key']]) };

/** Names being looked up, by id: a view drawn while another's lookups are out waits for those, not asking twice. */
const nameLookups = new Map();

/** A key id with its name when the page knows it (the keys table loads names). */
function keyLabel(id) {
  const name = state.keyNames.get(id);
  return name ? `${name} · ${id}` : id;
}

/** Most key names one view asks for one by one. */
const maxNameLookups = 50;

/**
 * Names of the ids the Keys list has not loaded (keys past its first page), asked for one
 * by one, at most `maxNameLookups` a view; an id the store does not know stays an id.
 */
async function learnKeyNames(ids) {
  const unknown = [...new Set(ids)].filter((id) => id && id !== '(none)' && !state.keyNames.has(id)).slice(0, maxNameLookups);
  await Promise.all(unknown.map((id) => nameLookups.get(id) ?? lookUpKeyName(id)));
}

function lookUpKeyName(id) {
  // Set before the lookup can end: `finally` runs its callback on a later tick.
  const lookup = readKeyName(id).finally(() => nameLookups.delete(id));
  nameLookups.set(id, lookup);
  return lookup;
}

async function readKeyName(id) {
  try {
    const { key } = await api('GET', `admin/keys/${encodeURIComponent(id)}`);
    state.keyNames.set(id, key.name);
  } catch (error) {
    // Known not to be there: not asked again. Anything else is asked again next time.
    if (error instanceof ApiError && error.status === 404) state.keyNames.set(id, '');
  }
}

// ── Session ───────────────────────────────────────────────────────────────

async function start() {
  $('#login-form').addEventListener('submit', login);
  $('#logout').addEventListener('click', logout);
  // A new period redraws the overview and, for the master key, re-reads requests in it.
  const periodChanged = () => {
    loadOverview();
    loadRequests(false);
  };
  $('#period').addEventListener('change', () => {
    $('#custom-range').hidden = $('#period').value !== 'custom';
    periodChanged();
  });
  $('#from').addEventListener('change', periodChanged);
  $('#to').addEventListener('change', periodChanged);
  $('#group-by').addEventListener('change', loadOverview);
  $('#requests-form').addEventListener('submit', (event) => {
    event.preventDefault();
    loadRequests(false);
  });
  $('#more-requests').addEventListener('click', () => loadRequests(true));
  $('#more-keys').addEventListener('click', () => loadKeys(true));
  $('#new-key').addEventListener('click', openCreate);
  $('#create-form').addEventListener('submit', createKey);
  $('#copy-secret').addEventListener('click', copySecret);
  $('#refresh-health').addEventListener('click', loadHealth);
  const today = new Date().toISOString().slice(0, 10);
  $('#to').value = today;
  $('#from').value = new Date(Date.now() - 7 * day).toISOString().slice(0, 10);
  try {
    enter(await api('GET', 'session'));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) showLogin();
    else notice(error);
  }
}

async function login(event) {
  event.preventDefault();
  const input = $('#login-key');
  const message = $('#login-error');
  message.hidden = true;
  try {
    const session = await api('POST', 'session', { key: input.value.trim() });
    input.value = '';
    enter(session);
  } catch (error) {
    message.textContent = error instanceof ApiError && error.status === 401 ? 'That key does not open the dashboard.' : visibleText(error.message);
    message.hidden = false;
  }
}

async function logout() {
  try {
    await api('DELETE', 'session');
  } catch (error) {
    // The session may still be open: say so, rather than show a login form over it.
    notice(error);
    return;
  }
  // A fresh page: nothing of the session (keys, requests, spend) stays in it, hidden, for whoever uses the browser next.
  location.reload();
}

function showLogin() {
  for (const section of document.querySelectorAll('main > section')) section.hidden = true;
  $('#nav').hidden = true;
  $('#role').hidden = true;
  $('#logout').hidden = true;
  $('#notice').hidden = true;
  $('#login').hidden = false;
  $('#login-key').focus();
}

function enter(session) {
  state.role = session.role;
  state.healthPath = session.health_path ?? '/health';
  const admin = session.role === 'admin';
  $('#login').hidden = true;
  $('#nav').hidden = false;
  $('#role').hidden = false;
  $('#role').textContent = admin ? 'master key' : 'virtual key';
  $('#logout').hidden = false;
  for (const element of document.querySelectorAll('[data-admin]')) element.hidden = !admin;
  $('#overview').hidden = false;
  $('#requests').hidden = false;
  $('#self-key').hidden = admin;
  if (admin) {
    // Names first, so charts and tables can say which key is which.
    loadKeys(false).finally(() => {
      loadOverview();
      loadRequests(false);
    });
    loadHealth();
  } else {
    loadOverview();
  }
}

/** Shows what went wrong; a session that ended sends the page back to login. */
function notice(error) {
  if (error instanceof ApiError && error.status === 401 && state.role) {
    state.role = undefined;
    showLogin();
    $('#login-error').textContent = 'Your session ended (logged out, expired, or the key was revoked). Log in again.';
    $('#login-error').hidden = false;
    return;
  }
  const box = $('#notice');
  box.textContent = visibleText(error instanceof ApiError && error.code === 'store_unavailable'
    ? `The gateway's store is not answering (${error.message}). Figures will return when it does; requests keep being served.`
    : `Could not load: ${error.message}`);
  box.hidden = false;
}

// ── Overview ──────────────────────────────────────────────────────────────

function currentWindow() {
  const period = $('#period').value;
  if (period === 'custom') {
    const from = $('#from').value;
    const to = $('#to').value;
    // Both days are in the range (To is read to its end), so From = To is one day.
    if (from && to && from <= to) {
      const span = Date.parse(to) - Date.parse(from);
      return { from, to: new Date(Date.parse(to) + day).toISOString().slice(0, 10), bucket: span <= 3 * day ? 'hour' : 'day' };
    }
    if (from && to) throw new Error('the custom range ends before it begins: choose a To date on or after the From date.');
  }
  const length = { '24h': day, '7d': 7 * day, '30d': 30 * day }[period] ?? day;
  // Whole hours, so the first and last buckets are not cut.
  const to = Math.ceil(Date.now() / hour) * hour;
  return { from: new Date(to - length).toISOString(), to: new Date(to).toISOString(), bucket: length <= 7 * day ? 'hour' : 'day' };
}

async function loadOverview() {
  const admin = state.role === 'admin';
  try {
    const window = currentWindow();
    if (admin) {
      const groupBy = $('#group-by').value;
      const [series, errors] = await Promise.all([
        api('GET', `admin/usage${query({ group_by: groupBy, bucket: window.bucket, from: window.from, to: window.to })}`),
        api('GET', `admin/usage${query({ group_by: 'error_code', from: window.from, to: window.to })}`),
      ]);
      // The folded (other) row names no key.
      if (groupBy === 'key') await learnKeyNames(series.data.filter((row) => row.folded_groups === undefined).map((row) => row.group));
      renderUsage(series, groupBy, window);
      renderErrors(errors.data);
    } else {
      const view = await api('GET', `me${query({ bucket: window.bucket, from: window.from, to: window.to })}`);
      renderSelfKey(view.key);
      renderUsage({ data: view.usage }, 'model', window);
      renderRequests(view.requests, false, null);
    }
    $('#notice').hidden = true;
  } catch (error) {
    notice(error);
  }
}

/** Rows of `{group, bucket, …}` into tiles, two charts and the per-group table. */
function renderUsage(usage, groupBy, window) {
  const rows = usage.data;
  const groups = new Map();
  for (const row of rows) {
    // The API's (other) row, which carries folded_groups, sums the groups past its limit: kept apart from a group of that name.
    const folded = row.folded_groups !== undefined;
    const name = folded ? foldedRow : row.group;
    const total = groups.get(name) ?? { group: row.group, ...(folded && { folded_groups: row.folded_groups }), requests: 0, input_tokens: 0, output_tokens: 0, errors: 0, cost_usd: 0, estimated_requests: 0, estimated_cost_usd: 0 };
    total.requests += row.requests;
    total.input_tokens += row.input_tokens;
    total.output_tokens += row.output_tokens;
    total.errors += row.errors;
    total.cost_usd = addCosts(total.cost_usd, row.cost_usd);
    // An answer from a gateway older than these fields counts no estimates.
    total.estimated_requests += row.estimated_requests ?? 0;
    total.estimated_cost_usd = addCosts(total.estimated_cost_usd, row.estimated_cost_usd ?? 0);
    groups.set(name, total);
  }
  const totals = [...groups.values()].sort((a, b) => b.cost_usd - a.cost_usd || b.requests - a.requests);
  const sum = (name) => totals.reduce((all, row) => all + row[name], 0);
  const sumOfCosts = (name) => totals.reduce((all, row) => addCosts(all, row[name]), 0);
  $('#total-spend').textContent = usd(sumOfCosts('cost_usd'));
  const estimated = estimatedShare(sum('estimated_requests'), sumOfCosts('estimated_cost_usd'));
  $('#spend-estimated').textContent = estimated;
  $('#spend-estimated').hidden = estimated === '';
  $('#total-requests').textContent = integer(sum('requests'));
  $('#total-errors').textContent = integer(sum('errors'));
  $('#total-tokens').textContent = `${integer(sum('input_tokens'))} / ${integer(sum('output_tokens'))}`;

  const label = groupBy === 'key' ? 'Key' : groupBy[0].toUpperCase() + groupBy.slice(1);
  $('#group-column').textContent = label;
  $('#groups-title').textContent = `Spend by ${groupBy}`;
  $('#groups-table tbody').replaceChildren(
    ...(totals.length === 0
      ? [el('tr', {}, el('td', { colspan: 6, class: 'muted', text: 'No requests in this period.' }))]
      : totals.map((row) =>
          el(
            'tr',
            row.folded_groups === undefined ? { 'data-group': row.group } : { 'data-folded': String(row.folded_groups) },
            el('th', { scope: 'row', text: row.folded_groups !== undefined ? foldedLabel(row.folded_groups) : groupBy === 'key' ? keyLabel(row.group) : row.group }),
            el('td', { class: 'num', text: integer(row.requests) }),
            el('td', { class: 'num', text: `${integer(row.input_tokens)} / ${integer(row.output_tokens)}` }),
            el('td', { class: 'num', text: integer(row.errors) }),
            el('td', { class: 'num cost', text: usd(row.cost_usd) }),
            el('td', { class: 'num estimated', title: estimatedShare(row.estimated_requests, row.estimated_cost_usd) || undefined, text: row.estimated_requests ? `${usd(row.estimated_cost_usd)} (${integer(row.estimated_requests)})` : '–' }),
          ),
        )),
  );

  // One point per bucket over the whole window, zero where nothing happened.
  const step = window.bucket === 'hour' ? hour : day;
  const first = Math.floor(Date.parse(window.from) / step) * step;
  const times = [];
  for (let at = first; at < Date.parse(window.to); at += step) times.push(at / 1000);
  const index = new Map(times.map((time, position) => [time * 1000, position]));
  // The API's folded row is never a series of its own: it goes to "other" with the groups past the sixth.
  const named = totals.filter((row) => row.folded_groups === undefined);
  const shown = named.slice(0, maxSeries).map((row) => row.group);
  const seriesOf = (field) => {
    // A key without a name (or one the store no longer has) is shown by its id: uPlot names a series without a label "Value".
    const series = shown.map((name) => ({ name: visibleText(groupBy === 'key' ? state.keyNames.get(name) || name : name), values: times.map(() => 0) }));
    const other = { name: 'other', values: times.map(() => 0) };
    for (const row of rows) {
      const position = index.get(Date.parse(row.bucket));
      if (position === undefined) continue;
      const target = (row.folded_groups === undefined && series[shown.indexOf(row.group)]) || other;
      target.values[position] += row[field];
    }
    return totals.length > shown.length ? [...series, other] : series;
  };
  const bucketWord = window.bucket === 'hour' ? 'hour' : 'day';
  $('#spend-caption').textContent = `Spend per ${bucketWord} by ${groupBy}`;
  $('#requests-caption').textContent = `Requests per ${bucketWord} by ${groupBy}`;
  drawTimeChart($('#spend-chart'), $('#spend-summary'), { times, series: seriesOf('cost_usd'), format: spendTick, exact: usd, label: 'Spend' });
  drawTimeChart($('#requests-chart'), $('#requests-summary'), { times, series: seriesOf('requests'), format: (v) => integer(Math.round(v)), label: 'Requests', counts: true });
}

function renderErrors(rows) {
  const failures = rows.filter((row) => row.group !== '(none)').sort((a, b) => b.requests - a.requests);
  $('#errors-table tbody').replaceChildren(
    ...(failures.length === 0
      ? [el('tr', {}, el('td', { colspan: 2, class: 'muted', text: 'No errors in this period.' }))]
      : failures.map((row) => el('tr', { 'data-code': row.group }, el('th', { scope: 'row' }, el('code', { text: row.group })), el('td', { class: 'num', text: integer(row.requests) })))),
  );
}

function renderSelfKey(key) {
  const scope = key.scope;
  const budget = scope.budget;
  const items = [
    ['Key', `${key.name} (${key.id})`],
    ['Status', key.status],
    ['Budget', budget ? `${usd(key.budget_spent_usd ?? 0)} of ${usd(budget.limit_usd)} per ${budget.period === 'total' ? 'lifetime' : budget.period.replace(/ly$/, '').replace('dai', 'day')}${budget.limit_usd > 0 ? '' : `, ${noSpendAllowed}`}` : 'no budget'],
    ['Rate limits', [scope.rpm && `${integer(scope.rpm)} requests/min`, scope.tpm && `${integer(scope.tpm)} tokens/min`].filter(Boolean).join(', ') || 'none'],
    // An empty list allows no model (every call is 403 model_not_allowed): not an empty entry, which reads as nothing set.
    ['Models', scope.models ? scope.models.join(', ') || 'none' : 'all'],
    ['Max tokens', scope.max_tokens ? integer(scope.max_tokens) : 'no limit'],
    ['Expires', key.expires_at ? dateTime(key.expires_at) : 'never'],
  ];
  $('#self-key').replaceChildren(
    el('h3', { text: 'Your key' }),
    el('dl', { id: 'self-limits' }, ...items.flatMap(([name, value]) => [el('dt', { text: name }), el('dd', { text: value })])),
    budget ? budgetBar(key.budget_spent_usd, budget.limit_usd, { caption: false }) : '',
  );
}

// ── Keys ──────────────────────────────────────────────────────────────────

async function loadKeys(more) {
  try {
    const page = await api('GET', `admin/keys${query({ limit: 50, include_revoked: 'true', cursor: more ? state.keysCursor : undefined })}`);
    state.keysCursor = page.next_cursor;
    for (const key of page.data) state.keyNames.set(key.id, key.name);
    $('#more-keys').hidden = !page.next_cursor;
    const rows = page.data.map(keyRow);
    if (more) $('#keys-table tbody').append(...rows);
    else $('#keys-table tbody').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 6, class: 'muted', text: 'No keys yet.' }))]));
  } catch (error) {
    notice(error);
  }
}

/** What a $0 budget means: every request is refused for it, so its bar is full from the start. */
const noSpendAllowed = 'no spend allowed';

function budgetBar(spent, limit, { caption = true } = {}) {
  const fraction = budgetUsed(spent, limit);
  const fill = el('div', { class: `fill${fraction >= 1 ? ' over' : ''}` });
  fill.style.width = `${(fraction * 100).toFixed(1)}%`;
  const text = limit > 0 ? `${usd(spent ?? 0)} / ${usd(limit)}` : noSpendAllowed;
  return el(
    'div',
    { class: 'budget' },
    caption ? el('span', { text }) : '',
    el('div', { class: 'track', role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': limit, 'aria-valuenow': spent ?? 0, 'aria-valuetext': text, 'aria-label': 'Budget spent' }, fill),
  );
}

function keyRow(key) {
  const budget = key.scope.budget;
  const live = key.status !== 'revoked';
  return el(
    'tr',
    { 'data-key-id': key.id },
    el('th', { scope: 'row' }, el('div', { text: key.name }), el('small', { class: 'muted', text: `${key.id} · ${key.secret_prefixes.join(', ') || '–'}` })),
    el('td', { text: [key.team, key.project].filter(Boolean).join(' / ') || '–' }),
    el('td', {}, el('span', { class: `status ${key.status}`, text: key.status })),
    el('td', {}, budget ? budgetBar(key.budget_spent_usd, budget.limit_usd) : el('span', { class: 'muted', text: 'no budget' })),
    el('td', { text: key.expires_at ? dateTime(key.expires_at) : 'never' }),
    el(
      'td',
      {},
      el('div', { class: 'actions' },
      live ? el('button', { type: 'button', class: 'small quiet', text: 'Rotate', 'aria-label': visibleText(`Rotate ${key.name}`), onclick: () => rotateKey(key) }) : '',
      live ? el('button', { type: 'button', class: 'small danger', text: 'Revoke', 'aria-label': visibleText(`Revoke ${key.name}`), onclick: () => revokeKey(key) }) : ''),
    ),
  );
}

function openCreate() {
  const form = $('#create-form');
  form.reset();
  form.querySelector('.error').hidden = true;
  $('#create-dialog').showModal();
}

async function createKey(event) {
  const form = event.target;
  if (event.submitter?.value !== 'create') return;
  event.preventDefault();
  const values = Object.fromEntries(new FormData(form));
  const scope = {};
  const models = String(values.models ?? '').split(',').map((model) => model.trim()).filter(Boolean);
  if (models.length) scope.models = models;
  if (values.budget !== '' && values.budget !== undefined) scope.budget = { limit_usd: Number(values.budget), period: values.period };
  if (values.rpm) scope.rpm = Number(values.rpm);
  if (values.expires_in) scope.expires_in = String(values.expires_in).trim();
  const body = { name: String(values.name).trim(), ...(values.team && { team: values.team }), ...(values.project && { project: values.project }), ...(Object.keys(scope).length && { scope }) };
  try {
    const created = await api('POST', 'admin/keys', body);
    $('#create-dialog').close();
    showSecret(created.secret, `Key “${created.key.name}” created`);
    loadKeys(false);
  } catch (error) {
    const message = form.querySelector('.error');
    message.textContent = visibleText(error.message);
    message.hidden = false;
  }
}

function showSecret(secret, title) {
  $('#secret-title').textContent = visibleText(`${title}: copy it now`);
  $('#secret-value').textContent = secret;
  $('#copy-status').textContent = '';
  const dialog = $('#secret-dialog');
  // The secret leaves the page with the dialog.
  dialog.addEventListener('close', () => ($('#secret-value').textContent = ''), { once: true });
  dialog.showModal();
}

async function copySecret() {
  try {
    await navigator.clipboard.writeText($('#secret-value').textContent);
    $('#copy-status').textContent = 'Copied.';
  } catch {
    const range = document.createRange();
    range.selectNodeContents($('#secret-value'));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    $('#copy-status').textContent = 'Selected: press Ctrl+C (⌘C) to copy.';
  }
}

/** Opens the confirmation dialog; resolves true when confirmed. */
function confirmAction(title, text, { grace = false, label = 'Confirm' } = {}) {
  $('#confirm-title').textContent = visibleText(title);
  $('#confirm-text').textContent = visibleText(text);
  $('#grace-field').hidden = !grace;
  $('#confirm-ok').textContent = label;
  const dialog = $('#confirm-dialog');
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }));
}

async function revokeKey(key) {
  if (!(await confirmAction(`Revoke “${key.name}”?`, `Every request with this key (${key.id}) is refused from now on. This cannot be undone.`, { label: 'Revoke' }))) return;
  try {
    await api('POST', `admin/keys/${encodeURIComponent(key.id)}/revoke`, {});
    loadKeys(false);
  } catch (error) {
    notice(error);
  }
}

async function rotateKey(key) {
  if (!(await confirmAction(`Rotate “${key.name}”?`, 'A new secret is made. The current one keeps working for the grace period, then stops.', { grace: true, label: 'Rotate' }))) return;
  const grace = $('#grace').value.trim();
  try {
    const rotated = await api('POST', `admin/keys/${encodeURIComponent(key.id)}/rotate`, grace ? { grace_period: grace } : {});
    showSecret(rotated.secret, `Key “${key.name}” rotated`);
    loadKeys(false);
  } catch (error) {
    notice(error);
  }
}

// ── Requests ──────────────────────────────────────────────────────────────

async function loadRequests(more) {
  // A key holder's requests come with the self view (loadOverview).
  if (state.role !== 'admin') return;
  try {
    const window = currentWindow();
    const filters = {
      key_id: $('#filter-key').value.trim(),
      model: $('#filter-model').value.trim(),
      status: $('#filter-status').value,
      from: window.from,
      to: window.to,
      limit: 50,
      cursor: more ? state.requestsCursor : undefined,
    };
    const page = await api('GET', `admin/requests${query(filters)}`);
    await learnKeyNames(page.data.map((record) => record.key_id));
    renderRequests(page.data, more, page.next_cursor);
  } catch (error) {
    notice(error);
  }
}

function renderRequests(records, more, nextCursor) {
  const admin = state.role === 'admin';
  state.requestsCursor = nextCursor;
  $('#more-requests').hidden = !nextCursor;
  const rows = records.map((record) =>
    el(
      'tr',
      { 'data-request-id': record.id },
      el('td', { text: dateTime(record.at) }),
      admin ? el('td', { text: record.key_id ? keyLabel(record.key_id) : '–' }) : '',
      el('td', { text: record.provider && record.model ? `${record.provider}/${record.model}` : record.requested_model ?? '–' }),
      el('td', {}, el('span', { class: `status ${record.status < 400 ? 'ok' : 'error'}`, text: record.error_code ? `${record.status} ${record.error_code}` : String(record.status) })),
      el('td', { class: 'num', text: milliseconds(record.latency_ms) }),
      el('td', { class: 'num', text: `${integer(record.input_tokens)} / ${integer(record.output_tokens)}` }),
      el(
        'td',
        { class: 'num cost' },
        usd(record.cost_usd),
        // The tokens and the cost are the gateway's estimate: the provider reported no usage.
        record.usage_estimated ? el('abbr', { class: 'estimated-mark', title: 'estimated: the provider reported no usage, so tokens and cost are the gateway\'s estimate', text: ' ≈' }) : '',
      ),
      el('td', { class: 'num', text: String(record.attempts) }),
    ),
  );
  if (more) $('#requests-table tbody').append(...rows);
  else $('#requests-table tbody').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 8, class: 'muted', text: 'No requests match.' }))]));
}

// ── Health ────────────────────────────────────────────────────────────────

const healthTimeoutMs = 10000;

async function loadHealth() {
  const body = $('#health-body');
  // One deadline for headers and body, as api.js gives its calls.
  const signal = AbortSignal.timeout(healthTimeoutMs);
  try {
    const response = await fetch(state.healthPath, { signal });
    // A 503 is still the gateway's JSON (not ready); a proxy's HTML 502 is not, and says so.
    const health = parseGatewayJson(response.status, await response.text());
    const cards = [
      el('div', { class: 'card' }, el('h3', { text: 'Gateway' }), el('dl', {}, el('dt', { text: 'Status' }), el('dd', {}, el('span', { class: `status ${health.status === 'ok' ? 'ok' : 'error'}`, text: health.status })), el('dt', { text: 'Providers' }), el('dd', { text: (health.providers ?? []).join(', ') || '–' }))),
    ];
    for (const [name, check] of Object.entries(health.checks ?? {})) {
      const details = Object.entries(check).filter(([field]) => field !== 'healthy');
      cards.push(
        el('div', { class: 'card', 'data-check': name }, el('h3', { text: name }), el('dl', {},
          el('dt', { text: 'Healthy' }), el('dd', {}, el('span', { class: `status ${check.healthy ? 'ok' : 'error'}`, text: check.healthy ? 'yes' : 'no' })),
          ...details.flatMap(([field, value]) => [el('dt', { text: field }), el('dd', { text: typeof value === 'object' ? summarize(value) : String(value) })]),
        )),
      );
    }
    body.replaceChildren(...cards);
  } catch (error) {
    const reason = signal.aborted ? noAnswerWithin(healthTimeoutMs) : error.message;
    body.replaceChildren(el('div', { class: 'card' }, el('p', { class: 'error', text: `Health could not be read: ${reason}` })));
  }
}

function summarize(value) {
  // Breakers and the like: `name: state` per entry reads better than their counters.
  const entries = Object.entries(value ?? {});
  if (!Array.isArray(value) && entries.length > 0 && entries.every(([, item]) => item && typeof item === 'object' && 'state' in item)) {
    return entries.map(([name, item]) => `${name}: ${item.state}${item.failures ? ` (${item.failures} failures)` : ''}`).join('; ');
  }
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map((item) => (typeof item === 'object' ? Object.values(item).join(' ') : String(item))).join('; ');
  return entries.length === 0 ? 'none' : entries.map(([name, item]) => `${name}: ${typeof item === 'object' ? JSON.stringify(item) : item}`).join('; ');
}

start();
