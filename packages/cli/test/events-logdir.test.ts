/**
 * `--logdir` of `pastiche stylize` and `pastiche stylize-dataset`: the event
 * file written decodes to the loss scalars of every iteration and PNG images.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { TFRecordWriter, buildExample, decodeEvent, encodeExample, openRecordStream } from '@pastiche/tfrecord/node';
import type { Event } from '@pastiche/tfrecord/node';
import sharp from 'sharp';
import { closeRunLog, openRunLog } from '../src/events/run-log.js';
import { run } from './run.js';
import { absent, sharedPath } from '@pastiche/testing';

const WEIGHTS = 'weights/vgg19-imagenet-uint8';
const weights = sharedPath(WEIGHTS);

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'pastiche-cli-logdir-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function images(dir: string): Promise<{ content: string; style: string }> {
  const w = 40;
  const h = 32;
  const c = Buffer.alloc(w * h * 3);
  const s = Buffer.alloc(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    const x = i % w;
    const y = Math.floor(i / w);
    c.set([x * 6, y * 7, 128], i * 3);
    s.set([(x * y) % 256, 255 - x * 6, ((x >> 2) + (y >> 2)) % 2 ? 255 : 0], i * 3);
  }
  const content = join(dir, 'content.png');
  const style = join(dir, 'style.png');
  await sharp(c, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toFile(content);
  await sharp(s, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toFile(style);
  return { content, style };
}

/** The events of the only event file in `logdir`. */
async function eventsOf(logdir: string): Promise<Event[]> {
  const names = await readdir(logdir);
  assert.equal(names.length, 1, names.join(', '));
  assert.match(names[0]!, /^events\.out\.tfevents\.\d{10}\.[^.]+\.\d+\.\d+$/);
  const out: Event[] = [];
  for await (const r of openRecordStream(join(logdir, names[0]!))) out.push(decodeEvent(r));
  return out;
}

/** `tag -> [step, value][]` of the scalars, and `tag -> [step, image][]` of the images. */
function summaries(events: Event[]) {
  const scalars = new Map<string, Array<[number, number]>>();
  const imgs = new Map<string, Array<[number, { width?: number; height?: number; png: Uint8Array }]>>();
  for (const e of events) {
    for (const v of e.summary?.value ?? []) {
      const step = Number(e.step ?? 0n);
      if (v.simpleValue !== undefined) {
        if (!scalars.has(v.tag!)) scalars.set(v.tag!, []);
        scalars.get(v.tag!)!.push([step, v.simpleValue]);
      }
      if (v.image !== undefined) {
        if (!imgs.has(v.tag!)) imgs.set(v.tag!, []);
        const { width, height, encodedImageString } = v.image;
        imgs.get(v.tag!)!.push([
          step,
          {
            ...(width === undefined ? {} : { width }),
            ...(height === undefined ? {} : { height }),
            png: encodedImageString!,
          },
        ]);
      }
    }
  }
  return { scalars, imgs };
}

test('stylize --logdir: loss scalars of every iteration, snapshots and the output as PNG images', async (t) => {
  if (weights === undefined) return t.skip(absent(WEIGHTS));
  await withDir(async (dir) => {
    const { content, style } = await images(dir);
    const out = join(dir, 'out.png');
    const logdir = join(dir, 'logs', 'run1');
    const r = await run([
      'stylize',
      content,
      style,
      '-o',
      out,
      '--size',
      '32',
      '-n',
      '3',
      '--save-every',
      '2',
      '--json',
      '--weights',
      weights,
      '--logdir',
      logdir,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, number>);
    const events = await eventsOf(logdir);
    assert.equal(events[0]!.fileVersion, 'brain.Event:2');
    const { scalars, imgs } = summaries(events);
    assert.deepEqual([...scalars.keys()], ['loss/total', 'loss/content', 'loss/style', 'loss/tv', 'scale']);
    for (const [tag, key] of [
      ['loss/total', 'total'],
      ['loss/content', 'content'],
      ['loss/style', 'style'],
      ['loss/tv', 'tv'],
    ] as const) {
      assert.deepEqual(
        scalars.get(tag),
        lines.map((l) => [l['iteration'], Math.fround(l[key]!)]),
        tag,
      );
    }
    assert.deepEqual([...imgs.keys()], ['snapshot', 'output']);
    assert.deepEqual(
      imgs.get('snapshot')!.map(([s]) => s),
      [2, 3],
    );
    const [[step, final]] = imgs.get('output')! as [[number, { width?: number; height?: number; png: Uint8Array }]];
    assert.equal(step, 3);
    const meta = await sharp(final.png).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height, final.width, final.height], ['png', 32, 26, 32, 26]);
    // The image logged is the image written.
    const a = await sharp(final.png).raw().toBuffer();
    const b = await sharp(out).raw().toBuffer();
    assert.ok(a.equals(b));
    const listed = await run(['events', 'scalars', join(dir, 'logs'), '--tag', 'loss/total']);
    assert.equal(listed.stdout.split('\n').filter((l) => l.startsWith('run1,loss/total,')).length, 4);
  });
});

