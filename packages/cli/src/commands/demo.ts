/**
 * `pastiche demo`: the CS20 lecture end to end on images the project draws
 * itself: images -> TFRecord -> parse spec -> style transfer -> TFRecord ->
 * PNGs and an index.html contact sheet.
 */
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { writeFileAtomic } from '@pastiche/tfrecord/node';
import { extname, join, relative, resolve } from 'node:path';
import { defineCommand } from '../command.js';
import { usageError } from '../errors.js';
import { formatDuration, plural } from '../format.js';
import { guardOutputs } from '../guard.js';
import { stringOption } from '../options.js';
import { DownloadProgress, Progress } from '../progress.js';
import { addStyleOptions, styleArgs } from './stylize-dataset.js';

/** Side of the generated sample images, px. */
const SAMPLE_SIDE = 128;
/** Demo defaults: small and few enough to finish in a minute or two on 2 cores, enough to look stylised. */
const DEMO_ITERATIONS = 15;
const DEMO_SIZE = 128;

const PALETTES = [
  ['#1d3557', '#e63946', '#f1faee', '#a8dadc'],
  ['#264653', '#e9c46a', '#f4a261', '#2a9d8f'],
  ['#3d405b', '#f2cc8f', '#81b29a', '#e07a5f'],
];

/** A seeded generator of uniform floats in [0, 1), so the samples are the same on every machine. */
type Prng = (seed: number) => () => number;

function svg(side: number, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${side}" height="${side}" viewBox="0 0 ${side} ${side}">${body}</svg>`;
}

/** A content sample of class 'circles': discs with radial shading on a gradient. */
function circles(seed: number, side: number, prng: Prng): string {
  const r = prng(seed);
  const [bg, a, b, c] = PALETTES[seed % PALETTES.length]!;
  let body = `<defs><linearGradient id="bg" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${bg}"/><stop offset="1" stop-color="${c}"/></linearGradient>`;
  body += `<radialGradient id="ball" cx="0.35" cy="0.35" r="0.7"><stop offset="0" stop-color="#ffffff"/><stop offset="0.25" stop-color="${a}"/><stop offset="1" stop-color="${b}"/></radialGradient></defs>`;
  body += `<rect width="${side}" height="${side}" fill="url(#bg)"/>`;
  for (let i = 0; i < 3 + (seed % 3); i++) {
    const rad = side * (0.12 + 0.18 * r());
    body += `<circle cx="${(side * (0.15 + 0.7 * r())).toFixed(1)}" cy="${(side * (0.15 + 0.7 * r())).toFixed(1)}" r="${rad.toFixed(1)}" fill="url(#ball)" stroke="${c}" stroke-width="2"/>`;
  }
  return svg(side, body);
}

/** A content sample of class 'stripes': bands at an angle, with a soft gradient over them. */
function stripes(seed: number, side: number, prng: Prng): string {
  const r = prng(seed * 7 + 1);
  const colours = PALETTES[(seed + 1) % PALETTES.length]!;
  const angle = Math.round(r() * 180);
  const width = Math.round(side * (0.06 + 0.08 * r()));
  let body = `<defs><linearGradient id="fade" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#ffffff" stop-opacity="0.35"/><stop offset="1" stop-color="#000000" stop-opacity="0.35"/></linearGradient></defs>`;
  body += `<g transform="rotate(${angle} ${side / 2} ${side / 2})">`;
  for (let x = -side, i = 0; x < 2 * side; x += width, i++) {
    body += `<rect x="${x}" y="${-side}" width="${width}" height="${3 * side}" fill="${colours[i % colours.length]}"/>`;
  }
  body += `</g><rect width="${side}" height="${side}" fill="url(#fade)"/>`;
  return svg(side, body);
}

