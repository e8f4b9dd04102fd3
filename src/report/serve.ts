/**
 * `faultline serve`: browse a store over HTTP, read only. `/` is a table of
 * runs (filter and sort in the page) and of searches with their runs;
 * `/report/PATH` is a run's report.html (drawn in memory when the run has
 * none on disk yet; the store is never written); `/files/PATH` serves any
 * file of the store (`?download` as an attachment). Every path is resolved
 * and must stay inside the store: `..`, encoded or not, and links leading out
 * are refused.
 */
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, extname, join, resolve, sep } from 'node:path';
import { esc, renderReportHtml } from './html.js';
import { indexStore, type RunEntry, type StoreIndex } from './store-index.js';
import { REPORT_FILE, ReportInputError, runReportData } from './write.js';

export interface ServeOptions {
  storeDir: string;
  /** 0: any free port. */
  port: number;
  /** Default 127.0.0.1: nothing but this machine can reach it. */
  host?: string;
}

export interface RunningServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.jsonl': 'application/x-ndjson; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.edn': 'text/plain; charset=utf-8',
  '.png': 'image/png',
};

/** A path under the store, resolved; undefined when it would leave the store (or does not exist). */
export function resolveInStore(storeReal: string, rel: string): string | undefined {
  if (rel.includes('\0')) return undefined;
  const parts = rel.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..' || p.includes('\\'))) return undefined;
  const candidate = resolve(storeReal, ...parts);
  if (candidate !== storeReal && !candidate.startsWith(storeReal + sep)) return undefined;
  let real: string;
  try {
    real = realpathSync(candidate);
  } catch {
    return undefined;
  }
  // A link inside the store that leads out of it is refused too.
  if (real !== storeReal && !real.startsWith(storeReal + sep)) return undefined;
  return real;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  });
  res.end(body);
}

function notFound(res: ServerResponse, what: string): void {
  send(res, 404, 'text/plain; charset=utf-8', `not found: ${what}\n`);
}

function forbidden(res: ServerResponse): void {
  send(res, 403, 'text/plain; charset=utf-8', 'refused: that path is outside the store\n');
}

function verdictCell(r: RunEntry): string {
  if (r.crashed) return '<td class="v unknown">crashed</td>';
  if (r.valid === null) return '<td class="v none">no result</td>';
  const word = r.valid === true ? 'valid' : r.valid === false ? 'INVALID' : 'unknown';
  const cls = r.valid === true ? 'valid' : r.valid === false ? 'invalid' : 'unknown';
  return `<td class="v ${cls}">${word}</td>`;
}

function runRow(r: RunEntry): string {
  const p = encodeURI(r.path);
  const files = ['history.jsonl', 'results.json', 'test.json']
    .map((f) => `<a href="/files/${p}/${f}?download">${f.split('.')[0]}</a>`)
    .join(' ');
  return `<tr data-path="${esc(r.path)}"><td><a class="report" href="/report/${p}/">${esc(r.test)}${r.shrunk ? ' (shrunk)' : ''}</a></td><td data-sort="${esc(r.startedAt ?? '')}">${esc(r.startedAt ?? '')}</td>${verdictCell(r)}<td class="n" data-sort="${r.ops ?? -1}">${r.ops ?? ''}</td><td class="n" data-sort="${r.seed ?? -1}">${r.seed ?? ''}</td><td>${esc(r.system ?? '')}</td><td>${esc(r.workload ?? '')}</td><td>${esc(r.nemesis ?? '')}</td><td class="files">${files}</td></tr>`;
}

const TABLE_HEAD =
  '<thead><tr><th data-col="0">test</th><th data-col="1">time</th><th data-col="2">verdict</th><th data-col="3">ops</th><th data-col="4">seed</th><th data-col="5">system</th><th data-col="6">workload</th><th data-col="7">nemesis</th><th>files</th></tr></thead>';

