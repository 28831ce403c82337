/**
 * The studio's HTTP server: Fastify with JSON-schema-validated routes, the
 * checks of security.ts on every request (including 404s), multipart uploads,
 * files served from the workspace only, and server-sent events.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { basename, extname, join } from 'node:path';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { StudioError, isStudioError } from '../errors.js';
import { mimeOf, sniffFormat } from '../shared/records.js';
import type { Capabilities } from './capabilities.js';
import { type DatasetBrowser, listDatasets } from './datasets.js';
import { type EventHub, sseFrame } from './events.js';
import { checkImage, extensionOf, pngOf } from './images.js';
import type { LogStore } from './logdirs.js';
import type { DatasetRequest, JobManager, StyliseRequest } from './jobs.js';
import { listRuns, loadRun, readLines, runDir } from './runs.js';
import { SECURITY_HEADERS, checkRequest, tokenCookie } from './security.js';
import { UPLOADS, type Workspace, resolveExisting } from './workspace.js';

/** Everything the routes need. */
export interface AppContext {
  workspace: Workspace;
  token: string;
  /** Host and port the server is bound to (port known after listen). */
  address: () => { hosts: Set<string>; port: number };
  jobs: JobManager;
  events: EventHub;
  datasets: DatasetBrowser;
  /** TensorBoard log directories: the `logdir` option's, then the workspace's runs. */
  logs: LogStore;
  capabilities: Capabilities;
  limits: { uploadBytes: number; pixels: number };
  /** Whether startStudio was given weights, or the engine must find them. */
  weights: string | undefined;
  /** The bundled front end: file name -> bytes (missing before a build). */
  assets: Map<string, Uint8Array>;
  /** onnxruntime-web's dist folder, for the in-page engine's wasm files. */
  ortDir: string | undefined;
  /** The weights served to the in-page engine: their folder and the file to load from it. */
  weightsServed: { dir: string; entry: string } | undefined;
}

/** onnxruntime-web's files the in-page engine loads (wasm + WebGPU through JSEP). */
export const ORT_FILES = new Set(['ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.jsep.wasm']);

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.jsonl': 'application/x-ndjson; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.avif': 'image/avif',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
};

const pathList = {
  type: 'array',
  items: { type: 'string', minLength: 1, maxLength: 1000 },
  minItems: 1,
  maxItems: 1000,
};
const stylise = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'content', 'styles'],
  properties: {
    kind: { const: 'stylise' },
    content: { type: 'string', minLength: 1, maxLength: 1000 },
    styles: {
      type: 'array',
      minItems: 1,
      maxItems: 8,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['path', 'weight'],
        properties: {
          path: { type: 'string', minLength: 1, maxLength: 1000 },
          weight: { type: 'number', minimum: 0, maximum: 1000 },
          mask: { type: 'string', minLength: 1, maxLength: 1000 },
        },
      },
    },
    preset: { type: 'string', enum: ['default', 'cs20'] },
    size: { type: 'integer', minimum: 16, maximum: 4096 },
    iterations: { type: 'integer', minimum: 1, maximum: 10000 },
    styleWeight: { type: 'number', minimum: 0 },
    contentWeight: { type: 'number', minimum: 0 },
    tvWeight: { type: 'number', minimum: 0 },
    optimizer: { type: 'string', enum: ['adam', 'lbfgs'] },
    seed: { type: 'integer', minimum: 0, maximum: 4294967295 },
    originalColors: { type: 'boolean' },
    previewEvery: { type: 'integer', minimum: 1, maximum: 1000 },
  },
};
const dataset = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'inputs', 'style'],
  properties: {
    kind: { const: 'stylize-dataset' },
    inputs: pathList,
    style: { type: 'string', minLength: 1, maxLength: 1000 },
    preset: { type: 'string', enum: ['default', 'cs20'] },
    size: { type: 'integer', minimum: 16, maximum: 4096 },
    iterations: { type: 'integer', minimum: 1, maximum: 10000 },
    styleWeight: { type: 'number', minimum: 0 },
  },
};
const runId = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^\\d{8}-\\d{6}-[0-9a-f]{6}$' } },
};
const datasetQuery = {
  type: 'object',
  required: ['path'],
  properties: { path: pathList, i: { type: 'integer', minimum: 0 } },
};

