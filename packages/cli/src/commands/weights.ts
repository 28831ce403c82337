/** `pastiche weights fetch|verify|where`: provisioning of the VGG-19 weights. */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { defineCommand, defineGroup } from '../command.js';
import type { CommandGroup } from '../command.js';
import { CliError } from '../errors.js';
import { formatBytes } from '../format.js';
import { guardOutputs } from '../guard.js';
import { customOption, invalidOption, stringOption } from '../options.js';
import { Progress } from '../progress.js';
import type { Context } from '../io.js';

async function describePath(path: string): Promise<string> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'folder' : `${formatBytes(s.size)}`;
  } catch {
    return 'missing';
  }
}

async function write(ctx: Context, text: string): Promise<void> {
  const w = ctx.stdout.write(text);
  if (w) await w;
}

/** `pastiche weights fetch`: download the Keras VGG19 notop file into the cache, checksum-verified. */
export const weightsFetchCommand = defineCommand({
  name: 'fetch',
  summary: 'download the VGG-19 weights into the cache (checksum-verified)',
  usage: '[--url URL] [--sha256 HEX] [--cache-dir DIR]',
  description: `
Downloads the Keras VGG19 ImageNet "notop" weights (about 80 MB) into the cache
folder, verifies the digest (md5 published by Keras, or --sha256), and moves the
file into place only when complete. Prints the cached path.`,
  options: (c) =>
    c
      .addOption(stringOption('--url <URL>', 'Download from this URL instead').default(undefined, 'the Keras file'))
      .addOption(
        customOption('--sha256 <HEX>', 'Expected sha256 of the file (64 hex digits)', (text, flag) => {
          if (!/^[0-9a-fA-F]{64}$/.test(text)) throw invalidOption(flag, '64 hexadecimal digits', text);
          return text;
        }),
      )
      .addOption(
        stringOption('--cache-dir <DIR>', 'Cache folder').default(
          undefined,
          '$PASTICHE_CACHE_DIR or the platform cache',
        ),
      ),
  examples: ['pastiche weights fetch', 'PASTICHE_CACHE_DIR=/data/cache pastiche weights fetch'],
  async run({ opts }, ctx) {
    const { url, sha256 } = opts;
    const cacheDir = opts.cacheDir;
    const { fetchWeights, cachedWeightsPath, defaultCacheDir } = await import('@pastiche/style');
    // A file: URL is an input; the cached file is the output.
    const source = url?.startsWith('file:') === true ? [new URL(url).pathname] : [];
    const target = cachedWeightsPath(
      cacheDir === undefined ? defaultCacheDir({ ...ctx.env }) : resolve(ctx.cwd, cacheDir),
    );
    await guardOutputs({ cwd: ctx.cwd, inputs: source, outputs: [target] });
    let bar: Progress | undefined;
    try {
      const path = await fetchWeights({
        env: { ...ctx.env },
        signal: ctx.signal,
        ...(url === undefined ? {} : { url }),
        ...(sha256 === undefined ? {} : { sha256 }),
        ...(cacheDir === undefined ? {} : { cacheDir: resolve(ctx.cwd, cacheDir) }),
        onProgress: (received, total) => {
          bar ??= new Progress(ctx.stderr, { label: 'vgg19', unit: 'bytes', now: ctx.now });
          bar.setTotal(total);
          bar.update(received);
        },
      });
      bar?.done();
      await write(ctx, `${path}\n`);
      return 0;
    } catch (e) {
      bar?.clear();
      throw e;
    }
  },
});

/** `pastiche weights verify [PATH]`: checksums and a full structural load. */
export const weightsVerifyCommand = defineCommand({
  name: 'verify',
  summary: 'check a weights file or folder (checksums, shapes)',
  usage: '[PATH]',
  description: `
Checks PATH (a model.json, a folder holding one, or a Keras .h5) against its
SHA256SUMS or the digest Keras publishes, then loads it and checks every layer's
shape. Without PATH, verifies the weights 'pastiche stylize' would use (no
download). Exit code 0 when every check passes, 1 otherwise.`,
  options: (c) => c,
  positionals: { name: 'PATH', min: 0, max: 1 },
  examples: ['pastiche weights verify', 'pastiche weights verify ../shared/weights/vgg19-imagenet-uint8'],
  async run({ positionals }, ctx) {
    const { resolveWeights, verifyWeights } = await import('@pastiche/style');
    const arg = positionals[0];
    const path =
      arg === undefined ? (await resolveWeights({ env: { ...ctx.env }, download: false })).path : resolve(ctx.cwd, arg);
    const result = await verifyWeights(path);
    await write(ctx, `${path}\n${result.detail}\n`);
    if (!result.ok) throw new CliError(`weights at ${path} failed verification`);
    return 0;
  },
});

/** `pastiche weights where`: the resolution order and what each step finds. */
export const weightsWhereCommand = defineCommand({
  name: 'where',
  summary: 'show where weights are looked for, and which would be used',
  usage: '[--weights PATH]',
  description: `
Weights are looked for in this order: --weights PATH, the PASTICHE_WEIGHTS
environment variable, the cache folder, and finally a download into the cache.
Prints each place, what is there, and the one that would be used.`,
  options: (c) => c.addOption(stringOption('--weights <PATH>', 'As given to pastiche stylize')),
  async run({ opts }, ctx) {
    const { cachedWeightsPath, defaultCacheDir, KERAS_VGG19_NOTOP, resolveWeights } = await import('@pastiche/style');
    const flag = opts.weights;
    const env = ctx.env['PASTICHE_WEIGHTS'];
    const cacheDir = defaultCacheDir({ ...ctx.env });
    const cached = cachedWeightsPath(cacheDir);
    const lines = [
      `1. --weights        ${flag === undefined ? '(not given)' : `${resolve(ctx.cwd, flag)} (${await describePath(resolve(ctx.cwd, flag))})`}`,
      `2. PASTICHE_WEIGHTS ${env === undefined || env === '' ? '(not set)' : `${env} (${await describePath(env)})`}`,
      `3. cache            ${cached} (${await describePath(cached)})`,
      `4. download         ${KERAS_VGG19_NOTOP.url} (on first use)`,
    ];
    try {
      const found = await resolveWeights({
        env: { ...ctx.env },
        download: false,
        ...(flag === undefined ? {} : { weights: resolve(ctx.cwd, flag) }),
      });
      lines.push(`using: ${found.path} (${found.source})`);
    } catch (e) {
      const message = e instanceof Error ? e.message.split('\n')[0]! : String(e);
      lines.push(
        `using: nothing yet; ${message.replace(/ and downloads are off\.$/, '.')} 'pastiche stylize' would download the weights on first use.`,
      );
    }
    await write(ctx, `${lines.join('\n')}\n`);
    return 0;
  },
});

/** The `weights` group. */
export const weightsGroup: CommandGroup = defineGroup({
  name: 'weights',
  summary: 'download, verify and locate the VGG-19 weights',
  commands: [weightsFetchCommand, weightsVerifyCommand, weightsWhereCommand],
  examples: ['pastiche weights where', 'pastiche weights fetch', 'pastiche weights verify'],
});
