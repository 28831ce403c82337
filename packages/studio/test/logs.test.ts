/**
 * The Logs API on TensorBoard's own event files: runs grouped by sub-folder,
 * every scalar exactly as `pastiche events scalars` prints it, images by step,
 * a growing file read incrementally (a record cut off at the end is not yet
 * written, not an error), and reads confined to the given logdirs.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile, copyFile, mkdir, readFile, realpath, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, suite, test } from 'node:test';
import { decodeRecordSpans } from '@pastiche/tfrecord';
import sharp from 'sharp';
import { type Studio, startStudio } from '../src/index.js';
import { LogStore } from '../src/server/logdirs.js';
import { smoothSeries } from '../src/shared/logs.js';
import { OUTPUT_TAG, RunLog, SNAPSHOT_TAG } from '@pastiche/style';
import type { LogImagesAnswer, LogRunInfo, LogRunsAnswer, LogScalarsAnswer, WireValue } from '../src/shared/logs.js';
import { patternPng, tempDir } from './fixtures.js';
import { request } from './http.js';
import { absent, repoRoot, sharedPath } from '@pastiche/testing';

const golden = sharedPath('data', 'tfevents');
const BIN = join(repoRoot, 'packages', 'cli', 'bin', 'pastiche.js');

interface Row {
  run: string;
  tag: string;
  step: number;
  wall_time: number | string;
  value: number | string;
}

/** `pastiche events scalars --format jsonl PATH`, run as a user runs it. */
function cliScalars(path: string): Promise<Row[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'events', 'scalars', '--format', 'jsonl', path], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`pastiche events scalars exited with ${code}: ${err}`));
      else
        resolve(
          out
            .split('\n')
            .filter((l) => l !== '')
            .map((l) => JSON.parse(l) as Row),
        );
    });
  });
}

/** The studio's points of some runs as rows like the CLI's, keyed by run and tag. */
function byRunTag(rows: Row[]): Map<string, Row[]> {
  const m = new Map<string, Row[]>();
  for (const r of rows) {
    const k = `${r.run}\t${r.tag}`;
    m.set(k, [...(m.get(k) ?? []), r]);
  }
  return m;
}

/**
 * Whether the studio's value is what the CLI printed: the CLI prints a value
 * that is exactly a float32 as the shortest float32 decimal, others as the
 * shortest float64 decimal; non-finite values as the same strings.
 */
function sameValue(studio: WireValue | number, cli: number | string): boolean {
  if (typeof studio === 'string' || typeof cli === 'string') return studio === cli;
  return Math.fround(studio) === studio ? Math.fround(cli) === studio : cli === studio;
}

function assertSameRows(studio: Row[], cli: Row[]): void {
  const a = byRunTag(studio);
  const b = byRunTag(cli);
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  for (const [k, rows] of b) {
    const got = a.get(k)!;
    assert.equal(got.length, rows.length, k);
    for (let i = 0; i < rows.length; i++) {
      const x = got[i]!;
      const y = rows[i]!;
      assert.equal(x.step, y.step, `${k} #${i} step`);
      assert.ok(sameValue(x.wall_time as number, y.wall_time), `${k} #${i} wall_time ${x.wall_time} vs ${y.wall_time}`);
      assert.ok(sameValue(x.value as WireValue, y.value), `${k} #${i} value ${x.value} vs ${y.value}`);
    }
  }
}

