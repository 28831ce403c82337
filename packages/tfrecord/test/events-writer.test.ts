/**
 * EventFileWriter: TensorBoard's file naming, the file_version record first,
 * events appended in call order, readable through the Event codec and the JSON
 * printer that reproduces the golden files.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeRecords } from '../src/framing/decode.js';
import { decodeEvent, isEventRecord } from '../src/events/decode.js';
import { eventToJSONLine } from '../src/events/json.js';
import { extractScalars } from '../src/events/scalars.js';
import { EventFileWriter } from '../src/node/events.js';

// A PNG signature and IHDR chunk (width 3, height 2, RGB), which is all the writer reads.
const PNG = new Uint8Array([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 3, 0, 0, 0, 2, 8, 2, 0,
  0, 0, 0x12, 0x34, 0x56, 0x78,
]);
const NAME = new RegExp(
  `^events\\.out\\.tfevents\\.\\d{10}\\.${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.${process.pid}\\.\\d+$`,
);

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'pastiche-events-'));
}

async function readEvents(path: string) {
  return [...decodeRecords(new Uint8Array(await readFile(path)))];
}

test('writes a TensorBoard-named file in a new logdir, file_version first, events in call order', async () => {
  const root = await tempDir();
  try {
    const logdir = join(root, 'runs', 'a');
    const before = Date.now() / 1000;
    const w = await EventFileWriter.open(logdir);
    const after = Date.now() / 1000;
    assert.deepEqual(await readdir(logdir), [w.path.slice(logdir.length + 1)]);
    assert.match(w.path.slice(logdir.length + 1), NAME);
    const seconds = Number(w.path.slice(logdir.length + 1).split('.')[3]);
    assert.ok(seconds >= Math.floor(before) && seconds <= after);

    // The first record is on disk before any flush.
    const [first] = await readEvents(w.path);
    assert.equal(isEventRecord(first!), true);
    const ev = decodeEvent(first!);
    assert.equal(ev.fileVersion, 'brain.Event:2');
    assert.equal(ev.sourceMetadata?.writer, 'tensorboard.summary.writer.event_file_writer');
    assert.ok(ev.wallTime! >= before && ev.wallTime! <= after);

    w.addScalar('loss', 0.5, 1, 1700000000.5);
    w.addScalar('loss', 0.25, 2, 1700000001);
    w.addImage('out', PNG, 2, 1700000001.25);
    await w.flush();
    assert.equal((await readEvents(w.path)).length, 4);
    w.addHistogram('w', [0, 0, 1e-13], 3, 1700000002);
    w.addText('notes', 'hi \u2014 there', 0, 1700000000);
    await w.close();
    await w.close();
    assert.equal(w.eventsWritten, 6);

    const lines = (await readEvents(w.path)).map((r) => eventToJSONLine(decodeEvent(r)));
    assert.equal(lines.length, 6);
    assert.deepEqual(lines.slice(1), [
      '{"step": "1", "summary": {"value": [{"simple_value": 0.5, "tag": "loss"}]}, "wall_time": 1700000000.5}',
      '{"step": "2", "summary": {"value": [{"simple_value": 0.25, "tag": "loss"}]}, "wall_time": 1700000001.0}',
      `{"step": "2", "summary": {"value": [{"image": {"colorspace": 3, "encoded_image_string": "${Buffer.from(PNG).toString('base64')}", "height": 2, "width": 3}, "tag": "out"}]}, "wall_time": 1700000001.25}`,
      '{"step": "3", "summary": {"value": [{"histo": {"bucket": [0.0, 3.0], "bucket_limit": [0.0, 1e-12], "max": 1e-13, "num": 3.0, "sum": 1e-13, "sum_squares": 1e-26}, "tag": "w"}]}, "wall_time": 1700000002.0}',
      '{"summary": {"value": [{"metadata": {"plugin_data": {"plugin_name": "text"}}, "tag": "notes", "tensor": {"dtype": "DT_STRING", "string_val": ["aGkg4oCUIHRoZXJl"], "tensor_shape": {"dim": [{"size": "1"}]}}}]}, "wall_time": 1700000000.0}',
    ]);

    const scalars = [];
    for await (const p of extractScalars(await readEvents(w.path))) scalars.push(p);
    assert.deepEqual(scalars, [
      { tag: 'loss', step: 1, wallTime: 1700000000.5, value: 0.5 },
      { tag: 'loss', step: 2, wallTime: 1700000001, value: 0.25 },
    ]);
    assert.throws(() => w.addScalar('loss', 1), { code: 'IO', message: `${w.path}: EventFileWriter is closed` });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test("form 'tf2' writes tensor summaries; two writers in one logdir get distinct files", async () => {
  const root = await tempDir();
  try {
    await writeFile(join(root, 'keep.txt'), 'mine');
    const a = await EventFileWriter.open(root, { form: 'tf2', filenameSuffix: '.v2' });
    const b = await EventFileWriter.open(root);
    assert.notEqual(a.path, b.path);
    assert.ok(a.path.endsWith('.v2'));
    a.addScalar('lr', 0.125, 7, 10);
    await Promise.all([a.close(), b.close()]);
    const [, rec] = await readEvents(a.path);
    assert.equal(
      eventToJSONLine(decodeEvent(rec!)),
      '{"step": "7", "summary": {"value": [{"metadata": {"data_class": "DATA_CLASS_SCALAR", "plugin_data": {"plugin_name": "scalars"}}, "tag": "lr", "tensor": {"dtype": "DT_FLOAT", "float_val": [0.125], "tensor_shape": {}}}]}, "wall_time": 10.0}',
    );
    assert.equal((await readEvents(b.path)).length, 1);
    assert.equal(await readFile(join(root, 'keep.txt'), 'utf8'), 'mine');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('bad arguments fail at the call, naming the parameter', async () => {
  await assert.rejects(EventFileWriter.open(''), {
    code: 'INVALID_ARGUMENT',
    message: 'Expected non-empty string for logdir but received "" of type string',
  });
  await assert.rejects(EventFileWriter.open('x', { flushSecs: 0 }), {
    message: 'Expected number of seconds above 0 and at most 86400 for flushSecs but received 0 of type number',
  });
  await assert.rejects(EventFileWriter.open('x', { filenameSuffix: 'a/b' }), {
    message: 'Expected string without path separators for filenameSuffix but received "a/b" of type string',
  });
  const root = await tempDir();
  try {
    const w = await EventFileWriter.open(root);
    assert.throws(() => w.addScalar('x', 1, 0.5), {
      message: 'Expected safe integer or bigint for step but received 0.5 of type number',
    });
    assert.throws(() => w.addImage('x', new Uint8Array(4)), { code: 'INVALID_ARGUMENT' });
    await w.close();
    assert.equal((await readEvents(w.path)).length, 1);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
