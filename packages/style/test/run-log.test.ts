/**
 * RunLog: the tags of a style run's TensorBoard log, and a log that cannot be
 * created or whose write fails stops without throwing, keeping the reason.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Event, decodeEvent, openRecordStream } from '@pastiche/tfrecord/node';
import sharp from 'sharp';
import { OUTPUT_TAG, RunLog, SNAPSHOT_TAG } from '../src/logs/run-log.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'pastiche-runlog-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function eventsOf(path: string): Promise<Event[]> {
  const out: Event[] = [];
  for await (const r of openRecordStream(path)) out.push(decodeEvent(r));
  return out;
}

/** `[step, tag, value or image size]` of every summary value, in file order. */
function values(events: Event[]): [number, string, number | string][] {
  const out: [number, string, number | string][] = [];
  for (const e of events) {
    for (const v of e.summary?.value ?? []) {
      const what = v.simpleValue ?? `${v.image?.width}x${v.image?.height}`;
      out.push([Number(e.step ?? 0n), v.tag ?? '', what]);
    }
  }
  return out;
}

const png = (w: number, h: number): Promise<Buffer> =>
  sharp({ create: { width: w, height: h, channels: 3, background: '#336699' } })
    .png()
    .toBuffer();

test('loss terms per step (scale when given, one wall time per step), a scalar, snapshot and output images', async () => {
  await withDir(async (dir) => {
    const log = await RunLog.open(join(dir, 'logs', 'run1'));
    assert.equal(log.failure, undefined);
    assert.equal(log.writing, true);
    log.losses({ total: 6, content: 1, style: 2, tv: 0.5 }, 0);
    log.losses({ total: 5, content: 1.5, style: 1.25, tv: 0.25, scale: 2 }, 1);
    log.scalar('record/loss', 4, 0);
    log.image(SNAPSHOT_TAG, await png(4, 3), 1);
    log.image(OUTPUT_TAG, await png(8, 6), 1);
    assert.equal(await log.close(), undefined);
    assert.equal(await log.close(), undefined);
    assert.equal(log.writing, false);
    assert.deepEqual(await readdir(join(dir, 'logs', 'run1')), [log.path!.slice(join(dir, 'logs', 'run1').length + 1)]);
    const events = await eventsOf(log.path!);
    assert.equal(events[0]!.fileVersion, 'brain.Event:2');
    assert.deepEqual(values(events), [
      [0, 'loss/total', 6],
      [0, 'loss/content', 1],
      [0, 'loss/style', 2],
      [0, 'loss/tv', 0.5],
      [1, 'loss/total', 5],
      [1, 'loss/content', 1.5],
      [1, 'loss/style', 1.25],
      [1, 'loss/tv', 0.25],
      [1, 'scale', 2],
      [0, 'record/loss', 4],
      [1, 'snapshot', '4x3'],
      [1, 'output', '8x6'],
    ]);
    const stepOne = events.filter((e) => e.step === 1n && e.summary?.value?.[0]?.simpleValue !== undefined);
    assert.equal(new Set(stepOne.map((e) => e.wallTime)).size, 1);
  });
});

test('a log that cannot be created is a stopped log: no throw, the reason names the folder', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'taken');
    await writeFile(file, 'a file, not a folder');
    const log = await RunLog.open(file);
    const why = `${file}: cannot create log directory: EEXIST: file already exists, mkdir '${file}'`;
    assert.equal(log.failure, why);
    assert.equal(log.path, undefined);
    assert.equal(log.writing, false);
    log.losses({ total: 1, content: 1, style: 1, tv: 1 }, 0);
    log.image(OUTPUT_TAG, await png(2, 2), 0);
    assert.equal(await log.close(), why);
  });
});

test('a failed write stops the log: what came before is kept, later calls do nothing, close() gives the reason', async () => {
  await withDir(async (dir) => {
    const log = await RunLog.open(dir);
    log.losses({ total: 3, content: 1, style: 1, tv: 1 }, 0);
    log.image(SNAPSHOT_TAG, new Uint8Array([1, 2, 3]), 1);
    const why =
      'Expected PNG bytes (signature, then an IHDR chunk with a known colour type) for png but received 3 bytes starting 01 02 03';
    assert.equal(log.failure, why);
    assert.equal(log.writing, false);
    log.losses({ total: 2, content: 1, style: 1, tv: 1 }, 2);
    assert.equal(await log.close(), why);
    assert.deepEqual(
      values(await eventsOf(log.path!)).map(([step, tag]) => `${step} ${tag}`),
      ['0 loss/total', '0 loss/content', '0 loss/style', '0 loss/tv'],
    );
  });
});