suite('TensorBoard logdirs over HTTP', { skip: golden === undefined ? absent('data/tfevents') : false }, () => {
  let ws: Awaited<ReturnType<typeof tempDir>>;
  let logs: Awaited<ReturnType<typeof tempDir>>;
  let outside: Awaited<ReturnType<typeof tempDir>>;
  let s: Studio;
  let gold = '';
  let grow = '';
  let links = '';

  const get = (path: string) =>
    request(s.port, { path, headers: { host: `127.0.0.1:${s.port}`, 'x-pastiche-token': s.token } });
  const json = async <T>(path: string): Promise<T> => {
    const a = await get(path);
    assert.equal(a.status, 200, a.body.toString());
    return a.json() as T;
  };
  const runsOf = async (logdir: number): Promise<LogRunInfo[]> =>
    (await json<LogRunsAnswer>('/api/logs/runs')).runs.filter((r) => r.logdir === logdir);
  const scalars = (key: string, since = 0, gen?: number) =>
    json<LogScalarsAnswer>(
      `/api/logs/scalars?run=${encodeURIComponent(key)}&since=${since}${gen === undefined ? '' : `&gen=${gen}`}`,
    );
  /** Every point of the runs of one logdir, as CLI rows (run, tag, step, wall_time, value). */
  const rowsOf = async (logdir: number): Promise<Row[]> => {
    const out: Row[] = [];
    for (const r of await runsOf(logdir)) {
      const a = await scalars(r.key);
      for (const [tag, c] of Object.entries(a.tags)) {
        for (let i = 0; i < c.step.length; i++) {
          out.push({ run: r.name, tag, step: c.step[i]!, wall_time: c.wallTime[i]!, value: c.value[i]! });
        }
      }
    }
    return out;
  };

  before(async () => {
    ws = await tempDir();
    logs = await tempDir('pastiche-logs-');
    outside = await tempDir('pastiche-outside-');
    gold = join(logs.dir, 'golden');
    grow = join(logs.dir, 'grow');
    links = join(logs.dir, 'links');
    await mkdir(join(gold, 'a'), { recursive: true });
    await mkdir(join(gold, 'b', 'c'), { recursive: true });
    await mkdir(join(gold, 'junk'), { recursive: true });
    await copyFile(join(golden!, 'tb-images.tfevents'), join(gold, 'events.out.tfevents.1.img'));
    await copyFile(join(golden!, 'tb-scalars.tfevents'), join(gold, 'a', 'events.out.tfevents.1.sc'));
    await copyFile(join(golden!, 'tb-tensor-scalars.tfevents'), join(gold, 'b', 'c', 'events.out.tfevents.1.tf2'));
    await writeFile(join(gold, 'a', 'notes.txt'), 'not an event file');
    await writeFile(join(gold, 'junk', 'events.out.tfevents.1.junk'), 'this is no TFRecord file at all');
    await mkdir(join(grow, 'run1'), { recursive: true });
    // A logdir with links out of it: to a folder of event files, and to one event file.
    await mkdir(join(links, 'ok'), { recursive: true });
    await mkdir(join(outside.dir, 'secret'), { recursive: true });
    await copyFile(join(golden!, 'tb-scalars.tfevents'), join(outside.dir, 'secret', 'events.out.tfevents.1.secret'));
    await copyFile(join(golden!, 'tb-images.tfevents'), join(links, 'ok', 'events.out.tfevents.1.ok'));
    await symlink(join(outside.dir, 'secret'), join(links, 'leak'));
    await symlink(
      join(outside.dir, 'secret', 'events.out.tfevents.1.secret'),
      join(links, 'ok', 'events.out.tfevents.2.link'),
    );
    s = await startStudio({ workspace: ws.dir, logdir: [gold, grow, links] });
  });
  after(async () => {
    await s?.close();
    await ws?.remove();
    await logs?.remove();
    await outside?.remove();
  });

  test('runs are listed by logdir and named by sub-folder, as TensorBoard names them', async () => {
    const a = await json<LogRunsAnswer>('/api/logs/runs');
    assert.deepEqual(
      a.logdirs.map((d) => d.label),
      [gold, grow, links, 'studio runs'],
    );
    assert.deepEqual(
      a.runs.map((r) => [r.key, r.tags, r.imageTags, r.images]),
      [
        ['0:.', ['loss/total'], ['output'], 3],
        ['0:a', ['loss/style', 'loss/total'], [], 0],
        ['0:b/c', ['loss/style', 'loss/total', 'lr'], [], 0],
        ['0:junk', [], [], 0],
        ['2:ok', ['loss/total'], ['output'], 3],
      ],
    );
    const file = a.runs.find((r) => r.key === '0:a')!.files[0]!;
    assert.deepEqual(file, { name: 'events.out.tfevents.1.sc', size: 34435, read: 34435, records: 105 });
    const junk = a.runs.find((r) => r.key === '0:junk')!.files[0]!;
    assert.equal(
      junk.error,
      'events.out.tfevents.1.junk: not a TFRecord file (corrupted record at byte 0: length checksum mismatch); skipped',
    );
  });

  test('every scalar of the golden files equals what `pastiche events scalars` prints', async () => {
    const cli = await cliScalars(gold);
    assert.equal(cli.length, 21 + 100 + 44);
    assertSameRows(await rowsOf(0), cli);
  });

  test('images: listed by tag and step, served as the PNG that was logged', async () => {
    const a = await json<LogImagesAnswer>('/api/logs/images?run=0%3A.');
    assert.deepEqual(
      a.images.map((m) => [m.i, m.tag, m.step, m.width, m.height]),
      [
        [0, 'output', 0, 16, 12],
        [1, 'output', 10, 16, 12],
        [2, 'output', 20, 16, 12],
      ],
    );
    const img = await get('/api/logs/image?run=0%3A.&i=1');
    assert.equal(img.status, 200);
    assert.equal(img.headers['content-type'], 'image/png');
    const { data, info } = await sharp(img.body).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height, info.channels], [16, 12, 3]);
    // The README's pattern at step 10.
    const step = 10;
    for (let y = 0; y < 12; y++) {
      for (let x = 0; x < 16; x++) {
        const o = (y * 16 + x) * 3;
        const b = (Math.floor(x / 4) + Math.floor(y / 4) + Math.floor(step / 10)) % 2 === 0 ? 255 : 10 * step;
        assert.deepEqual([data[o], data[o + 1], data[o + 2]], [(17 * x) % 256, (23 * y) % 256, b], `(${x}, ${y})`);
      }
    }
    const none = await get('/api/logs/image?run=0%3A.&i=3');
    assert.equal(none.status, 404);
    assert.equal(none.json()['error'], "Log run '0:.' has no image 3");
  });

  test('a growing file is read where the last read stopped; a cut-off last record is not yet written', async () => {
    const bytes = new Uint8Array(await readFile(join(golden!, 'tb-scalars.tfevents')));
    const spans = [...decodeRecordSpans(bytes)];
    const file = join(grow, 'run1', 'events.out.tfevents.1.grow');
    const prefixes = join(logs.dir, 'prefixes');
    await mkdir(prefixes, { recursive: true });
    // Cuts: inside the first header, inside record 10's data, inside record 60's header, the end.
    const cuts = [5, spans[10]!.offset + 20, spans[60]!.offset + 5, bytes.length];
    let written = 0;
    let held: LogScalarsAnswer | undefined;
    for (const cut of cuts) {
      await appendFile(file, bytes.subarray(written, cut));
      written = cut;
      const [run] = await runsOf(1);
      assert.ok(run !== undefined);
      const f = run.files[0]!;
      // Every byte read once: the total read over all refreshes is the file's size.
      assert.deepEqual([f.size, f.read, f.error], [cut, cut, undefined]);
      assert.equal(f.records, spans.filter((x) => x.offset + x.length + 16 <= cut).length);
      // Only the new points, and together the same as the CLI reading a copy of the file as it is now.
      const a = await scalars(run.key, held?.total ?? 0, held?.gen);
      assert.equal(a.from, held?.total ?? 0);
      if (held !== undefined) {
        assert.equal(a.gen, held.gen);
        for (const [tag, c] of Object.entries(a.tags)) {
          const h = (held.tags[tag] ??= { step: [], wallTime: [], value: [] });
          h.step.push(...c.step);
          h.wallTime.push(...c.wallTime);
          h.value.push(...c.value);
        }
        held.total = a.total;
      } else held = a;
      const copy = join(prefixes, `events.out.tfevents.${cut}`);
      await writeFile(copy, bytes.subarray(0, cut));
      const cli = cut < 12 ? [] : await cliScalars(copy);
      assert.equal(held.total, cli.length, `points after ${cut} bytes`);
      const mine: Row[] = [];
      for (const [tag, c] of Object.entries(held.tags)) {
        for (let i = 0; i < c.step.length; i++) {
          mine.push({ run: 'x', tag, step: c.step[i]!, wall_time: c.wallTime[i]!, value: c.value[i]! });
        }
      }
      assertSameRows(
        mine,
        cli.map((r) => ({ ...r, run: 'x' })),
      );
    }
    assert.equal(held!.total, 100);
  });

  test('a file that shrinks or is replaced is read again from the start, under a new gen', async () => {
    const file = join(grow, 'run1', 'events.out.tfevents.1.grow');
    const [before] = await runsOf(1);
    const bytes = await readFile(join(golden!, 'tb-images.tfevents'));
    await writeFile(file, bytes);
    const [run] = await runsOf(1);
    assert.notEqual(run!.gen, before!.gen);
    assert.deepEqual([run!.points, run!.images, run!.files[0]!.read], [21, 3, bytes.length]);
    const a = await scalars(run!.key, 100, before!.gen);
    assert.deepEqual([a.from, a.total, a.tags['loss/total']?.step.length], [0, 21, 21]);
  });

  test('only files under the logdirs are read: links out of them are not followed', async () => {
    const runs = await runsOf(2);
    assert.deepEqual(
      runs.map((r) => [r.name, r.files.map((f) => f.name)]),
      [['ok', ['events.out.tfevents.1.ok']]],
    );
    const cases: [string, number, string][] = [
      ['/api/logs/scalars?run=2%3Aleak', 404, "No log run '2:leak'"],
      ['/api/logs/scalars?run=..%2F..%2Fetc%2Fpasswd', 404, "No log run '../../etc/passwd'"],
      ['/api/logs/scalars?run=%2Fetc%2Fpasswd', 404, "No log run '/etc/passwd'"],
      ['/api/logs/images?run=0%3A..%2Fgrow%2Frun1', 404, "No log run '0:../grow/run1'"],
      ['/api/logs/image?run=2%3Aleak&i=0', 404, "No log run '2:leak'"],
      ['/api/logs/scalars?run=0%3Aa&since=-1', 400, 'querystring/since must be >= 0'],
      ['/api/logs/scalars', 400, "querystring must have required property 'run'"],
    ];
    for (const [path, status, message] of cases) {
      const a = await get(path);
      assert.equal(a.status, status, path);
      assert.equal(a.json()['error'], message, path);
    }
    const anon = await request(s.port, { path: '/api/logs/runs', headers: { host: `127.0.0.1:${s.port}` } });
    assert.equal(anon.status, 401);
  });

  test('a logdir that is not a folder is refused at start', async () => {
    const missing = join(logs.dir, 'missing');
    await assert.rejects(startStudio({ workspace: ws.dir, logdir: missing }), {
      name: 'StudioError',
      code: 'INVALID_OPTION',
      message: `Expected an existing folder for logdir but received '${missing}' (no such file or directory)`,
    });
  });
});

