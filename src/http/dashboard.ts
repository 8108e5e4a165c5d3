// A read-only dashboard at `/` (the page `http.publicUrl` links to in emails): seat usage, waiting
// accounts, each source's last run, last success, failures in a row and last error, and the audit
// trail. The page itself holds no data: it asks for an API token (kept in the tab's sessionStorage
// only) and reads `/api/v1`, so the API's auth applies unchanged.
import type { FastifyInstance } from 'fastify';

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>seatsync</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#1c2430}h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;min-width:30rem}th,td{padding:.3rem .7rem;border-bottom:1px solid #dde;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}.full{color:#a40000;font-weight:600}#err{color:#a40000}
form{margin:1rem 0}input{width:24rem}
</style></head><body>
<h1>seatsync</h1>
<form id="login"><label>API token <input id="token" type="password" autocomplete="off"></label> <button>Show</button></form>
<p id="err"></p>
<section id="view" hidden>
<h2>Pools</h2><table id="pools"></table>
<h2>Waiting for a seat</h2><table id="blocked"></table>
<h2>Sources</h2><table id="sources"></table>
<h2>Recent changes</h2><table id="audit"></table>
</section>
<script>
const $ = (id) => document.getElementById(id);
const esc = (v) => String(v ?? '').replace(/[&<>"']/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]));
function fill(id, head, rows, numeric = []) {
  $(id).innerHTML = '<tr>' + head.map((h) => '<th>' + esc(h) + '</th>').join('') + '</tr>' +
    rows.map((r) => '<tr>' + r.map((v, i) => '<td' + (numeric.includes(i) ? ' class="n"' : '') + '>' + esc(v) + '</td>').join('') + '</tr>').join('');
}
async function api(path) {
  const res = await fetch('api/v1/' + path, { headers: { authorization: 'Bearer ' + sessionStorage.getItem('seatsync-token') } });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ? body.error.message : res.statusText);
  return body;
}
async function show() {
  try {
    const [status, blocked, audit] = await Promise.all([api('status'), api('accounts?state=blocked'), api('audit?limit=50')]);
    fill('pools', ['pool', 'seats', 'used', 'available', 'waiting'], status.pools.map((p) => [p.name, p.seats, p.used, p.available, p.waiting]), [1, 2, 3, 4]);
    for (const [i, p] of status.pools.entries()) if (p.available === 0) $('pools').rows[i + 1].classList.add('full');
    fill('blocked', ['since', 'username', 'name', 'email', 'waiting for'], blocked.map((a) => [a.waitingSince, a.username, a.displayName, a.email, a.waitingFor.join(', ')]));
    fill('sources', ['source', 'last run', 'finished', 'users seen', 'last success', 'failures in a row', 'last error'], status.sources.map((s) => [
      s.name, s.lastRun ? s.lastRun.status : 'never', s.lastRun ? s.lastRun.finishedAt : '', s.lastRun ? s.lastRun.seen : '',
      s.lastSuccessfulRun ? s.lastSuccessfulRun.finishedAt : 'never', s.consecutiveFailures,
      s.lastError ? s.lastError.at + ': ' + s.lastError.message : '']), [3, 5]);
    for (const [i, s] of status.sources.entries()) if (s.consecutiveFailures > 0) $('sources').rows[i + 1].classList.add('full');
    fill('audit', ['time', 'account', 'from', 'to', 'reason', 'by'], audit.slice().reverse().map((e) => [e.at, e.username, e.from, e.to, e.reason, e.actor]));
    $('err').textContent = '';
    $('view').hidden = false;
  } catch (error) {
    $('err').textContent = error.message;
  }
}
$('login').addEventListener('submit', (event) => { event.preventDefault(); sessionStorage.setItem('seatsync-token', $('token').value); show(); });
if (sessionStorage.getItem('seatsync-token')) show();
setInterval(() => { if (!$('view').hidden) show(); }, 30000);
</script></body></html>
`;

export function registerDashboard(app: FastifyInstance): void {
  app.get('/', async (_request, reply) =>
    reply
      .header('content-type', 'text/html; charset=utf-8')
      // Only this page's own inline script and style, and requests to this origin.
      .header('content-security-policy', "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'")
      .header('cache-control', 'no-store')
      .send(PAGE),
  );
}
