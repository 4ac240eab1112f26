// K3s-DaaS dashboard: a page over the Kubernetes API of the master that serves it. Objects
// are listed once and then kept current by watches; the master's status, health and metrics
// (which have no watch) are read again every 10 s while the overview is shown. Every request
// carries the X-DaaS-Dashboard header, without which the session cookie authenticates nothing.
'use strict';

const HEADERS = { 'X-DaaS-Dashboard': '1', 'Accept': 'application/json' };
const REFRESH_MS = 10000;

// ---- DOM helpers: text only, never HTML from data ----

function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') element.className = value;
    else if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

function table(id, caption, headers, rows) {
  return h('table', { id },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, headers.map((header) => h('th', { scope: 'col', class: header.num ? 'num' : null }, header.label || header)))),
    h('tbody', {}, rows));
}

function statusText(ok, text) { return h('span', { class: ok === true ? 'status-ok' : ok === false ? 'status-bad' : 'status-warn' }, text); }

// ---- API ----

class APIError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function request(path, options = {}) {
  const response = await fetch(path, { credentials: 'same-origin', ...options, headers: { ...HEADERS, ...(options.headers || {}) } });
  if (!response.ok) {
    let message = response.statusText;
    try { message = (await response.json()).message || message; } catch (_) { /* not a Status */ }
    throw new APIError(response.status, message);
  }
  return response;
}

async function getJSON(path) { return (await request(path)).json(); }
async function getText(path) { return (await request(path, { headers: { Accept: 'text/plain' } })).text(); }

/** `/readyz?verbose`: the checks' lines whether they pass (200) or not (500). */
async function getHealth() {
  const response = await fetch('/readyz?verbose', { credentials: 'same-origin', headers: { ...HEADERS, Accept: 'text/plain' } });
  if (response.status !== 200 && response.status !== 500) throw new APIError(response.status, `readyz answered ${response.status}`);
  return response.text();
}

// ---- Watched collections ----

const collections = new Map();

/** A list kept current by a watch (list, then watch from its resourceVersion; relist on 410). */
class Collection {
  constructor(path) {
    this.path = path;
    this.items = new Map();
    this.synced = false;
    this.error = null;
    this.listeners = new Set();
    this.run();
  }

  static of(path) {
    if (!collections.has(path)) collections.set(path, new Collection(path));
    return collections.get(path);
  }

  notify() { for (const listener of this.listeners) listener(); }

  static key(object) { return (object.metadata.namespace || '') + '/' + object.metadata.name; }

