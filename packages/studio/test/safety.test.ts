/**
 * Every safety rule of the studio, through real HTTP requests such as a
 * browser, a hostile page or a local attacker's client would send.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, suite, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Studio, startStudio } from '../src/index.js';
import { NEEDS_WEIGHTS, WEIGHTS, flatPng, patternPng, tempDir } from './fixtures.js';
import { type Answer, multipartBody, request } from './http.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function auth(s: Studio, extra: Record<string, string> = {}): Record<string, string> {
  return { host: `127.0.0.1:${s.port}`, 'x-pastiche-token': s.token, ...extra };
}

async function uploadTo(s: Studio, name: string, bytes: Uint8Array): Promise<Answer> {
  const { body, type } = multipartBody(name, bytes);
  return request(s.port, {
    method: 'POST',
    path: '/api/uploads',
    headers: auth(s, { 'content-type': type, origin: s.origin }),
    body,
  });
}

async function postJson(s: Studio, path: string, value: unknown): Promise<Answer> {
  return request(s.port, {
    method: 'POST',
    path,
    headers: auth(s, { 'content-type': 'application/json', origin: s.origin }),
    body: JSON.stringify(value),
  });
}

async function runOf(s: Studio, id: string): Promise<Record<string, unknown>> {
  const a = await request(s.port, { path: `/api/runs/${id}`, headers: auth(s) });
  assert.equal(a.status, 200, a.body.toString());
  return a.json()['run'] as Record<string, unknown>;
}

/** Polls until the run's status is not queued or running (the test runner's timeout bounds it). */
async function settled(s: Studio, id: string): Promise<Record<string, unknown>> {
  for (;;) {
    const run = await runOf(s, id);
    if (run['status'] !== 'queued' && run['status'] !== 'running') return run;
    await sleep(100);
  }
}