/** The style image: swirls and short brush strokes along a flow field, night-sky colours. */
function swirls(side: number, prng: Prng): string {
  const r = prng(1889);
  const colours = ['#f6d743', '#f29e4c', '#fdf6e3', '#6ab0de', '#2e6db4', '#173f73'];
  let body = `<rect width="${side}" height="${side}" fill="#0b1d3a"/>`;
  // Brush strokes following a smooth flow field.
  for (let i = 0; i < 700; i++) {
    let x = r() * side;
    let y = r() * side;
    let d = `M${x.toFixed(1)} ${y.toFixed(1)}`;
    for (let k = 0; k < 6; k++) {
      const a = Math.sin(x / 23) * 2 + Math.cos(y / 17) * 2;
      x += Math.cos(a) * 5;
      y += Math.sin(a) * 5;
      d += ` L${x.toFixed(1)} ${y.toFixed(1)}`;
    }
    const colour = colours[Math.floor(r() * colours.length)]!;
    body += `<path d="${d}" fill="none" stroke="${colour}" stroke-width="${(2 + r() * 3).toFixed(1)}" stroke-linecap="round" opacity="0.85"/>`;
  }
  // A few bright spirals.
  for (let s = 0; s < 5; s++) {
    const cx = r() * side;
    const cy = r() * side;
    let d = '';
    for (let t = 0; t < 40; t++) {
      const th = t * 0.45;
      const rad = 2 + t * (side / 160);
      d += `${t === 0 ? 'M' : ' L'}${(cx + rad * Math.cos(th)).toFixed(1)} ${(cy + rad * Math.sin(th)).toFixed(1)}`;
    }
    body += `<path d="${d}" fill="none" stroke="${colours[s % 3]}" stroke-width="4" stroke-linecap="round"/>`;
  }
  return svg(side, body);
}

/**
 * Draws the demo's images (no files copied from elsewhere): `DIR/content/circles/*.png`,
 * `DIR/content/stripes/*.png` (3 each, `side` px) and `DIR/style.png` (256 px).
 */