const logRun = { type: 'string', minLength: 1, maxLength: 2000 };
const logScalarsQuery = {
  type: 'object',
  required: ['run'],
  properties: { run: logRun, since: { type: 'integer', minimum: 0 }, gen: { type: 'integer', minimum: 0 } },
};
const logImagesQuery = { type: 'object', required: ['run'], properties: { run: logRun } };
const logImageQuery = {
  type: 'object',
  required: ['run', 'i'],
  properties: { run: logRun, i: { type: 'integer', minimum: 0 } },
};

function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send({ error: message, code });
}

/** Builds the Fastify app (not listening yet). */
export async function buildApp(ctx: AppContext): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: 1024 * 1024,
    // Open event streams must not hold a shutdown.
    forceCloseConnections: true,
    // The token check and its 401 are ours; no request is trusted for proxies.
    trustProxy: false,
  });
  const streams = new Set<ServerResponse>();

  app.addHook('onRequest', async (req, reply) => {
    reply.headers(SECURITY_HEADERS);
    reply.header('cache-control', 'no-store');
    const { hosts, port } = ctx.address();
    const url = new URL(req.url, 'http://studio');
    const h = req.headers;
    const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
    const result = checkRequest(
      {
        method: req.method,
        host: one(h.host),
        origin: one(h.origin),
        secFetchSite: one(h['sec-fetch-site']),
        cookie: one(h.cookie),
        headerToken: one(h['x-pastiche-token']) ?? bearer(one(h.authorization)),
        queryToken: url.searchParams.get('token') ?? undefined,
        isPage: url.pathname === '/',
      },
      ctx.token,
      hosts,
      port,
    );
    if (!result.ok)
      return sendError(reply, result.status, result.status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN', result.message);
    if (result.auth === 'query') {
      // Trade the token in the address for the cookie, and drop it from the address bar.
      reply.header('set-cookie', tokenCookie(port, ctx.token));
      return reply.redirect('/', 303);
    }
    return undefined;
  });

  app.setErrorHandler((err, _req, reply) => {
    if (isStudioError(err)) return sendError(reply, err.status, err.code, err.message);
    const e = err as { validation?: unknown; statusCode?: number; code?: string; message: string };
    if (e.validation !== undefined) return sendError(reply, 400, 'INVALID_OPTION', e.message);
    if (e.code === 'FST_REQ_FILE_TOO_LARGE' || e.statusCode === 413) {
      return sendError(
        reply,
        413,
        'TOO_LARGE',
        `The upload is larger than the limit of ${ctx.limits.uploadBytes} bytes`,
      );
    }
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      return sendError(reply, e.statusCode, e.code ?? 'BAD_REQUEST', e.message);
    }
    return sendError(reply, 500, 'INTERNAL', e.message);
  });
  app.setNotFoundHandler((req, reply) =>
    sendError(reply, 404, 'NOT_FOUND', `No route ${req.method} ${req.url.split('?')[0]}`),
  );

  await app.register(multipart, {
    limits: { fileSize: ctx.limits.uploadBytes, files: 1, fields: 10, fieldSize: 1000, parts: 12 },
    throwFileSizeLimit: true,
  });

  // The page and its bundle.
  app.get('/', async (_req, reply) => {
    const html = ctx.assets.get('index.html');
    if (html === undefined) {
      return reply
        .type('text/html; charset=utf-8')
        .send(
          '<!doctype html><title>Pastiche Studio</title><p>The front end is not built: run <code>npm run build</code>.',
        );
    }
    return reply.type('text/html; charset=utf-8').send(Buffer.from(html));
  });
  app.get<{ Params: { name: string } }>('/assets/:name', async (req, reply) => {
    const bytes = ctx.assets.get(req.params.name);
    if (bytes === undefined || req.params.name === 'index.html')
      throw new StudioError('NOT_FOUND', `No asset '${req.params.name}'`);
    return reply.type(MIME[extname(req.params.name)] ?? 'application/octet-stream').send(Buffer.from(bytes));
  });

  app.get<{ Params: { name: string } }>('/ort/:name', async (req, reply) => {
    const name = req.params.name;
    if (ctx.ortDir === undefined || !ORT_FILES.has(name))
      throw new StudioError('NOT_FOUND', `No onnxruntime-web file '${name}'`);
    return sendFile(reply, join(ctx.ortDir, name), false);
  });
  app.get<{ Params: { name: string } }>('/weights/:name', async (req, reply) => {
    const name = req.params.name;
    // One folder, flat: a model.json and its shards (or one .h5); no name reaches outside it.
    if (!/^[\w][\w.-]*$/.test(name)) throw new StudioError('FORBIDDEN', `Weights file name '${name}' is refused`);
    if (ctx.weightsServed === undefined) {
      throw new StudioError(
        'NOT_FOUND',
        'This studio has no weights to serve (startStudio weights option, PASTICHE_WEIGHTS or the cache)',
      );
    }
    const abs = join(ctx.weightsServed.dir, name);
    if (!(await stat(abs).catch(() => undefined))?.isFile()) {
      throw new StudioError('NOT_FOUND', `No weights file '${name}'`);
    }
    return sendFile(reply, abs, false);
  });

  app.get('/api/info', async () => ({
    capabilities: ctx.capabilities,
    limits: ctx.limits,
    weights: ctx.weights === undefined ? 'engine' : 'given',
    browserEngine: {
      weights: ctx.weightsServed === undefined ? null : `/weights/${ctx.weightsServed.entry}`,
      ort: ctx.ortDir !== undefined && ctx.assets.has('engine.js'),
    },
    workspace: ctx.workspace.root,
    queue: ctx.jobs.queue.state(),
  }));

  app.get('/api/events', (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write(`retry: 2000\n\n${sseFrame({ type: 'queue', ...ctx.jobs.queue.state() })}`);
    streams.add(res);
    const off = ctx.events.subscribe((e) => res.write(sseFrame(e)));
    const ping = setInterval(() => res.write(': ping\n\n'), 15000);
    req.raw.on('close', () => {
      clearInterval(ping);
      off();
      streams.delete(res);
    });
  });

  app.post('/api/uploads', async (req, reply) => {
    const part = await req.file();
    if (part === undefined)
      throw new StudioError('BAD_REQUEST', 'The upload holds no file (send multipart/form-data with one file)');
    const bytes = new Uint8Array(await part.toBuffer());
    const name = basename(part.filename || 'upload');
    const header = await checkImage(bytes, name, ctx.limits.pixels);
    const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 20);
    const rel = `${UPLOADS}/${hash}.${extensionOf(header.format)}`;
    // Content-addressed: the same bytes land on the same name, so nothing is overwritten by other content.
    const abs = join(ctx.workspace.root, rel);
    if (!(await stat(abs).catch(() => undefined))) {
      const tmp = `${abs}.${process.pid}.tmp`;
      await writeFile(tmp, bytes);
      await rename(tmp, abs);
    }
    return reply.code(201).send({ path: rel, name, ...header, bytes: bytes.length });
  });

  app.get(
    '/files/*',
    async (req: FastifyRequest<{ Params: { '*': string }; Querystring: { download?: string } }>, reply) => {
      const rel = req.params['*'];
      const abs = await resolveExisting(ctx.workspace, rel);
      const s = await stat(abs);
      if (!s.isFile()) throw new StudioError('NOT_FOUND', `'${rel}' is not a file`);
      reply.type(MIME[extname(abs).toLowerCase()] ?? 'application/octet-stream');
      reply.header('content-length', s.size);
      if (req.query.download !== undefined) {
        reply.header('content-disposition', `attachment; filename="${basename(abs).replace(/[^\w.-]/g, '_')}"`);
      }
      return reply.send(createReadStream(abs));
    },
  );

  app.get('/api/runs', async () => ({ runs: (await listRuns(ctx.workspace)).map((r) => ctx.jobs.live(r.id) ?? r) }));
  app.get<{ Params: { id: string } }>('/api/runs/:id', { schema: { params: runId } }, async (req) => {
    const id = req.params.id;
    const run = ctx.jobs.live(id) ?? (await loadRun(ctx.workspace, id));
    const losses = await readLines(ctx.workspace, id, 'losses.jsonl');
    const settings = await readFile(join(runDir(ctx.workspace, id), 'settings.json'), 'utf8')
      .then((t) => JSON.parse(t) as unknown)
      .catch(() => null);
    return { run, losses, settings };
  });
  app.post<{ Params: { id: string } }>('/api/runs/:id/cancel', { schema: { params: runId } }, async (req, reply) => {
    await ctx.jobs.cancel(req.params.id);
    return reply.code(202).send({ id: req.params.id });
  });
  app.post<{ Body: StyliseRequest | DatasetRequest }>(
    '/api/jobs',
    { schema: { body: { oneOf: [stylise, dataset] } } },
    async (req, reply) => {
      const body = req.body;
      const run = body.kind === 'stylise' ? await ctx.jobs.submitStylise(body) : await ctx.jobs.submitDataset(body);
      return reply.code(202).send({ run });
    },
  );
  app.get('/api/queue', async () => ctx.jobs.queue.state());

  app.get('/api/datasets', async () => ({ datasets: await listDatasets(ctx.workspace) }));
  app.get<{ Querystring: { path: string[] } }>(
    '/api/datasets/summary',
    { schema: { querystring: datasetQuery } },
    async (req) =>
      ctx.datasets.summary(
        req.query.path.length === 1 ? req.query.path[0]! : `${req.query.path.length} shards`,
        req.query.path,
      ),
  );
  app.get<{ Querystring: { path: string[]; i?: number } }>(
    '/api/datasets/record',
    { schema: { querystring: datasetQuery } },
    async (req) => ctx.datasets.record(req.query.path, req.query.i ?? 0),
  );
  app.get<{ Querystring: { path: string[]; i?: number } }>(
    '/api/datasets/image',
    { schema: { querystring: datasetQuery } },
    async (req, reply) => {
      const img = await ctx.datasets.image(req.query.path, req.query.i ?? 0);
      if (img === undefined) throw new StudioError('NOT_FOUND', 'No image');
      if (img.schema === 'encoded') return reply.type(mimeOf(img.format)).send(Buffer.from(img.bytes));
      const png = await pngOf(img.pixels, img.width, img.height, img.channels as 1 | 2 | 3 | 4);
      return reply.type('image/png').send(Buffer.from(png));
    },
  );

  // TensorBoard runs: named by key, never by path, so no request can name a file outside the logdirs.
  app.get('/api/logs/runs', async () => ctx.logs.runs());
  app.get<{ Querystring: { run: string; since?: number; gen?: number } }>(
    '/api/logs/scalars',
    { schema: { querystring: logScalarsQuery } },
    async (req) => ctx.logs.scalars(req.query.run, req.query.since ?? 0, req.query.gen),
  );
  app.get<{ Querystring: { run: string } }>(
    '/api/logs/images',
    { schema: { querystring: logImagesQuery } },
    async (req) => ctx.logs.images(req.query.run),
  );
  app.get<{ Querystring: { run: string; i: number } }>(
    '/api/logs/image',
    { schema: { querystring: logImageQuery } },
    async (req, reply) => {
      const bytes = await ctx.logs.image(req.query.run, req.query.i);
      return reply.type(mimeOf(sniffFormat(bytes))).send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
  );

  app.addHook('onClose', async () => {
    for (const s of streams) s.end();
    streams.clear();
  });
  return app;
}

async function sendFile(reply: FastifyReply, abs: string, download: boolean): Promise<FastifyReply> {
  const s = await stat(abs);
  reply.type(MIME[extname(abs).toLowerCase()] ?? 'application/octet-stream');
  reply.header('content-length', s.size);
  if (download) reply.header('content-disposition', `attachment; filename="${basename(abs).replace(/[^\w.-]/g, '_')}"`);
  return reply.send(createReadStream(abs));
}

function bearer(v: string | undefined): string | undefined {
  const m = v === undefined ? null : /^Bearer\s+(\S+)$/i.exec(v);
  return m === null ? undefined : m[1];
}