suite('studio safety over HTTP', () => {
  let ws: Awaited<ReturnType<typeof tempDir>>;
  let outside: Awaited<ReturnType<typeof tempDir>>;
  let s: Studio;

  before(async () => {
    ws = await tempDir();
    outside = await tempDir('pastiche-outside-');
    await writeFile(join(outside.dir, 'secret.txt'), 'TOP-SECRET-CONTENT');
    s = await startStudio({ workspace: ws.dir, maxUploadBytes: 200_000, maxPixels: 1_000_000 });
    await writeFile(join(s.workspace, 'uploads', 'hello.txt'), 'hello');
    await symlink(join(outside.dir, 'secret.txt'), join(s.workspace, 'uploads', 'link.txt'));
    await symlink(outside.dir, join(s.workspace, 'outside'));
  });
  after(async () => {
    await s.close();
    await ws.remove();
    await outside.remove();
  });

  test('binds 127.0.0.1 by default (not reachable on other interfaces)', async () => {
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{43}$/);
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i !== undefined && !i.internal && i.family === 'IPv4');
    if (external === undefined) return;
    const refused = await new Promise<boolean>((resolve) => {
      const c = connect(s.port, external.address);
      c.on('connect', () => {
        c.destroy();
        resolve(false);
      });
      c.on('error', () => resolve(true));
    });
    assert.equal(refused, true, `the studio answered on ${external.address}`);
  });

  test('every request needs the token', async () => {
    const none = await request(s.port, { path: '/api/info', headers: { host: `127.0.0.1:${s.port}` } });
    assert.equal(none.status, 401);
    assert.equal(
      none.json()['error'],
      'This request carries no token: open the address the studio printed (it ends in ?token=...)',
    );
    const wrong = await request(s.port, {
      path: '/api/info',
      headers: { host: `127.0.0.1:${s.port}`, 'x-pastiche-token': 'x'.repeat(43) },
    });
    assert.equal(wrong.status, 401);
    assert.match(String(wrong.json()['error']), /carries a wrong token/);
    // A token in the query is only taken by the page itself, not by the API.
    const query = await request(s.port, {
      path: `/api/info?token=${s.token}`,
      headers: { host: `127.0.0.1:${s.port}` },
    });
    assert.equal(query.status, 401);
    for (const path of ['/', '/assets/app.js', '/files/uploads/hello.txt', '/api/events', '/nowhere']) {
      const a = await request(s.port, { path, headers: { host: `127.0.0.1:${s.port}` } });
      assert.equal(a.status, 401, path);
    }
    assert.equal((await request(s.port, { path: '/api/info', headers: auth(s) })).status, 200);
    const bearer = await request(s.port, {
      path: '/api/info',
      headers: { host: `127.0.0.1:${s.port}`, authorization: `Bearer ${s.token}` },
    });
    assert.equal(bearer.status, 200);
  });

  test('the first page load trades ?token= for an HttpOnly SameSite=Strict cookie', async () => {
    const first = await request(s.port, { path: `/?token=${s.token}`, headers: { host: `127.0.0.1:${s.port}` } });
    assert.equal(first.status, 303);
    assert.equal(first.headers.location, '/');
    const cookie = String(first.headers['set-cookie']);
    assert.equal(cookie, `pastiche_studio_${s.port}=${s.token}; Path=/; HttpOnly; SameSite=Strict`);
    const jar = cookie.split(';')[0]!;
    const page = await request(s.port, { path: '/', headers: { host: `127.0.0.1:${s.port}`, cookie: jar } });
    assert.equal(page.status, 200);
    assert.match(page.body.toString(), /<title>Pastiche Studio<\/title>/);
    const api = await request(s.port, { path: '/api/runs', headers: { host: `127.0.0.1:${s.port}`, cookie: jar } });
    assert.equal(api.status, 200);
    const otherPort = await request(s.port, {
      path: '/api/runs',
      headers: { host: `127.0.0.1:${s.port}`, cookie: `pastiche_studio_1=${s.token}` },
    });
    assert.equal(otherPort.status, 401);
  });

  test('the Host header must name the bound address (DNS rebinding)', async () => {
    for (const host of ['evil.example', `evil.example:${s.port}`, `127.0.0.1:${s.port + 1}`, `192.168.0.1:${s.port}`]) {
      const a = await request(s.port, { path: '/api/info', headers: { ...auth(s), host } });
      assert.equal(a.status, 403, host);
      assert.equal(
        a.json()['error'],
        `Host '${host}' is not this studio's address (expected 127.0.0.1:${s.port} or localhost:${s.port})`,
      );
    }
    const local = await request(s.port, { path: '/api/info', headers: { ...auth(s), host: `localhost:${s.port}` } });
    assert.equal(local.status, 200);
  });

  test('state-changing requests check Origin', async () => {
    const body = JSON.stringify({ kind: 'stylise', content: 'x.png', styles: [{ path: 'y.png', weight: 1 }] });
    const evil = await request(s.port, {
      method: 'POST',
      path: '/api/jobs',
      headers: auth(s, { 'content-type': 'application/json', origin: 'http://evil.example' }),
      body,
    });
    assert.equal(evil.status, 403);
    assert.equal(evil.json()['error'], "Origin 'http://evil.example' may not change this studio's state");
    const crossSite = await request(s.port, {
      method: 'POST',
      path: '/api/jobs',
      headers: auth(s, { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }),
      body,
    });
    assert.equal(crossSite.status, 403);
    const cookieNoOrigin = await request(s.port, {
      method: 'POST',
      path: '/api/jobs',
      headers: {
        host: `127.0.0.1:${s.port}`,
        cookie: `pastiche_studio_${s.port}=${s.token}`,
        'content-type': 'application/json',
      },
      body,
    });
    assert.equal(cookieNoOrigin.status, 403);
    assert.equal(cookieNoOrigin.json()['error'], 'POST with the cookie needs an Origin header');
    // Our own origin passes the checks; the request then fails on its content (no such file).
    const own = await postJson(s, '/api/jobs', JSON.parse(body));
    assert.equal(own.status, 404);
    assert.equal(own.json()['error'], "No file 'x.png' in the workspace");
  });

  test('requests are validated by their JSON schema', async () => {
    const a = await postJson(s, '/api/jobs', { kind: 'stylise', content: 'a.png', styles: [], size: 5 });
    assert.equal(a.status, 400);
    assert.equal(a.json()['code'], 'INVALID_OPTION');
    const b = await postJson(s, '/api/jobs', { kind: 'format-disk' });
    assert.equal(b.status, 400);
  });

  test('uploads: size limit (413), decoded-pixel limit (413), non-images (415)', async () => {
    const ok = await uploadTo(s, 'small.png', await patternPng(64, 48));
    assert.equal(ok.status, 201, ok.body.toString());
    assert.deepEqual(
      { ...ok.json(), path: undefined, bytes: undefined },
      { path: undefined, bytes: undefined, name: 'small.png', format: 'png', width: 64, height: 48 },
    );
    const big = await uploadTo(s, 'big.bin', new Uint8Array(300_000));
    assert.equal(big.status, 413);
    assert.equal(big.json()['error'], 'The upload is larger than the limit of 200000 bytes');
    // A small file that would decode to 2000 x 2000 = 4 MP, over the 1 MP limit.
    const bomb = await uploadTo(s, 'bomb.png', await flatPng(2000, 2000));
    assert.equal(bomb.status, 413);
    assert.equal(bomb.json()['error'], "'bomb.png' decodes to 2000x2000 = 4000000 pixels; the limit is 1000000");
    const text = await uploadTo(s, 'notes.png', new TextEncoder().encode('not an image'));
    assert.equal(text.status, 415);
  });

  test('files are served from the workspace only', async () => {
    const ok = await request(s.port, { path: '/files/uploads/hello.txt', headers: auth(s) });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.toString(), 'hello');
    const refused: [string, number][] = [
      ['/files/../secret.txt', 403],
      ['/files/uploads/../../secret.txt', 403],
      ['/files/%2e%2e/%2e%2e/etc/passwd', 403],
      ['/files/uploads/..%2f..%2fetc%2fpasswd', 403],
      ['/files/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd', 403],
      ['/files//etc/passwd', 403],
      ['/files/%2Fetc%2Fpasswd', 403],
      ['/files/uploads%5C..%5C..%5Cetc%5Cpasswd', 403],
      ['/files/uploads/link.txt', 403],
      ['/files/outside/secret.txt', 403],
      ['/files/.pastiche', 403],
      ['/files/uploads/missing.png', 404],
    ];
    for (const [path, status] of refused) {
      const a = await request(s.port, { path, headers: auth(s) });
      assert.equal(a.status, status, `${path}: ${a.body.toString()}`);
      assert.doesNotMatch(a.body.toString(), /TOP-SECRET-CONTENT|root:/, path);
    }
    const link = await request(s.port, { path: '/files/uploads/link.txt', headers: auth(s) });
    assert.equal(link.json()['error'], "Path 'uploads/link.txt' is refused: it links outside the workspace");
    const dots = await request(s.port, { path: '/files/%2e%2e/%2e%2e/etc/passwd', headers: auth(s) });
    assert.equal(dots.json()['error'], "Path '../../etc/passwd' is refused: '..' leaves the workspace");
  });

  test('every response carries the cross-origin isolation headers', async () => {
    const answers = [
      await request(s.port, { path: '/', headers: auth(s) }),
      await request(s.port, { path: '/api/info', headers: auth(s) }),
      await request(s.port, { path: '/nowhere', headers: auth(s) }),
      await request(s.port, { path: '/api/info', headers: { host: `127.0.0.1:${s.port}` } }),
      await request(s.port, { path: '/api/info', headers: { host: 'evil.example' } }),
      await request(s.port, { path: '/files/uploads/hello.txt', headers: auth(s) }),
    ];
    for (const a of answers) {
      assert.equal(a.headers['cross-origin-opener-policy'], 'same-origin', String(a.status));
      assert.equal(a.headers['cross-origin-embedder-policy'], 'require-corp', String(a.status));
      assert.equal(a.headers['x-content-type-options'], 'nosniff');
    }
  });

  test('a failing job never takes the server down', async () => {
    const content = JSON.parse((await uploadTo(s, 'content.png', await patternPng(64, 64))).body.toString()).path;
    const whole = await patternPng(64, 64, 3);
    // The header is intact (the upload check passes), the pixels are cut off (decoding fails in the job).
    const cut = whole.subarray(0, Math.floor(whole.length / 2));
    const up = await uploadTo(s, 'cut.png', cut);
    assert.equal(up.status, 201, up.body.toString());
    const style = up.json()['path'];
    const job = await postJson(s, '/api/jobs', {
      kind: 'stylise',
      content,
      styles: [{ path: style, weight: 1 }],
      size: 64,
      iterations: 2,
    });
    assert.equal(job.status, 202, job.body.toString());
    const id = String((job.json()['run'] as { id: string }).id);
    const run = await settled(s, id);
    assert.equal(run['status'], 'failed');
    assert.equal((run['error'] as { code: string }).code, 'IMAGE');
    assert.match(
      (run['error'] as { message: string }).message,
      /^Cannot decode image '[^']*\/inputs\/style-1\.png' \(png\): /,
    );
    const info = await request(s.port, { path: '/api/info', headers: auth(s) });
    assert.equal(info.status, 200);
    const saved = JSON.parse(await readFile(join(s.workspace, 'runs', id, 'run.json'), 'utf8'));
    assert.equal(saved.status, 'failed');
  });
});