export async function writeDemoSamples(dir: string, side = SAMPLE_SIDE): Promise<{ content: string; style: string }> {
  const { default: sharp } = await import('sharp');
  // Loaded here, not at start-up: @pastiche/style brings onnxruntime and sharp with it.
  const { mulberry32 } = await import('@pastiche/style');
  const content = join(dir, 'content');
  for (const [name, draw] of [
    ['circles', circles],
    ['stripes', stripes],
  ] as const) {
    await mkdir(join(content, name), { recursive: true });
    for (let i = 0; i < 3; i++) {
      await sharp(Buffer.from(draw(i, side, mulberry32)))
        .png()
        .toFile(join(content, name, `${name}-${i + 1}.png`));
    }
  }
  const style = join(dir, 'style.png');
  await sharp(Buffer.from(swirls(256, mulberry32)))
    .png()
    .toFile(style);
  return { content, style };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** One row of the contact sheet. */
interface SheetRow {
  input: string;
  output: string;
  label: string;
  losses: { content?: number; style?: number; tv?: number; total: number };
}

function contactSheet(title: string, style: string, settings: string, rows: SheetRow[]): string {
  const n = (x: number | undefined): string => (x === undefined ? '' : x.toPrecision(4));
  const body = rows
    .map(
      (r) =>
        `<tr><td><img src="${escapeHtml(r.input)}" alt="input"></td><td><img src="${escapeHtml(r.output)}" alt="result"></td>` +
        `<td>${escapeHtml(r.label)}</td><td>${n(r.losses.content)}</td><td>${n(r.losses.style)}</td><td>${n(r.losses.tv)}</td><td>${n(r.losses.total)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
img { width: 192px; image-rendering: auto; border: 1px solid #ccc; }
table { border-collapse: collapse; } td, th { padding: 6px 10px; text-align: right; } td:nth-child(-n+3), th:nth-child(-n+3) { text-align: left; }
tr:nth-child(even) { background: #f4f4f4; } .style img { width: 256px; } pre { background: #f4f4f4; padding: 1em; overflow-x: auto; }
</style></head><body>
<h1>${escapeHtml(title)}</h1>
<p class="style">Style image:<br><img src="${escapeHtml(style)}" alt="style"></p>
<table><thead><tr><th>input</th><th>result</th><th>label</th><th>content loss</th><th>style loss</th><th>TV loss</th><th>total (weighted)</th></tr></thead>
<tbody>
${body}
</tbody></table>
<h2>Settings</h2><pre>${escapeHtml(settings)}</pre>
</body></html>
`;
}

/** Runs the lecture in one go; see the help text. */
export const demoCommand = defineCommand({
  name: 'demo',
  summary: 'the main job: the CS20 lecture end to end (images, TFRecord, style transfer, contact sheet)',
  usage: '[--out DIR] [--content DIR --style IMAGE] [--weights PATH] [stylize options]',
  description: `
The main job in one command. Draws sample images (circles/ and stripes/ classes
and a swirling style pattern; nothing is downloaded but the weights), or takes
--content DIR (images in class sub-folders) and --style IMAGE, then:
  1. writes them as the lecture's TFRecord (DIR/content.tfrecord: label, shape, image),
  2. reads it back through the lecture's parse spec (FixedLen + decodeRaw),
  3. stylises every record (DIR/stylized.tfrecord, same schema),
  4. writes both as PNGs (DIR/images/) and DIR/index.html, a contact sheet
     showing each input beside its result with the losses.
Defaults: ${DEMO_ITERATIONS} iterations at ${DEMO_SIZE} px with the default preset (about a
minute on two cores); the stylize options change them.

Weights: --weights PATH, else PASTICHE_WEIGHTS, else the cache, else a
download. Without any, the demo stops before doing anything else and says how
to get them.`,
  options: (c) =>
    addStyleOptions(c, { size: String(DEMO_SIZE), iterations: String(DEMO_ITERATIONS) })
      .addOption(stringOption('--out <DIR>', 'Output folder').default('pastiche-demo', 'pastiche-demo'))
      .addOption(
        stringOption('--content <DIR>', 'Content images (class sub-folders give labels) instead of the samples'),
      )
      .addOption(stringOption('-s, --style <IMAGE>', 'Style image (with --content)')),
  examples: [
    'pastiche demo',
    'pastiche demo --out demo --weights ../shared/weights/vgg19-imagenet-uint8',
    'pastiche demo --content photos/ --style starry_night.jpg --size 256',
  ],
  async run({ opts, hint, commandPath }, ctx) {
    const outDir = resolve(ctx.cwd, opts.out);
    const contentArg = opts.content;
    const styleArg = opts.style;
    if ((contentArg === undefined) !== (styleArg === undefined)) {
      throw usageError(`Options --content and --style go together for ${commandPath}`, hint);
    }
    const settings = styleArgs(opts);
    const weightsArg = opts.weights;
    // Everything the demo writes, against what it reads.
    const written = ['content.tfrecord', 'stylized.tfrecord', 'index.html', 'images', 'style.png'].map((f) =>
      join(opts.out, f),
    );
    if (styleArg !== undefined) written.push(join(opts.out, `style${extname(styleArg)}`));
    await guardOutputs({
      cwd: ctx.cwd,
      inputs: [...(styleArg === undefined ? [] : [styleArg]), ...(contentArg === undefined ? [] : [contentArg])],
      ...(contentArg === undefined ? {} : { inputFolders: [contentArg] }),
      outputs: written,
    });
    const started = ctx.now();
    const say = async (line: string): Promise<void> => {
      const w = ctx.stdout.write(`${line}\n`);
      if (w) await w;
    };
    const lib = await import('@pastiche/style');

    // 0. Weights first: without them nothing else is worth doing.
    const download = new DownloadProgress(ctx.stderr, ctx.now);
    const found = await lib.resolveWeights({
      ...(weightsArg === undefined ? {} : { weights: resolve(ctx.cwd, weightsArg) }),
      env: { ...ctx.env },
      signal: ctx.signal,
      onProgress: download.onProgress,
    });
    download.done();
    await say(`weights: ${found.path} (${found.source})`);

    // 1. The images.
    await mkdir(outDir, { recursive: true });
    let contentDir: string;
    let stylePath: string;
    if (contentArg === undefined) {
      const samples = await writeDemoSamples(join(outDir, 'samples'));
      contentDir = samples.content;
      stylePath = samples.style;
      await say(
        `drew 6 sample images (circles/, stripes/) and a style image in ${relative(ctx.cwd, join(outDir, 'samples')) || '.'}`,
      );
    } else {
      contentDir = resolve(ctx.cwd, contentArg);
      stylePath = resolve(ctx.cwd, styleArg!);
    }

    // 2. Images -> the lecture's TFRecord.
    const contentRecord = join(outDir, 'content.tfrecord');
    const converted = await lib.imagesToTFRecord({
      inputs: [contentDir],
      output: contentRecord,
      signal: ctx.signal,
      onSkip: (file, reason) => void ctx.stderr.write(`pastiche: skipped ${file}: ${reason}\n`),
    });
    if (converted.records === 0) throw usageError(`No readable images found in ${contentDir}`, hint);
    const classes = converted.classes;
    await say(
      `1. wrote ${plural(converted.records, 'image')} as the lecture's Examples (label, shape, image) to ${relative(ctx.cwd, contentRecord)}` +
        (classes.length > 0 ? `; labels: ${classes.map((c, i) => `${i}=${c}`).join(', ')}` : ''),
    );

    // 3. Read back through the parse spec, as the lecture does.
    const shapes = new Map<string, number>();
    let readBack = 0;
    for await (const rec of await lib.cs20Records(contentRecord)) {
      readBack++;
      const key = `[${rec.shape.join(', ')}]`;
      shapes.set(key, (shapes.get(key) ?? 0) + 1);
    }
    await say(
      `2. read back ${plural(readBack, 'record')} with FixedLen(int64/string/string) + decodeRaw: shapes ${[...shapes].map(([k, n]) => `${n} x ${k}`).join(', ')}`,
    );

    // 4. Stylise the dataset.
    const stylizedRecord = join(outDir, 'stylized.tfrecord');
    const losses = new Map<number, { content: number; style: number; tv: number; total: number }>();
    let bar: Progress | undefined;
    const result = await lib.stylizeDataset({
      inputs: contentRecord,
      output: stylizedRecord,
      style: stylePath,
      weights: found.path,
      iterations: DEMO_ITERATIONS,
      size: DEMO_SIZE,
      ...settings,
      signal: ctx.signal,
      onStart: (total, kept) => {
        bar = new Progress(ctx.stderr, { label: 'stylize', total: total - kept, unit: 'images', now: ctx.now });
      },
      onRecord: (p) => {
        if (p.losses !== undefined) losses.set(p.index, p.losses);
        bar?.update(p.thisRun);
      },
    });
    bar?.done();
    await say(
      `3. stylised ${plural(result.records, 'image')} into ${relative(ctx.cwd, stylizedRecord)} (${plural(result.sizes, 'graph')} built)`,
    );

    // 5. PNGs of both datasets.
    const images = join(outDir, 'images');
    await rm(images, { recursive: true, force: true });
    const inputs = await lib.tfrecordToImages(contentRecord, join(images, 'content'));
    const outputs = await lib.tfrecordToImages(stylizedRecord, join(images, 'stylized'));
    const stylePreview = join(
      outDir,
      `style${extname(stylePath).toLowerCase() === '.png' ? '.png' : extname(stylePath)}`,
    );
    if (resolve(stylePreview) !== resolve(stylePath)) await copyFile(stylePath, stylePreview);

    // 6. The contact sheet: each input beside its result, with the losses.
    const stylised = await (await lib.imageRecords(stylizedRecord)).toArray();
    const rows: SheetRow[] = inputs.map((img, i) => {
      const rec = stylised[i]!;
      const loss = rec.extra['style/loss'];
      const total = loss?.kind === 'float' ? loss.values[0]! : NaN;
      return {
        input: relative(outDir, img.path),
        output: relative(outDir, outputs[i]!.path),
        label:
          img.label >= 0 && img.label < classes.length ? `${img.label} (${classes[img.label]})` : String(img.label),
        losses: losses.get(i) ?? { total },
      };
    });
    const settingsFeature = stylised[0]?.extra['style/settings'];
    const settingsText =
      settingsFeature?.kind === 'bytes'
        ? JSON.stringify(JSON.parse(new TextDecoder().decode(settingsFeature.values[0])), null, 2)
        : '';
    const sheet = join(outDir, 'index.html');
    await writeFileAtomic(
      sheet,
      new TextEncoder().encode(
        contactSheet('pastiche demo: the CS20 lecture end to end', relative(outDir, stylePreview), settingsText, rows),
      ),
    );
    await say(
      `4. wrote ${plural(inputs.length + outputs.length, 'PNG')} to ${relative(ctx.cwd, images)} and the contact sheet ${relative(ctx.cwd, sheet)}`,
    );
    await say(`done in ${formatDuration((ctx.now() - started) / 1000)}`);
    return 0;
  },
});