function searchBlock(s: StoreIndex['searches'][number]): string {
  const sum = s.summary ?? {};
  const counts = (sum.counts ?? {}) as Record<string, unknown>;
  const req = (sum.request ?? {}) as Record<string, unknown>;
  const seeds = (req.seeds ?? {}) as Record<string, unknown>;
  const line = [
    typeof req.system === 'string' ? `system <b>${esc(req.system)}</b>` : '',
    Array.isArray(req.bugs) && req.bugs.length > 0 ? `bugs ${esc(req.bugs.join(', '))}` : '',
    seeds.from !== undefined ? `seeds ${esc(String(seeds.from))}–${esc(String(seeds.to))}` : '',
    counts.seeds !== undefined
      ? `${esc(String(counts.seeds))} run: <span class="valid">${esc(String(counts.valid))} valid</span>, <span class="invalid">${esc(String(counts.invalid))} invalid</span>, <span class="unknown">${esc(String(counts.unknown))} unknown</span>`
      : 'no summary.json yet',
  ]
    .filter(Boolean)
    .join(' · ');
  const summaryLink = s.summary
    ? ` <a href="/files/${encodeURI(s.path)}/summary.json?download">summary.json</a>`
    : '';
  return `<div class="search" data-search="${esc(s.path)}"><h3>${esc(s.path)} <span class="hint">${esc(s.startedAt ?? '')}</span></h3><p>${line}${summaryLink}</p>
<table class="runs">${TABLE_HEAD}<tbody>${s.runs.map(runRow).join('')}</tbody></table></div>`;
}

const INDEX_SCRIPT = `
(function(){
  var q=document.getElementById('filter');
  function apply(){var t=q.value.toLowerCase();document.querySelectorAll('table.runs tbody tr').forEach(function(tr){tr.style.display=tr.textContent.toLowerCase().indexOf(t)>=0?'':'none';});}
  q.addEventListener('input',apply);
  document.querySelectorAll('table.runs th[data-col]').forEach(function(th){
    th.addEventListener('click',function(){
      var table=th.closest('table'),body=table.tBodies[0],col=Number(th.getAttribute('data-col'));
      var asc=th.getAttribute('data-dir')!=='asc';
      table.querySelectorAll('th').forEach(function(h){h.removeAttribute('data-dir');});
      th.setAttribute('data-dir',asc?'asc':'desc');
      var rows=Array.prototype.slice.call(body.rows);
      rows.sort(function(a,b){
        var x=a.cells[col],y=b.cells[col];
        var xs=x.getAttribute('data-sort'),ys=y.getAttribute('data-sort');
        var xv=xs!==null?xs:x.textContent,yv=ys!==null?ys:y.textContent;
        var xn=Number(xv),yn=Number(yv);
        var c=(xs!==null&&!isNaN(xn)&&!isNaN(yn)&&xv!==''&&yv!=='')?xn-yn:String(xv).localeCompare(String(yv));
        return asc?c:-c;
      });
      rows.forEach(function(r){body.appendChild(r);});
    });
  });
})();`;