  async run() {
    for (;;) {
      let version;
      try {
        const list = await getJSON(this.path);
        this.items = new Map((list.items || []).map((item) => [Collection.key(item), item]));
        version = list.metadata.resourceVersion;
        this.synced = true;
        this.error = null;
        this.notify();
        await this.watch(version);
      } catch (error) {
        this.error = error;
        this.notify();
        if (error.status === 401) return;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  async watch(version) {
    const separator = this.path.includes('?') ? '&' : '?';
    const response = await request(`${this.path}${separator}watch=1&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(version)}`);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (!line.trim()) continue;
        const event = JSON.parse(line);
        if (event.type === 'ERROR') { reader.cancel(); return; }  // e.g. 410 Gone: list again
        if (event.type === 'BOOKMARK') continue;
        const key = Collection.key(event.object);
        if (event.type === 'DELETED') this.items.delete(key); else this.items.set(key, event.object);
        this.notify();
      }
    }
  }

  get list() { return [...this.items.values()]; }
}

// ---- Formatting ----

function age(timestamp) {
  if (!timestamp) return '';
  const seconds = Math.max(0, Math.floor((Date.now() - Date.parse(timestamp)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

const SUFFIXES = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5, Ei: 1024 ** 6 };
function quantity(text) {
  const match = /^([0-9.]+)([a-zA-Z]*)$/.exec(String(text || '0'));
  if (!match || !(match[2] in SUFFIXES)) return 0;
  return parseFloat(match[1]) * SUFFIXES[match[2]];
}

function bytes(value) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let index = 0;
  while (value >= 1024 && index < units.length - 1) { value /= 1024; index += 1; }
  return `${value.toFixed(index === 0 ? 0 : 1)} ${units[index]}`;
}

function condition(object, type) {
  const found = ((object.status || {}).conditions || []).find((entry) => entry.type === type);
  return found ? found.status : 'Unknown';
}

function podPhase(pod) {
  if (pod.metadata.deletionTimestamp) return 'Terminating';
  const waiting = ((pod.status || {}).containerStatuses || []).map((status) => status.state && status.state.waiting && status.state.waiting.reason).find(Boolean);
  return waiting || (pod.status || {}).phase || 'Unknown';
}

function restarts(pod) { return ((pod.status || {}).containerStatuses || []).reduce((sum, status) => sum + (status.restartCount || 0), 0); }

function podReady(pod) {
  const statuses = (pod.status || {}).containerStatuses || [];
  return `${statuses.filter((status) => status.ready).length}/${(pod.spec.containers || []).length}`;
}

/** kube's `mist` to SUI with up to 3 decimals. */
function sui(mist) {
  if (!mist || !/^[0-9]{1,30}$/.test(mist)) return mist ? `${mist} (not a MIST amount)` : '';
  const value = Number(BigInt(mist) / 1000000n) / 1000;
  return `${value.toLocaleString('en-US', { maximumFractionDigits: 3 })} SUI`;
}

// Prometheus text: name{labels} value lines.
function metricSamples(text, name) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const labels = {};
    for (const pair of (match[3] || '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]] = pair[2];
    samples.push({ labels, value: parseFloat(match[4]) });
  }
  return samples;
}

// ---- Pages ----

const pages = {
  overview: { title: 'Overview', render: renderOverview, watches: ['/api/v1/nodes', '/api/v1/pods'] },
  nodes: { title: 'Nodes', render: renderNodes, watches: ['/api/v1/nodes', '/api/v1/pods'] },
  workloads: { title: 'Workloads', render: renderWorkloads, watches: ['/apis/apps/v1/deployments', '/apis/apps/v1/statefulsets', '/apis/apps/v1/daemonsets', '/apis/batch/v1/jobs'] },
  pods: { title: 'Pods', render: renderPods, watches: ['/api/v1/pods'] },
  pod: { title: 'Pod', render: renderPod, watches: ['/api/v1/pods'] },
  events: { title: 'Events', render: renderEvents, watches: ['/api/v1/events'] },
};

let current = { page: 'overview', args: [] };
let renderTimer = null;
let refreshTimer = null;
let overviewData = { status: null, health: null, metrics: null, nodeMetrics: null, error: null, sealBefore: null, sealRate: null };
let logStream = null;

function scheduleRender() {
  if (renderTimer) return;
  renderTimer = setTimeout(() => { renderTimer = null; render(); }, 50);
}

function route() {
  const parts = (location.hash || '#/overview').replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  let page = parts[0] || 'overview';
  if (page === 'pods' && parts.length >= 3) page = 'pod';
  if (!pages[page]) page = 'overview';
  current = { page, args: page === 'pod' ? [parts[1], parts[2]] : [] };
  for (const link of document.querySelectorAll('nav a')) {
    if (link.id === `nav-${page === 'pod' ? 'pods' : page}`) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
  }
  document.title = `${pages[page].title} · K3s-DaaS dashboard`;
  if (logStream) { logStream.abort(); logStream = null; }
  clearInterval(refreshTimer);
  refreshTimer = null;
  for (const path of pages[page].watches) Collection.of(path).listeners.add(scheduleRender);
  if (page === 'overview') { refreshOverview(); refreshTimer = setInterval(refreshOverview, REFRESH_MS); }
  render();
  if (page === 'pod') startLogs();
}

let signedOut = false;

function render() {
  if (signedOut) return;
  const main = document.getElementById('main');
  const page = pages[current.page];
  const problems = page.watches.map((path) => Collection.of(path)).filter((collection) => collection.error);
  const content = page.render(...current.args);
  const children = [h('h2', { id: 'page-title' }, page.title)];
  for (const collection of problems) {
    children.push(h('p', { class: 'notice', role: 'alert' }, `Cannot read ${collection.path}: ${collection.error.message}`));
  }
  const keep = current.page === 'pod' ? document.getElementById('pod-logs-section') : null;
  main.replaceChildren(...children, content);
  if (keep) {
    const placeholder = document.getElementById('pod-logs-section');
    if (placeholder) placeholder.replaceWith(keep);
  }
  document.getElementById('live').textContent = `Live: ${page.watches.map((path) => Collection.of(path)).every((c) => c.synced) ? 'watching for changes' : 'loading'} · updated ${new Date().toLocaleTimeString()}`;
}

async function refreshOverview() {
  // Each figure is shown as soon as it arrives; the slowest does not hold the others back.
  const errors = [];
  const fetched = (promise, apply) => promise.then((value) => { apply(value); scheduleRender(); }, (error) => { errors.push(error.message); });
  await Promise.all([
    fetched(getJSON('/daas/v1/status'), (status) => { overviewData.status = status; }),
    fetched(getHealth(), (health) => { overviewData.health = health; }),
    fetched(getJSON('/apis/metrics.k8s.io/v1beta1/nodes'), (nodeMetrics) => { overviewData.nodeMetrics = nodeMetrics; }),
    fetched(getText('/metrics'), readMetrics),
  ]);
  overviewData.errors = errors;
  if (current.page === 'overview') scheduleRender();
}

/** Seal verifications (and their rate since the last reading) and the Sui reader's latency from `/metrics`. */
function readMetrics(metrics) {
  const samples = metricSamples(metrics, 'sealauth_verifications_total');
  const accepted = samples.filter((s) => s.labels.result === 'ok').reduce((sum, s) => sum + s.value, 0);
  const refused = samples.filter((s) => s.labels.result !== 'ok').reduce((sum, s) => sum + s.value, 0);
  const now = Date.now();
  if (overviewData.sealBefore) {
    const minutes = (now - overviewData.sealBefore.at) / 60000;
    overviewData.sealRate = minutes > 0 ? (accepted + refused - overviewData.sealBefore.total) / minutes : null;
  }
  overviewData.seal = { accepted, refused };
  overviewData.sealBefore = { at: now, total: accepted + refused };
  const seconds = metricSamples(metrics, 'sui_reader_request_duration_seconds_sum').reduce((sum, s) => sum + s.value, 0);
  const count = metricSamples(metrics, 'sui_reader_request_duration_seconds_count').reduce((sum, s) => sum + s.value, 0);
  overviewData.suiLatency = count > 0 ? (seconds / count) * 1000 : null;
  overviewData.suiRequests = count;
}

function renderOverview() {
  const nodes = Collection.of('/api/v1/nodes');
  const pods = Collection.of('/api/v1/pods');
  const ready = nodes.list.filter((node) => condition(node, 'Ready') === 'True').length;
  const running = pods.list.filter((pod) => (pod.status || {}).phase === 'Running').length;
  const pending = pods.list.filter((pod) => (pod.status || {}).phase === 'Pending').length;
  const data = overviewData;
  const status = data.status || {};
  const attestation = status.attestation || {};

  // Health: /readyz?verbose lines "[+]name ok" / "[-]name failed: reason".
  let healthy = null;
  const failing = [];
  if (data.health) {
    for (const line of data.health.split('\n')) if (line.startsWith('[-]')) failing.push(line.slice(3));
    healthy = failing.length === 0;
  }
  const suiLine = (data.health || '').split('\n').find((line) => line.slice(3).startsWith('sui-reader'));
  const suiOK = suiLine ? suiLine.startsWith('[+]') : null;

  // Usage bars: CPU and memory from metrics.k8s.io over allocatable; network and storage from the status document.
  let cpuUsed = 0; let memoryUsed = 0; let cpuTotal = 0; let memoryTotal = 0;
  for (const item of ((data.nodeMetrics || {}).items || [])) { cpuUsed += quantity(item.usage.cpu); memoryUsed += quantity(item.usage.memory); }
  for (const node of nodes.list) {
    const allocatable = (node.status || {}).allocatable || {};
    cpuTotal += quantity(allocatable.cpu); memoryTotal += quantity(allocatable.memory);
  }
  const usage = status.usage || {};
  function bar(id, label, used, total, text) {
    const percent = total > 0 ? Math.min(100, Math.round((used / total) * 100)) : 0;
    return h('div', { class: 'bar' },
      h('span', { id: `${id}-label` }, label),
      h('meter', { id, min: 0, max: 100, value: percent, low: 70, high: 90, optimum: 0, 'aria-labelledby': `${id}-label`, 'aria-valuetext': text }),
      h('span', { id: `${id}-text` }, text));
  }
  const network = (usage.networkReceiveBytesPerSecond || 0) + (usage.networkTransmitBytesPerSecond || 0);

  return h('div', {},
    h('div', { class: 'cards' },
      h('section', { class: 'card', 'aria-labelledby': 'health-title' },
        h('h3', { id: 'health-title' }, 'Cluster health'),
        h('p', { class: 'big', id: 'health-status' }, healthy === null ? 'Unknown' : statusText(healthy, healthy ? 'Healthy' : 'Unhealthy')),
        failing.length ? h('ul', { id: 'health-failing' }, failing.map((line) => h('li', {}, line))) : null),
      h('section', { class: 'card', 'aria-labelledby': 'nodes-title' },
        h('h3', { id: 'nodes-title' }, 'Nodes ready'),
        h('p', { class: 'big' }, h('span', { id: 'overview-nodes-ready' }, ready), ' of ', h('span', { id: 'overview-nodes-total' }, nodes.list.length)),
        h('p', {}, h('span', { id: 'overview-pods-running' }, running), ' pods running, ', h('span', { id: 'overview-pods-pending' }, pending), ' pending')),
      h('section', { class: 'card', 'aria-labelledby': 'attestation-title' },
        h('h3', { id: 'attestation-title' }, 'Master attestation'),
        h('dl', {},
          h('dt', {}, 'Mode'), h('dd', { id: 'attestation-mode' }, attestation.mode || 'unknown'),
          h('dt', {}, 'PCR0'), h('dd', { id: 'attestation-pcr0', class: 'mono', title: attestation.pcr0 || '' }, attestation.pcr0 ? `${attestation.pcr0.slice(0, 16)}…${attestation.pcr0.slice(-8)}` : 'none'),
          h('dt', {}, 'Document age'), h('dd', { id: 'attestation-age' }, attestation.documentAgeSeconds !== undefined ? `${attestation.documentAgeSeconds}s` : 'no document'),
          h('dt', {}, 'Uptime'), h('dd', { id: 'master-uptime' }, status.startTime ? age(status.startTime) : ''),
          h('dt', {}, 'Version'), h('dd', { id: 'master-version' }, status.version ? `${status.version.daas} (Kubernetes ${status.version.kubernetes})` : ''))),
      h('section', { class: 'card', 'aria-labelledby': 'seal-title' },
        h('h3', { id: 'seal-title' }, 'Seal authentication'),
        h('dl', {},
          h('dt', {}, 'Verified'), h('dd', { id: 'seal-accepted' }, data.seal ? data.seal.accepted : 'unknown'),
          h('dt', {}, 'Refused'), h('dd', { id: 'seal-refused' }, data.seal ? data.seal.refused : 'unknown'),
          h('dt', {}, 'Rate'), h('dd', { id: 'seal-rate' }, data.sealRate === null || data.sealRate === undefined ? 'measuring…' : `${data.sealRate.toFixed(1)} per minute`),
          h('dt', {}, 'Live sessions'), h('dd', { id: 'seal-sessions' }, status.seal ? status.seal.activeAddresses.length : 'unknown'))),
      h('section', { class: 'card', 'aria-labelledby': 'sui-title' },
        h('h3', { id: 'sui-title' }, 'Sui reader'),
        h('p', { class: 'big', id: 'sui-status' }, suiOK === null ? 'Unknown' : statusText(suiOK, suiOK ? 'Reachable' : 'Unreachable')),
        h('p', {}, 'Average latency ', h('span', { id: 'sui-latency' }, data.suiLatency === null || data.suiLatency === undefined ? 'no requests yet' : `${data.suiLatency.toFixed(1)} ms`),
          ' over ', h('span', { id: 'sui-requests' }, data.suiRequests || 0), ' requests'))),
    h('h2', {}, 'Resource usage'),
    h('section', { class: 'card', 'aria-label': 'Resource usage' },
      bar('usage-cpu', 'CPU', cpuUsed, cpuTotal, `${cpuUsed.toFixed(2)} of ${cpuTotal.toFixed(1)} cores`),
      bar('usage-memory', 'Memory', memoryUsed, memoryTotal, `${bytes(memoryUsed)} of ${bytes(memoryTotal)}`),
      bar('usage-storage', 'Storage', usage.filesystemUsedBytes || 0, usage.filesystemCapacityBytes || 0, `${bytes(usage.filesystemUsedBytes || 0)} of ${bytes(usage.filesystemCapacityBytes || 0)}`),
      h('div', { class: 'bar' }, h('span', {}, 'Network'), h('span', { id: 'usage-network' }, `${bytes(usage.networkReceiveBytesPerSecond || 0)}/s in, ${bytes(usage.networkTransmitBytesPerSecond || 0)}/s out`), h('span', {}, network ? '' : 'no traffic reported')),
      h('p', {}, `${usage.nodesReporting || 0} of ${nodes.list.length} nodes reporting usage.`)),
    (data.errors || []).length ? h('p', { class: 'notice', role: 'alert' }, `Some master figures could not be read: ${data.errors.join('; ')}`) : null);
}

function renderNodes() {
  const pods = Collection.of('/api/v1/pods').list;
  const perNode = new Map();
  for (const pod of pods) if (pod.spec.nodeName) perNode.set(pod.spec.nodeName, (perNode.get(pod.spec.nodeName) || 0) + 1);
  const nodes = Collection.of('/api/v1/nodes').list.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const rows = nodes.map((node) => {
    const ready = condition(node, 'Ready');
    const annotations = node.metadata.annotations || {};
    const labels = node.metadata.labels || {};
    const allocatable = (node.status || {}).allocatable || {};
    return h('tr', { 'data-name': node.metadata.name },
      h('td', {}, node.metadata.name),
      h('td', {}, statusText(ready === 'True' ? true : ready === 'False' ? false : null, ready === 'True' ? 'Ready' : ready === 'False' ? 'NotReady' : 'Unknown'),
        node.spec.unschedulable ? ', SchedulingDisabled' : ''),
      h('td', { class: 'mono' }, annotations['daas.io/sui-address'] || 'none'),
      h('td', { class: 'num' }, sui(annotations['daas.io/stake-mist'] || labels['daas.io/stake-mist'])),
      h('td', { class: 'num' }, perNode.get(node.metadata.name) || 0),
      h('td', { class: 'num' }, allocatable.cpu || ''),
      h('td', { class: 'num' }, allocatable.memory || ''),
      h('td', {}, ((node.status || {}).nodeInfo || {}).kubeletVersion || ''),
      h('td', { class: 'num' }, age(node.metadata.creationTimestamp)));
  });
  return table('nodes-table', `${nodes.length} nodes`, ['Name', 'Status', 'Sui address', { label: 'Stake', num: true }, { label: 'Pods', num: true },
    { label: 'CPU', num: true }, { label: 'Memory', num: true }, 'Version', { label: 'Age', num: true }], rows);
}

function renderWorkloads() {
  const kinds = [
    ['Deployment', '/apis/apps/v1/deployments', (o) => `${(o.status || {}).readyReplicas || 0}/${o.spec.replicas ?? 1}`],
    ['StatefulSet', '/apis/apps/v1/statefulsets', (o) => `${(o.status || {}).readyReplicas || 0}/${o.spec.replicas ?? 1}`],
    ['DaemonSet', '/apis/apps/v1/daemonsets', (o) => `${(o.status || {}).numberReady || 0}/${(o.status || {}).desiredNumberScheduled || 0}`],
    ['Job', '/apis/batch/v1/jobs', (o) => `${(o.status || {}).succeeded || 0}/${o.spec.completions ?? 1}`],
  ];
  const rows = [];
  for (const [kind, path, readiness] of kinds) {
    for (const object of Collection.of(path).list.sort((a, b) => Collection.key(a).localeCompare(Collection.key(b)))) {
      const [ready, wanted] = readiness(object).split('/');
      rows.push(h('tr', { 'data-name': `${kind}/${object.metadata.namespace}/${object.metadata.name}` },
        h('td', {}, kind), h('td', {}, object.metadata.namespace), h('td', {}, object.metadata.name),
        h('td', { class: 'num' }, statusText(ready === wanted ? true : null, `${ready}/${wanted}`)),
        h('td', { class: 'num' }, age(object.metadata.creationTimestamp))));
    }
  }
  return table('workloads-table', `${rows.length} workloads`, ['Kind', 'Namespace', 'Name', { label: 'Ready', num: true }, { label: 'Age', num: true }], rows);
}

function renderPods() {
  const pods = Collection.of('/api/v1/pods').list.sort((a, b) => Collection.key(a).localeCompare(Collection.key(b)));
  const rows = pods.map((pod) => {
    const phase = podPhase(pod);
    const ok = phase === 'Running' || phase === 'Succeeded' ? true : /Err|BackOff|Failed|OOM/.test(phase) ? false : null;
    const link = `#/pods/${encodeURIComponent(pod.metadata.namespace)}/${encodeURIComponent(pod.metadata.name)}`;
    return h('tr', { 'data-name': `${pod.metadata.namespace}/${pod.metadata.name}` },
      h('td', {}, pod.metadata.namespace),
      h('td', {}, h('a', { href: link }, pod.metadata.name)),
      h('td', { class: 'num' }, podReady(pod)),
      h('td', {}, statusText(ok, phase)),
      h('td', { class: 'num' }, restarts(pod)),
      h('td', {}, pod.spec.nodeName || ''),
      h('td', { class: 'num' }, age(pod.metadata.creationTimestamp)));
  });
  return table('pods-table', `${pods.length} pods`, ['Namespace', 'Name', { label: 'Ready', num: true }, 'Status', { label: 'Restarts', num: true }, 'Node', { label: 'Age', num: true }], rows);
}

function renderPod(namespace, name) {
  const pod = Collection.of('/api/v1/pods').items.get(`${namespace}/${name}`);
  if (!pod) {
    return h('p', { id: 'pod-missing' }, Collection.of('/api/v1/pods').synced ? `Pod ${namespace}/${name} does not exist (any more).` : 'Loading…');
  }
  const containers = pod.spec.containers.map((container) => container.name);
  const statuses = new Map(((pod.status || {}).containerStatuses || []).map((status) => [status.name, status]));
  return h('div', {},
    h('dl', { id: 'pod-details' },
      h('dt', {}, 'Name'), h('dd', { id: 'pod-name' }, `${namespace}/${name}`),
      h('dt', {}, 'Status'), h('dd', { id: 'pod-status' }, podPhase(pod)),
      h('dt', {}, 'Node'), h('dd', {}, pod.spec.nodeName || 'not scheduled'),
      h('dt', {}, 'Pod IP'), h('dd', {}, (pod.status || {}).podIP || ''),
      h('dt', {}, 'Restarts'), h('dd', { id: 'pod-restarts' }, restarts(pod))),
    table('containers-table', 'Containers', ['Name', 'Image', 'Ready', { label: 'Restarts', num: true }],
      containers.map((container) => {
        const status = statuses.get(container) || {};
        return h('tr', {}, h('td', {}, container), h('td', { class: 'mono' }, (pod.spec.containers.find((c) => c.name === container) || {}).image || ''),
          h('td', {}, statusText(status.ready ? true : null, status.ready ? 'Ready' : 'Not ready')), h('td', { class: 'num' }, status.restartCount || 0));
      })),
    h('section', { id: 'pod-logs-section', 'aria-labelledby': 'logs-title' }));
}

function logsSection(namespace, name, containers) {
  const select = h('select', { id: 'logs-container', 'aria-label': 'Container' }, containers.map((container) => h('option', { value: container }, container)));
  const follow = h('input', { type: 'checkbox', id: 'logs-follow', checked: true });
  const output = h('pre', { class: 'logs', id: 'pod-logs', 'aria-live': 'off', tabindex: 0 });
  const state = h('span', { id: 'logs-state', role: 'status' }, '');
  const restart = () => startLogs();
  select.addEventListener('change', restart);
  follow.addEventListener('change', restart);
  return h('section', { id: 'pod-logs-section', 'aria-labelledby': 'logs-title' },
    h('h2', { id: 'logs-title' }, 'Logs'),
    h('div', { class: 'controls' }, h('label', {}, 'Container ', select), h('label', {}, follow, ' Follow'), state),
    output);
}

async function startLogs() {
  if (logStream) logStream.abort();
  const [namespace, name] = current.args;
  const pods = Collection.of('/api/v1/pods');
  if (!pods.synced) { setTimeout(() => { if (current.page === 'pod') startLogs(); }, 300); return; }
  const pod = pods.items.get(`${namespace}/${name}`);
  if (!pod) return;
  const existing = document.getElementById('pod-logs-section');
  const chosen = document.getElementById('logs-container');
  const container = chosen ? chosen.value : pod.spec.containers[0].name;
  const followBox = document.getElementById('logs-follow');
  const follow = followBox ? followBox.checked : true;
  const section = logsSection(namespace, name, pod.spec.containers.map((c) => c.name));
  section.querySelector('#logs-container').value = container;
  section.querySelector('#logs-follow').checked = follow;
  if (existing) existing.replaceWith(section);
  const output = section.querySelector('#pod-logs');
  const state = section.querySelector('#logs-state');
  const controller = new AbortController();
  logStream = controller;
  const query = `container=${encodeURIComponent(container)}&tailLines=500${follow ? '&follow=true' : ''}`;
  try {
    state.textContent = follow ? 'following' : 'loading';
    const response = await request(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/log?${query}`,
      { headers: { Accept: 'text/plain' }, signal: controller.signal });
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const atBottom = output.scrollTop + output.clientHeight >= output.scrollHeight - 4;
      output.append(decoder.decode(value, { stream: true }));
      if (atBottom) output.scrollTop = output.scrollHeight;
    }
    state.textContent = 'ended';
  } catch (error) {
    if (controller.signal.aborted) return;
    if (!(error instanceof APIError)) {
      // The connection dropped (a network change, a master restart): read the tail again.
      state.textContent = 'reconnecting';
      setTimeout(() => { if (logStream === controller && current.page === 'pod') startLogs(); }, 1000);
      return;
    }
    state.textContent = `cannot read logs: ${error.message}`;
  }
}

function renderEvents() {
  const events = Collection.of('/api/v1/events').list
    .sort((a, b) => Date.parse(b.lastTimestamp || b.eventTime || b.metadata.creationTimestamp) - Date.parse(a.lastTimestamp || a.eventTime || a.metadata.creationTimestamp))
    .slice(0, 200);
  const rows = events.map((event) => h('tr', {},
    h('td', { class: 'num' }, age(event.lastTimestamp || event.eventTime || event.metadata.creationTimestamp)),
    h('td', {}, statusText(event.type === 'Warning' ? false : true, event.type || 'Normal')),
    h('td', {}, event.reason || ''),
    h('td', {}, `${event.involvedObject.kind}/${event.involvedObject.name}`),
    h('td', {}, event.message || ''),
    h('td', { class: 'num' }, event.count || 1)));
  return table('events-table', `The ${events.length} most recent events`, [{ label: 'Last seen', num: true }, 'Type', 'Reason', 'Object', 'Message', { label: 'Count', num: true }], rows);
}

// ---- Sign-in ----

function showSignIn(message) {
  document.getElementById('main').replaceChildren(
    h('h2', {}, 'Sign in'),
    h('p', { class: 'notice', role: 'alert', id: 'sign-in-message' }, message),
    h('p', {}, 'Run ', h('code', {}, 'daasctl dashboard --kubeconfig <data-dir>/admin.kubeconfig'), ' and open the URL it prints (valid once, for five minutes), ',
      'or present the admin client certificate to this page.'));
}

/** `work()`, tried again (up to five times, half a second apart) when the network failed it. */
async function retrying(work) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (error instanceof APIError || attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

async function start() {
  const login = /^#login=([A-Za-z0-9._-]+)$/.exec(location.hash);
  let signInFailure = null;
  if (login) {
    history.replaceState(null, '', location.pathname + '#/overview');
    try {
      await retrying(() => request('/daas/dashboard/session', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token: login[1] }),
      }));
    } catch (error) {
      // A retry after a lost answer finds the token used: the cookie may be set all the same.
      signInFailure = `Sign-in failed: ${error.message}`;
    }
  }
  // Who we are, asked while the pages load (a refusal replaces them with the sign-in notice).
  retrying(async () => (await request('/apis/authentication.k8s.io/v1/selfsubjectreviews', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
  })).json()).then((review) => {
    document.getElementById('user').textContent = review.status.userInfo.username;
  }, (error) => {
    signedOut = true;
    window.removeEventListener('hashchange', route);
    clearInterval(refreshTimer);
    showSignIn(signInFailure || (error.status === 401 ? 'You are not signed in.' : `The API cannot be reached: ${error.message}`));
  });
  const signOut = document.getElementById('sign-out');
  signOut.hidden = false;
  signOut.addEventListener('click', async () => {
    try {
      await retrying(() => request('/daas/dashboard/session', { method: 'DELETE' }));
    } catch (error) {
      document.getElementById('live').textContent = `Signing out failed: ${error.message}`;
      return;
    }
    location.replace(location.pathname);
  });
  window.addEventListener('hashchange', route);
  route();
}

document.addEventListener('DOMContentLoaded', start);