test('stylize-dataset --logdir: losses on one step axis over the records, record/loss, snapshots', async (t) => {
  if (weights === undefined) return t.skip(absent(WEIGHTS));
  await withDir(async (dir) => {
    const file = join(dir, 'in.tfrecord');
    const w = await TFRecordWriter.open(file);
    for (let p = 0; p < 2; p++) {
      const px = new Uint8Array(24 * 24 * 3).map((_, i) => (i * 5 + p * 40) & 255);
      const shape = new Uint8Array(new Int32Array([24, 24, 3]).buffer);
      await w.write(encodeExample(buildExample({ label: p, shape, image: px })));
    }
    await w.close();
    const { style } = await images(dir);
    const logdir = join(dir, 'logs');
    const args = ['stylize-dataset', file, '--style', style, '-o', join(dir, 'out.tfrecord'), '-n', '2'];
    const bad = await run([...args, '--save-every', '1']);
    assert.deepEqual(
      [bad.code, bad.stderr],
      [
        2,
        "pastiche: --save-every needs --logdir (pastiche stylize-dataset logs its snapshots there)\nSee 'pastiche stylize-dataset --help'.\n",
      ],
    );
    const r = await run([...args, '--weights', weights, '--logdir', logdir, '--save-every', '2']);
    assert.equal(r.code, 0, r.stderr);
    const { scalars, imgs } = summaries(await eventsOf(logdir));
    // Two records of iterations 0..2 each: steps 0..5.
    for (const tag of ['loss/total', 'loss/content', 'loss/style', 'loss/tv']) {
      assert.deepEqual(
        scalars.get(tag)!.map(([s]) => s),
        [0, 1, 2, 3, 4, 5],
        tag,
      );
    }
    assert.deepEqual(
      scalars.get('record/loss')!.map(([s]) => s),
      [0, 1],
    );
    const snaps = imgs.get('snapshot')!;
    assert.deepEqual(
      snaps.map(([s]) => s),
      [2, 5],
    );
    for (const [, img] of snaps) {
      const meta = await sharp(img.png).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['png', 24, 24]);
    }
  });
});

test('a --logdir that cannot be created stops both commands before any work, naming the folder', async () => {
  await withDir(async (dir) => {
    const { content, style } = await images(dir);
    const taken = join(dir, 'taken');
    await writeFile(taken, 'a file, not a folder');
    const why = `pastiche: ${taken}: cannot create log directory: EEXIST: file already exists, mkdir '${taken}'\n`;
    const a = await run(['stylize', content, style, '-o', join(dir, 'out.png'), '--logdir', taken]);
    assert.deepEqual([a.code, a.stderr], [1, why]);
    const b = await run([
      'stylize-dataset',
      content,
      '--style',
      style,
      '-o',
      join(dir, 'o.tfrecord'),
      '--logdir',
      taken,
    ]);
    assert.deepEqual([b.code, b.stderr], [1, why]);
    assert.deepEqual((await readdir(dir)).sort(), ['content.png', 'style.png', 'taken']);
  });
});

test('a log that stopped during the run is reported on close as an error naming its event file', async () => {
  await withDir(async (dir) => {
    const log = await openRunLog(join(dir, 'logs'));
    assert.equal(await closeRunLog(undefined), undefined);
    log.losses({ total: 1, content: 1, style: 1, tv: 1 }, 0);
    log.image('snapshot', new Uint8Array([1, 2, 3]), 1);
    const e = await closeRunLog(log);
    assert.equal(e?.name, 'CliError');
    assert.equal(e?.exitCode, 1);
    assert.equal(
      e?.message,
      `--logdir: the TensorBoard log ${log.path} stopped: Expected PNG bytes (signature, then an IHDR chunk with a known colour type) for png but received 3 bytes starting 01 02 03`,
    );
  });
});
