/**
 * The portable core in a real browser: the package's source is bundled for the
 * browser platform (which fails on any `node:*` import) and run in headless
 * Chromium, where it decodes TensorFlow's files, runs CRC32C and round-trips
 * Examples through CompressionStream. Skips visibly without Chromium.
 */
import { after, before, suite, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { absent, chromiumSkip, launchChromium, repoRoot, sharedPath } from '@pastiche/testing';
import { buildExample } from '../src/example/build.js';
import { encodeExample } from '../src/example/encode.js';
import { exampleToJSON } from '../src/example/json.js';
import { encodeRecord } from '../src/framing/encode.js';

const data = sharedPath('data', 'tfrecord');

/**
 * A GZIP file of three members, as concatenating gzip files (or some writers) produce:
 * Chromium's DecompressionStream stops after the first member, so this checks the
 * member splitter in the real browser rather than against a fake.
 */
const MULTI_EXAMPLES = [0, 1, 2, 3, 4, 5].map((i) => buildExample({ label: i, name: `member ${i >> 1}` }));
const MULTI_MEMBER_GZIP = Buffer.concat(
  [0, 2, 4].map((i) =>
    gzipSync(
      Buffer.concat([
        encodeRecord(encodeExample(MULTI_EXAMPLES[i]!)),
        encodeRecord(encodeExample(MULTI_EXAMPLES[i + 1]!)),
      ]),
    ),
  ),
);

/** Shared golden files and the kind of record each holds. */
const GOLDEN: [string, 'example' | 'sequence'][] = [
  ['pytorch-data-example.tfrecord', 'example'],
  ['pytorch-data-sequence_example.tfrecord', 'sequence'],
  ['pwnall-singles.tfrecords', 'example'],
  ['tfx-penguin-train.tfrecord.gz', 'example'],
  ['cs20-friday.tfrecord', 'example'],
];

// Minimal view of the bundle as the page sees it; the page code runs in the
// browser, so it can only reach the module through a dynamic import.
type Page = import('playwright-core').Page;
type Browser = import('playwright-core').Browser;

suite('browser (headless Chromium)', {
  skip: chromiumSkip(),
}, () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  let base = '';

  before(async () => {
    const esbuild = await import('esbuild');
    const built = await esbuild.build({
      entryPoints: [join(repoRoot, 'packages/tfrecord/src/index.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    });
    const bundle = built.outputFiles[0]!.contents;
    server = createServer((req, res) => {
      const url = req.url ?? '/';
      if (url === '/multi.gz') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(MULTI_MEMBER_GZIP);
      } else if (url === '/tfrecord.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        res.end(bundle);
      } else if (url.startsWith('/data/') && data !== undefined) {
        const name = decodeURIComponent(url.slice('/data/'.length));
        const file = join(data, name);
        if (!/^[\w.-]+$/.test(name) || !existsSync(file)) {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(readFileSync(file));
      } else {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<!doctype html><title>pastiche</title>');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(`${base}/`);
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  test('bundles without Node built-ins and computes CRC32C', async () => {
    const crc = await page.evaluate(async () => {
      const m = await import('/tfrecord.js' as string);
      return m.crc32c(new TextEncoder().encode('123456789')) as number;
    });
    assert.equal(crc, 0xe3069283);
  });

  test('round-trips Examples through framing and gzip CompressionStream', async () => {
    const out = await page.evaluate(async () => {
      const m = await import('/tfrecord.js' as string);
      const examples = [0, 1, 2].map((i) =>
        m.buildExample({
          label: i,
          big: [2n ** 62n, -1n],
          x: [0.5, i + 0.25],
          name: `item ${i}`,
          raw: new Uint8Array([i, 255]),
        }),
      );
      const framed = examples.map((e: unknown) => m.encodeRecord(m.encodeExample(e)));
      const whole = new Uint8Array(framed.reduce((n: number, f: Uint8Array) => n + f.length, 0));
      let at = 0;
      for (const f of framed) {
        whole.set(f, at);
        at += f.length;
      }
      const gz = await m.compressBytes(whole, 'gzip');
      const detected = m.detectCompression(gz.subarray(0, 12));
      // Feed the compressed bytes as a ReadableStream of 7-byte chunks.
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < gz.length; i += 7) c.enqueue(gz.slice(i, i + 7));
          c.close();
        },
      });
      const decoded = [];
      for await (const rec of m.readRecords(m.decompress(stream, detected)))
        decoded.push(m.exampleToJSON(m.decodeExample(rec)));
      return { detected, decoded, expected: examples.map((e: unknown) => m.exampleToJSON(e)) };
    });
    assert.equal(out.detected, 'gzip');
    assert.equal(out.decoded.length, 3);
    assert.deepEqual(out.decoded, out.expected);
  });

  test('reads every member of a multi-member GZIP file with the real DecompressionStream', async () => {
    const got = await page.evaluate(async (url) => {
      const m = await import('/tfrecord.js' as string);
      const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
      const whole: string[] = [];
      for (const rec of m.decodeRecords(await m.decompressBytes(bytes, 'gzip')))
        whole.push(JSON.stringify(m.exampleToJSON(m.decodeExample(rec))));
      // And streaming, in 5-byte chunks so member boundaries fall inside chunks.
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < bytes.length; i += 5) c.enqueue(bytes.slice(i, i + 5));
          c.close();
        },
      });
      const streamed: string[] = [];
      for await (const rec of m.readRecords(m.decompress(stream, m.detectCompression(bytes.subarray(0, 12)))))
        streamed.push(JSON.stringify(m.exampleToJSON(m.decodeExample(rec))));
      return { whole, streamed };
    }, `${base}/multi.gz`);
    const want = MULTI_EXAMPLES.map((e) => JSON.stringify(exampleToJSON(e)));
    assert.deepEqual(got.whole, want);
    assert.deepEqual(got.streamed, want);
  });

  test('decodes every TensorFlow-written golden file to its .jsonl', async (t) => {
    if (data === undefined) return t.skip(absent('data/tfrecord'));
    for (const [name, kind] of GOLDEN) {
      const got = await page.evaluate(
        async ([url, kind]) => {
          const m = await import('/tfrecord.js' as string);
          const bytes = new Uint8Array(await (await fetch(url!)).arrayBuffer());
          const plain = await m.decompressBytes(bytes, m.detectCompression(bytes.subarray(0, 12)));
          const lines: string[] = [];
          for (const rec of m.decodeRecords(plain)) {
            lines.push(
              JSON.stringify(
                kind === 'sequence'
                  ? m.sequenceExampleToJSON(m.decodeSequenceExample(rec))
                  : m.exampleToJSON(m.decodeExample(rec)),
              ),
            );
          }
          return lines;
        },
        [`${base}/data/${name}`, kind] as const,
      );
      const want: string[] = readFileSync(join(data, `${name}.jsonl`), 'utf8')
        .trim()
        .split('\n');
      assert.equal(got.length, want.length, name);
      got.forEach((line, i) => assert.deepEqual(JSON.parse(line), JSON.parse(want[i]!), `${name} record ${i}`));
    }
  });

  test('parses the lecture record with a FixedLen spec and decodeRaw', async (t) => {
    if (data === undefined) return t.skip(absent('data/tfrecord'));
    const got = await page.evaluate(async (url) => {
      const m = await import('/tfrecord.js' as string);
      const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
      const [rec] = [...m.decodeRecords(bytes)];
      const parsed = m.parseExample(rec, {
        label: m.fixedLen({ shape: [], dtype: 'int64' }),
        shape: m.fixedLen({ shape: [], dtype: 'string' }),
        image: m.fixedLen({ shape: [], dtype: 'string' }),
      });
      const shape = Array.from(m.decodeRaw(parsed.shape.values[0], 'int32') as Int32Array);
      return { shape, imageBytes: parsed.image.values[0].length as number, label: String(parsed.label.values[0]) };
    }, `${base}/data/cs20-friday.tfrecord`);
    assert.deepEqual(got.shape, [322, 403, 3]);
    assert.equal(got.imageBytes, 322 * 403 * 3);
    assert.match(got.label, /^-?\d+$/);
  });
});
