/**
 * Stylising a TFRecord dataset: shards cover every record exactly once, an
 * interrupted run resumes where it stopped, and the real Stylizer builds one
 * graph per image size. The selection and resume logic run with a fake (fast)
 * Stylizer; one test uses the real one with the shared weights.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { encodeExample, isTFRecordError, readExamples, TFRecordWriter, type Example } from '@pastiche/tfrecord/node';
import { StyleError, isStyleError } from '../src/errors.js';
import type { RawImage } from '../src/image/load.js';
import type { StylizeResult } from '../src/stylize/settings.js';
import { createStylizer, type Stylizer } from '../src/stylize/stylizer.js';
import { imageRecords } from '../src/datasets/read.js';
import { cs20Example, encodedExample, readImageRecord } from '../src/datasets/schema.js';
import { shardSize, stylizeDataset } from '../src/datasets/stylize-dataset.js';
import { absent, sharedPath } from '@pastiche/testing';

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'pastiche-stylize-dataset-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function pixels(width: number, height: number, seed: number): Uint8Array {
  const b = new Uint8Array(width * height * 3);
  for (let i = 0; i < b.length; i++) b[i] = (i * 13 + seed * 41) & 255;
  return b;
}

/** Writes `examples` to `path`. */
async function writeFileOf(path: string, examples: Example[]): Promise<void> {
  const w = await TFRecordWriter.open(path);
  for (const ex of examples) await w.write(encodeExample(ex));
  await w.close();
}

/** Two cs20 files, 4 + 6 records; record at position p has label p and is 8+p%3 px wide. */
async function cs20Inputs(dir: string): Promise<string[]> {
  const mk = (p: number): Example => cs20Example(pixels(8 + (p % 3), 6, p), 8 + (p % 3), 6, 3, p);
  const a = join(dir, 'in-a.tfrecord');
  const b = join(dir, 'in-b.tfrecord');
  await writeFileOf(a, [0, 1, 2, 3].map(mk));
  await writeFileOf(b, [4, 5, 6, 7, 8, 9].map(mk));
  return [a, b];
}

/** A fast stand-in for the real Stylizer: inverts the pixels; logs each run's name. */
function fakeStylizer(log: string[], onRun?: (name: string) => void): Stylizer {
  return {
    styleName: 'fake.png',
    sizes: 0,
    describe: () => ({ fake: true }) as unknown as ReturnType<Stylizer['describe']>,
    async run(content, name = 'content image', perRun = {}) {
      log.push(name);
      onRun?.(name);
      // As the real one: an abort during a run ends it.
      if (perRun.signal?.aborted === true) throw new StyleError('ABORTED', 'Style transfer aborted');
      let raw: RawImage;
      if (content instanceof Uint8Array) {
        const { data, info } = await sharp(content).removeAlpha().raw().toBuffer({ resolveWithObject: true });
        raw = { pixels: new Uint8Array(data), width: info.width, height: info.height, channels: 3 };
      } else raw = content as RawImage;
      const out = raw.pixels.map((v) => 255 - v);
      const image = {
        data: new Float32Array(0),
        width: raw.width,
        height: raw.height,
        pixels: out,
        iteration: 1,
        total: 42,
      };
      return {
        image,
        best: image,
        history: [],
        notes: [],
        settings: { iterations: 1 },
        evaluations: 1,
        weights: undefined,
      } as unknown as StylizeResult;
    },
    async close() {},
  };
}

test('shardSize: positions 0..n-1 with p mod count == index', () => {
  for (const n of [0, 1, 2, 9, 10, 11]) {
    for (const count of [1, 2, 3, 7]) {
      let sum = 0;
      for (let i = 0; i < count; i++) {
        const expected = Array.from({ length: n }, (_, p) => p).filter((p) => p % count === i).length;
        assert.equal(shardSize(n, i, count), expected, `${n} ${i}/${count}`);
        sum += shardSize(n, i, count);
      }
      assert.equal(sum, n);
    }
  }
});