suite('studio jobs over HTTP (real weights)', { skip: NEEDS_WEIGHTS }, () => {
  let ws: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    ws = await tempDir();
  });
  after(async () => ws.remove());

  async function inputs(s: Studio): Promise<{ content: string; style: string }> {
    const content = JSON.parse((await uploadTo(s, 'c.png', await patternPng(80, 64, 1))).body.toString()).path;
    const style = JSON.parse((await uploadTo(s, 's.png', await patternPng(64, 64, 5))).body.toString()).path;
    return { content, style };
  }

  test('the queue holds one running and maxQueued waiting; 429 beyond; cancel works on both', async () => {
    const s = await startStudio({ workspace: join(ws.dir, 'queue'), weights: WEIGHTS!, maxQueued: 1 });
    try {
      const { content, style } = await inputs(s);
      const job = { kind: 'stylise', content, styles: [{ path: style, weight: 1 }], size: 32, iterations: 10000 };
      const a = await postJson(s, '/api/jobs', job);
      const b = await postJson(s, '/api/jobs', job);
      const c = await postJson(s, '/api/jobs', job);
      assert.deepEqual([a.status, b.status, c.status], [202, 202, 429]);
      assert.equal(
        c.json()['error'],
        'The job queue is full: 1 running and 1 waiting (at most 1); try again when one finishes',
      );
      const idA = String((a.json()['run'] as { id: string }).id);
      const idB = String((b.json()['run'] as { id: string }).id);
      assert.equal((await postJson(s, `/api/runs/${idB}/cancel`, {})).status, 202);
      assert.equal((await settled(s, idB))['status'], 'cancelled');
      assert.equal((await postJson(s, `/api/runs/${idA}/cancel`, {})).status, 202);
      assert.equal((await settled(s, idA))['status'], 'cancelled');
      const again = await postJson(s, `/api/runs/${idA}/cancel`, {});
      assert.equal(again.status, 409);
    } finally {
      await s.close();
    }
  });

  test('a studio killed mid-job restarts with finished runs listed and the interrupted one marked', async () => {
    const dir = join(ws.dir, 'killed');
    await mkdir(dir, { recursive: true });
    const entry = fileURLToPath(new URL('../src/index.js', import.meta.url));
    const script = join(ws.dir, 'serve.mjs');
    await writeFile(
      script,
      `import { startStudio } from ${JSON.stringify(entry)};\n` +
        'const s = await startStudio({ workspace: process.argv[2], weights: process.argv[3] });\n' +
        'process.stdout.write(JSON.stringify({ port: s.port, token: s.token, origin: s.origin }) + "\\n");\n',
    );
    const child = spawn(process.execPath, [script, dir, WEIGHTS!], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    try {
      const line = await new Promise<string>((resolve) => {
        let buf = '';
        child.stdout.on('data', (c: Buffer) => {
          buf += c.toString();
          if (buf.includes('\n')) resolve(buf.split('\n')[0]!);
        });
      });
      const far = JSON.parse(line) as { port: number; token: string; origin: string };
      const remote = { ...far, url: '', workspace: dir, interrupted: [], close: async () => undefined } as Studio;
      const { content, style } = await inputs(remote);
      const short = await postJson(remote, '/api/jobs', {
        kind: 'stylise',
        content,
        styles: [{ path: style, weight: 1 }],
        size: 32,
        iterations: 3,
      });
      const idShort = String((short.json()['run'] as { id: string }).id);
      assert.equal((await settled(remote, idShort))['status'], 'done');
      const long = await postJson(remote, '/api/jobs', {
        kind: 'stylise',
        content,
        styles: [{ path: style, weight: 1 }],
        size: 32,
        iterations: 10000,
      });
      const idLong = String((long.json()['run'] as { id: string }).id);
      for (;;) {
        const run = await runOf(remote, idLong);
        if (run['status'] === 'running' && ((run['progress'] as { done: number } | undefined)?.done ?? 0) >= 2) break;
        await sleep(100);
      }
      child.kill('SIGKILL');
      await exited;

      const s = await startStudio({ workspace: dir, weights: WEIGHTS! });
      try {
        assert.deepEqual(s.interrupted, [idLong]);
        const list = (await request(s.port, { path: '/api/runs', headers: auth(s) })).json()['runs'] as {
          id: string;
          status: string;
          notes: string[];
        }[];
        const byId = new Map(list.map((r) => [r.id, r]));
        assert.equal(byId.get(idShort)?.status, 'done');
        assert.equal(byId.get(idLong)?.status, 'interrupted');
        assert.deepEqual(byId.get(idLong)?.notes, [
          'The studio stopped while this run was running; its files so far are kept',
        ]);
        const detail = (await request(s.port, { path: `/api/runs/${idLong}`, headers: auth(s) })).json();
        assert.ok((detail['losses'] as unknown[]).length >= 2);
        const result = await request(s.port, { path: `/files/runs/${idShort}/result.png`, headers: auth(s) });
        assert.equal(result.status, 200);
        assert.equal(result.headers['content-type'], 'image/png');
      } finally {
        await s.close();
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