export function renderIndexHtml(storeDir: string, index: StoreIndex): string {
  const loose = index.runs.filter((r) => r.search === null);
  const counts = { valid: 0, invalid: 0, unknown: 0 };
  for (const r of index.runs) {
    if (r.valid === true) counts.valid++;
    else if (r.valid === false) counts.invalid++;
    else counts.unknown++;
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>faultline store: ${esc(storeDir)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#fafafa;color:#1d232a;font-size:14px}
header{background:#fff;border-bottom:1px solid #ddd;padding:12px 24px}h1{font-size:19px;margin:0 0 4px}
main{padding:8px 24px 40px}
table.runs{border-collapse:collapse;background:#fff;width:100%;font-size:13px;margin:6px 0 14px}
table.runs th,table.runs td{border-bottom:1px solid #eee;padding:4px 8px;text-align:left;white-space:nowrap}
table.runs th[data-col]{cursor:pointer;user-select:none}table.runs th[data-dir=asc]::after{content:' ▲'}table.runs th[data-dir=desc]::after{content:' ▼'}
td.n{text-align:right;font-variant-numeric:tabular-nums}
td.v{font-weight:700}.valid{color:#2e7d32}.invalid{color:#c62828}.unknown{color:#b26a00}.none{color:#888}
td.v.invalid{background:#fdecea}td.v.valid{background:#edf7ed}td.v.unknown{background:#fff4e5}
.files a{margin-right:6px;font-size:12px}.hint{color:#777;font-weight:400;font-size:12px}
.search{background:#fff;border:1px solid #e2e2e2;border-radius:6px;padding:4px 12px;margin:12px 0}
.search h3{font-size:15px;margin:8px 0 2px}
</style></head><body>
<header><h1>faultline store <code>${esc(storeDir)}</code></h1>
<div>${index.runs.length} runs: <span class="valid">${counts.valid} valid</span>, <span class="invalid">${counts.invalid} invalid</span>, <span class="unknown">${counts.unknown} unknown or unfinished</span>; ${index.searches.length} searches · <a href="/api/runs.json">runs.json</a> · read only</div></header>
<main>
<p><label>filter <input id="filter" type="search" placeholder="test, verdict, seed, system…" size="40"></label> <span class="hint">click a column to sort</span></p>
<h2>Runs</h2>
<table class="runs" id="runs">${TABLE_HEAD}<tbody>${loose.map(runRow).join('')}</tbody></table>
${index.searches.length > 0 ? `<h2>Searches</h2>${index.searches.map(searchBlock).join('')}` : ''}
</main>
<script>${INDEX_SCRIPT}</script>
</body></html>
`;
}

function handle(storeDir: string, storeReal: string, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    send(res, 405, 'text/plain; charset=utf-8', 'read only: GET and HEAD only\n');
    return;
  }
  let url: URL;
  let path: string;
  try {
    // `..` is refused as sent, before URL parsing would quietly fold it away.
    const raw = decodeURIComponent((req.url ?? '/').split('?')[0]);
    if (raw.includes('\0') || raw.split(/[/\\]/).includes('..')) {
      forbidden(res);
      return;
    }
    url = new URL(req.url ?? '/', 'http://localhost');
    path = decodeURIComponent(url.pathname);
  } catch {
    send(res, 400, 'text/plain; charset=utf-8', 'bad request\n');
    return;
  }
  if (path === '/' || path === '/index.html') {
    send(res, 200, TYPES['.html'], renderIndexHtml(storeDir, indexStore(storeReal)));
    return;
  }
  if (path === '/api/runs.json') {
    send(res, 200, TYPES['.json'], `${JSON.stringify(indexStore(storeReal), null, 2)}\n`);
    return;
  }
  const m = /^\/(report|files)\/(.*)$/.exec(path);
  if (!m) {
    notFound(res, path);
    return;
  }
  const rel = m[2];
  const target = resolveInStore(storeReal, rel);
  if (target === undefined) {
    // Nothing there, or a link inside the store that leads out of it.
    if (existsSync(resolve(storeReal, rel))) forbidden(res);
    else notFound(res, rel);
    return;
  }
  const isDir = statSync(target).isDirectory();
  if (m[1] === 'report' && isDir) {
    if (!existsSync(join(target, 'history.jsonl'))) {
      notFound(res, `${rel} is not a run directory`);
      return;
    }
    // The report's links (history.jsonl, …) are relative: they resolve under /report/DIR/.
    if (!url.pathname.endsWith('/')) {
      res.writeHead(301, { location: `${url.pathname}/` });
      res.end();
      return;
    }
    const onDisk = join(target, REPORT_FILE);
    if (existsSync(onDisk)) {
      serveFile(res, onDisk, false);
      return;
    }
    try {
      send(res, 200, TYPES['.html'], renderReportHtml(runReportData(target)));
    } catch (err) {
      if (err instanceof ReportInputError) send(res, 422, 'text/plain; charset=utf-8', `${err.message}\n`);
      else throw err;
    }
    return;
  }
  if (isDir) {
    notFound(res, `${rel} is not a file`);
    return;
  }
  serveFile(res, target, url.searchParams.has('download'));
}

function serveFile(res: ServerResponse, file: string, download: boolean): void {
  const size = statSync(file).size;
  const headers: Record<string, string | number> = {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': size,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  };
  if (download) headers['content-disposition'] = `attachment; filename="${basename(file).replace(/"/g, '')}"`;
  res.writeHead(200, headers);
  if (res.req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file).pipe(res);
}

export function startServer(opts: ServeOptions): Promise<RunningServer> {
  const storeReal = realpathSync(opts.storeDir);
  const host = opts.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    try {
      handle(opts.storeDir, storeReal, req, res);
    } catch (err) {
      if (!res.headersSent)
        send(res, 500, 'text/plain; charset=utf-8', `internal error: ${(err as Error).message}\n`);
      else res.destroy();
    }
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      const addr = server.address() as AddressInfo;
      const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      resolvePromise({
        url: `http://${shownHost}:${addr.port}/`,
        server,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