test('--shard i/n: three shards cover every record exactly once; same schema, new pixels, provenance features', async () => {
  await withDir(async (dir) => {
    const inputs = await cs20Inputs(dir);
    const log: string[] = [];
    const out = join(dir, 'styled');
    for (let i = 0; i < 3; i++) {
      const res = await stylizeDataset({
        inputs,
        output: out,
        shard: { index: i, count: 3 },
        stylizer: fakeStylizer(log),
      });
      assert.equal(res.path, join(dir, `styled-0000${i}-of-00003`));
      assert.equal(res.records, shardSize(10, i, 3));
      assert.equal(res.resumed, 0);
      assert.equal(res.inputRecords, 10);
    }
    assert.equal(log.length, 10);
    assert.equal(new Set(log).size, 10);
    assert.ok(!(await readdir(dir)).some((f) => f.includes('.partial')), 'no partial files left');
    const originals = new Map((await (await imageRecords(inputs)).toArray()).map((r) => [r.label, r]));
    const labels: number[] = [];
    for await (const ex of readExamples(join(dir, 'styled-00001-of-00003'))) {
      const r = readImageRecord(ex);
      assert.equal(r.schema, 'cs20');
      const o = originals.get(r.label)!;
      assert.deepEqual([r.width, r.height], [o.width, o.height]);
      assert.deepEqual(
        Array.from(r.pixels!),
        Array.from(o.pixels!, (v) => 255 - v),
      );
      assert.equal(
        new TextDecoder().decode((ex.features['style/image'] as { values: Uint8Array[] }).values[0]),
        'fake.png',
      );
      assert.ok(ex.features['style/settings']?.kind === 'bytes');
      assert.deepEqual(ex.features['style/loss'], { kind: 'float', values: Float32Array.of(42) });
    }
    const all = await (await imageRecords(join(dir, 'styled@3'))).toArray();
    for (const r of all) labels.push(r.label);
    assert.deepEqual(
      labels.sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    // Shard 1 of 3 took positions 1, 4, 7.
    assert.deepEqual(log.filter((n) => /in-a.tfrecord record 1$|in-b.tfrecord record [03]$/.test(n)).length, 3);

    await assert.rejects(
      stylizeDataset({ inputs, output: out, shard: { index: 3, count: 3 }, stylizer: fakeStylizer([]) }),
      {
        code: 'INVALID_OPTION',
        message: 'Expected shard i/n with 0 <= i < n <= 99999 but received 3/3',
      },
    );
    await assert.rejects(stylizeDataset({ inputs, output: inputs[0]!, stylizer: fakeStylizer([]) }), {
      code: 'INVALID_OPTION',
      message: `The output ${inputs[0]} is also an input; choose another output name`,
    });
  });
});

test('an interrupted run resumes after the records it finished, also past a torn tail; new settings start over', async () => {
  await withDir(async (dir) => {
    const inputs = await cs20Inputs(dir);
    const out = join(dir, 'styled.tfrecord.gz');
    const first: string[] = [];
    const ac = new AbortController();
    await assert.rejects(
      stylizeDataset({
        inputs,
        output: out,
        signal: ac.signal,
        stylizer: fakeStylizer(first, () => first.length === 3 && ac.abort()),
      }),
      (e: unknown) => {
        assert.ok(isStyleError(e, 'ABORTED'));
        assert.equal(
          e.message,
          `stylize-dataset aborted after 2 of 10 records; run it again to continue from ${out}.partial`,
        );
        return true;
      },
    );
    assert.ok(!(await readdir(dir)).includes('styled.tfrecord.gz'));
    // A crash mid-write: half a record at the end of the partial file.
    await appendFile(`${out}.partial`, new Uint8Array([9, 0, 0, 0, 0, 0, 0, 0, 1, 2]));

    const second: string[] = [];
    const kept: number[] = [];
    const res = await stylizeDataset({
      inputs,
      output: out,
      stylizer: fakeStylizer(second),
      onResume: (k) => kept.push(k),
    });
    assert.deepEqual(kept, [2]);
    assert.equal(res.resumed, 2);
    assert.equal(res.records, 10);
    // The finished records were not redone.
    assert.deepEqual(second.slice(0, 2), [`${inputs[0]} record 2`, `${inputs[0]} record 3`]);
    assert.equal(second.length, 8);
    const labels = (await (await imageRecords(out)).toArray()).map((r) => r.label);
    assert.deepEqual(labels, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual((await readdir(dir)).sort(), ['in-a.tfrecord', 'in-b.tfrecord', 'styled.tfrecord.gz']);

    // A journal for other settings: the partial output is discarded, not mixed.
    const other = join(dir, 'other.tfrecord');
    const ac2 = new AbortController();
    const log: string[] = [];
    await assert.rejects(
      stylizeDataset({
        inputs,
        output: other,
        signal: ac2.signal,
        stylizer: fakeStylizer(log, () => log.length === 2 && ac2.abort()),
      }),
    );
    const changed = fakeStylizer([]);
    changed.describe = () => ({ other: true }) as unknown as ReturnType<Stylizer['describe']>;
    const again = await stylizeDataset({ inputs, output: other, stylizer: changed });
    assert.equal(again.resumed, 0);
    assert.equal(again.records, 10);
  });
});

test('two concurrent runs on one output: the second fails at once with LOCKED; one record per input', async () => {
  await withDir(async (dir) => {
    const inputs = await cs20Inputs(dir);
    const out = join(dir, 'styled.tfrecord');
    const firstLog: string[] = [];
    const first = fakeStylizer(firstLog);
    const run = first.run.bind(first);
    let second: Promise<unknown> | undefined;
    let lockInfo: { pid: number; what: string; started: string } | undefined;
    // The first run starts the second one while it holds the lock and waits for its outcome.
    first.run = async (...args) => {
      if (second === undefined) {
        lockInfo = JSON.parse(await readFile(`${out}.lock`, 'utf8')) as typeof lockInfo;
        const secondLog: string[] = [];
        second = stylizeDataset({ inputs, output: out, stylizer: fakeStylizer(secondLog) }).then(
          () => assert.fail('the second run should have been refused'),
          (e: unknown) => ({ e, secondLog }),
        );
        await second;
      }
      return run(...args);
    };
    const res = await stylizeDataset({ inputs, output: out, stylizer: first });
    assert.equal(res.records, 10);
    const { e, secondLog } = (await second) as { e: unknown; secondLog: string[] };
    assert.ok(isTFRecordError(e, 'LOCKED'), String(e));
    assert.equal(lockInfo?.pid, process.pid);
    assert.equal(lockInfo?.what, 'stylize-dataset');
    assert.equal(
      e.message,
      `${out} is locked by process ${process.pid} (stylize-dataset, started ${lockInfo?.started}); another run is writing it`,
    );
    assert.deepEqual(secondLog, [], 'the second run stylised nothing');
    const labels = (await (await imageRecords(out)).toArray()).map((r) => r.label);
    assert.deepEqual(labels, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // The lock is released with the run: nothing but the inputs and the output remain.
    assert.deepEqual((await readdir(dir)).sort(), ['in-a.tfrecord', 'in-b.tfrecord', 'styled.tfrecord']);
    const again = await stylizeDataset({ inputs, output: join(dir, 'styled.tfrecord'), stylizer: fakeStylizer([]) });
    assert.equal(again.records, 10);
  });
});

test('an aborted run releases the lock; the next run continues', async () => {
  await withDir(async (dir) => {
    const inputs = await cs20Inputs(dir);
    const out = join(dir, 'styled.tfrecord');
    const log: string[] = [];
    const ac = new AbortController();
    await assert.rejects(
      stylizeDataset({
        inputs,
        output: out,
        signal: ac.signal,
        stylizer: fakeStylizer(log, () => log.length === 3 && ac.abort()),
      }),
      (e: unknown) => isStyleError(e, 'ABORTED'),
    );
    assert.ok(!(await readdir(dir)).includes('styled.tfrecord.lock'));
    const res = await stylizeDataset({ inputs, output: out, stylizer: fakeStylizer([]) });
    assert.equal(res.resumed, 2);
    assert.equal(res.records, 10);
  });
});

test('encoded records stay encoded (PNG stays PNG, JPEG stays JPEG), extra features kept', async () => {
  await withDir(async (dir) => {
    const png = await sharp(Buffer.from(pixels(10, 8, 1)), { raw: { width: 10, height: 8, channels: 3 } })
      .png()
      .toBuffer();
    const jpg = await sharp(Buffer.from(pixels(10, 8, 2)), { raw: { width: 10, height: 8, channels: 3 } })
      .jpeg()
      .toBuffer();
    const a = encodedExample({
      bytes: png,
      format: 'png',
      width: 10,
      height: 8,
      filename: 'a.png',
      label: 3,
      text: 'three',
    });
    a.features['image/source_id'] = { kind: 'bytes', values: [new TextEncoder().encode('id-a')] };
    const b = encodedExample({
      bytes: jpg,
      format: 'jpeg',
      width: 10,
      height: 8,
      filename: 'b.jpg',
      label: 4,
      text: 'four',
    });
    const input = join(dir, 'enc.tfrecord');
    await writeFileOf(input, [a, b]);
    const out = join(dir, 'out.tfrecord');
    await stylizeDataset({ inputs: input, output: out, stylizer: fakeStylizer([]) });
    const exs: Example[] = [];
    for await (const ex of readExamples(out)) exs.push(ex);
    const recs = exs.map((ex) => readImageRecord(ex));
    assert.deepEqual(
      recs.map((r) => [r.schema, r.format, r.filename, r.label, r.text, r.width, r.height]),
      [
        ['encoded', 'png', 'a.png', 3, 'three', 10, 8],
        ['encoded', 'jpeg', 'b.jpg', 4, 'four', 10, 8],
      ],
    );
    assert.deepEqual(exs[0]!.features['image/source_id'], a.features['image/source_id']);
    const { data } = await sharp(recs[0]!.encoded!).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual(
      Array.from(data),
      Array.from(pixels(10, 8, 1), (v) => 255 - v),
    );
  });
});

test('real weights: interrupted after the first record, resumed; one graph per image size', async (t) => {
  const weights = sharedPath('weights', 'vgg19-imagenet-uint8');
  if (weights === undefined) return t.skip(absent('weights/vgg19-imagenet-uint8'));
  await withDir(async (dir) => {
    // Three tiny images, two sizes (32x32 twice, 40x32 once).
    const sizes: [number, number][] = [
      [32, 32],
      [40, 32],
      [32, 32],
    ];
    const input = join(dir, 'in.tfrecord');
    await writeFileOf(
      input,
      sizes.map(([w, h], i) => cs20Example(pixels(w, h, i), w, h, 3, i)),
    );
    const style = join(dir, 'style.png');
    await writeFile(
      style,
      await sharp(Buffer.from(pixels(48, 48, 9)), { raw: { width: 48, height: 48, channels: 3 } })
        .png()
        .toBuffer(),
    );
    const out = join(dir, 'out.tfrecord');
    const common = { inputs: input, output: out, style, weights, iterations: 2, threads: 2 };

    const ac = new AbortController();
    const done: number[] = [];
    await assert.rejects(
      stylizeDataset({
        ...common,
        signal: ac.signal,
        onRecord: (p) => {
          done.push(p.index);
          ac.abort();
        },
      }),
      (e: unknown) => isStyleError(e, 'ABORTED'),
    );
    assert.deepEqual(done, [0]);

    const second: number[] = [];
    const res = await stylizeDataset({ ...common, onRecord: (p) => second.push(p.index) });
    assert.equal(res.resumed, 1);
    assert.equal(res.records, 3);
    assert.deepEqual(second, [1, 2], 'the first record was not redone');
    assert.equal(res.sizes, 2, 'one graph per distinct size in this run');
    const recs = await (await imageRecords(out)).toArray();
    assert.deepEqual(
      recs.map((r) => [r.label, r.width, r.height]),
      [
        [0, 32, 32],
        [1, 40, 32],
        [2, 32, 32],
      ],
    );
    for (const [i, r] of recs.entries()) {
      const [w, h] = sizes[i]!;
      assert.ok(!Buffer.from(r.pixels!).equals(Buffer.from(pixels(w, h, i))), 'pixels changed');
      const settings = JSON.parse(
        new TextDecoder().decode((r.extra['style/settings'] as { values: Uint8Array[] }).values[0]),
      ) as { iterations: number; width: number };
      assert.equal(settings.iterations, 2);
      assert.equal(settings.width, w);
    }
  });
});

test('createStylizer checks its options before loading anything', async () => {
  await withDir(async (dir) => {
    const style = join(dir, 'style.png');
    await writeFile(
      style,
      await sharp(Buffer.from(pixels(20, 20, 1)), { raw: { width: 20, height: 20, channels: 3 } })
        .png()
        .toBuffer(),
    );
    const missing = join(dir, 'nope', 'model.json');
    await assert.rejects(createStylizer({ style, keepSize: true, size: 64, weights: missing }), {
      code: 'INVALID_OPTION',
      message: 'Expected no size, width or height alongside it for keepSize but received true of type boolean',
    });
    await assert.rejects(createStylizer({ style, maxModels: 0, weights: missing }), {
      code: 'INVALID_OPTION',
      message: 'Expected integer between 1 and 64 for maxModels but received 0 of type number',
    });
    await assert.rejects(createStylizer({ style: join(dir, 'absent.png'), weights: missing }), {
      code: 'IMAGE',
      message: `Image file not found: '${join(dir, 'absent.png')}'`,
    });
    // The style image is fine, so the weights are looked for next.
    await assert.rejects(createStylizer({ style, weights: missing }), { code: 'WEIGHTS_MISSING' });
    await assert.rejects(stylizeDataset({ inputs: join(dir, 'x.tfrecord'), output: join(dir, 'y.tfrecord') }), {
      code: 'IO',
    });
  });
});