test("a studio run's event log: the loss terms per iteration and its images, as the Logs API reads them", async () => {
  const dir = await tempDir('pastiche-runlog-');
  try {
    const runDir = join(dir.dir, '20261201-120000-abcdef');
    const log = await RunLog.open(runDir);
    for (let i = 0; i <= 3; i++) log.losses({ total: 10 - i, content: 2, style: 3 + i, tv: 0.5, scale: 1 }, i);
    log.image(SNAPSHOT_TAG, await patternPng(20, 10), 2);
    log.image(OUTPUT_TAG, await patternPng(20, 10, 3), 3);
    await log.close();
    assert.equal(log.failure, undefined);
    const store = new LogStore({ logdirs: [{ label: 'studio runs', path: await realpath(dir.dir) }] });
    const { runs } = await store.runs();
    assert.deepEqual(
      runs.map((r) => [r.name, r.tags, r.imageTags, r.points, r.images]),
      [
        [
          '20261201-120000-abcdef',
          ['loss/content', 'loss/style', 'loss/total', 'loss/tv', 'scale'],
          ['output', 'snapshot'],
          20,
          2,
        ],
      ],
    );
    const a = await store.scalars(runs[0]!.key);
    assert.deepEqual(a.tags['loss/total']?.value, [10, 9, 8, 7]);
    assert.deepEqual(a.tags['loss/style']?.step, [0, 1, 2, 3]);
    const img = await store.image(runs[0]!.key, 1);
    assert.deepEqual(img, await patternPng(20, 10, 3));
  } finally {
    await dir.remove();
  }
});

test("smoothing is TensorBoard's debiased moving average; constant lines and non-finite values pass through", () => {
  // By hand, weight 0.5: 0.5 / 0.5, (0.25 + 1) / 0.75, (0.625 + 1.5) / 0.875.
  const got = smoothSeries([1, 2, 3], 0.5);
  const want = [1, 1.25 / 0.75, 2.125 / 0.875];
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 1e-12, `${i}: ${got[i]} vs ${want[i]}`);
  assert.deepEqual(smoothSeries([1, 2, 3], 0), [1, 2, 3]);
  assert.deepEqual(smoothSeries([4, 4, 4], 0.9), [4, 4, 4]);
  const withNaN = smoothSeries([2, Number.NaN, 2, Infinity], 0.6);
  assert.deepEqual([withNaN[0], withNaN[1], withNaN[3]], [2, Number.NaN, Infinity]);
  assert.ok(Math.abs(withNaN[2]! - 2) < 1e-12);
});
