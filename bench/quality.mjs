#!/usr/bin/env node
// Time to quality: runs a whole style transfer as a separate command (a child
// process: start-up, weights, graphs, targets, optimisation, writing the PNG),
// times it until the output file exists, and scores the output with
// neural-style's objective (scoreImage: content relu4_2 mean squared x5, style
// relu1_1..relu5_1 mean squared of Gram/(CHW) differences x100, max pooling,
// Lanczos-3 resizing), next to neural-style's own output where there is one.
// Not a test. Build first (npm run build).
//
//   node bench/quality.mjs                        # golden_gate + the_scream, 512 px, default preset
//   node bench/quality.mjs --style starry_night.jpg,the_scream.jpg --blend 5,5
//   node bench/quality.mjs --options '{"scales":1,"iterations":150}'   # any stylize options (JSON)
//   node bench/quality.mjs --cli                  # time `pastiche stylize` instead of a library call
//
// JSON lines on stdout:
//   quality_eval_512  seconds of one single-scale evaluation (loss + gradient, default
//       loss) at the output size, median of --eval-runs after a warm-up, measured in this
//       run before and after the command (`when`): their mean is the unit of
//       evaluation_equivalents.
//   quality_reference  the reference image's score (golden_gate + the_scream only).
//   quality_run  wall_seconds of the command; evaluation_equivalents = wall_seconds /
//       the unit above (everything the command did, start-up included); work = the
//       library's own count (sum over optimiser evaluations of pixels / output pixels,
//       the final evaluation of the written image included); the score; ratios to the
//       reference (total, style, content) and pass = total <= 1 and style <= 1 and
//       content <= 1.25 (neural-style quality); the schedule and notes; phases = seconds
//       since the child process started at each setup step (weights, graphs, targets), at
//       each scale's first iteration, after the optimisation and after writing.
// The machine is shared: compare figures within one run.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const shared = join(root, '..', 'shared');
const images = join(shared, 'data/images');
const { values } = parseArgs({
  options: {
    content: { type: 'string', default: 'golden_gate.jpg' },
    style: { type: 'string', default: 'the_scream.jpg' },
    blend: { type: 'string' },
    size: { type: 'string', default: '512' },
    options: { type: 'string', default: '{}' },
    weights: { type: 'string', default: join(shared, 'weights/vgg19-imagenet-uint8/model.json') },
    out: { type: 'string' },
    cli: { type: 'boolean', default: false },
    'eval-runs': { type: 'string', default: '3' },
    'no-eval': { type: 'boolean', default: false },
    child: { type: 'boolean', default: false },
  },
});
const inFolder = (folder, name) => (name.includes('/') ? name : join(images, folder, name));
const content = inFolder('content', values.content);
const styles = values.style.split(',').map((s) => inFolder('style', s));
const blend = values.blend?.split(',').map(Number);
const size = Number(values.size);

if (values.child) {
  // The command being timed: a plain library run that writes the best image.
  const { stylize, saveImage } = await import('@pastiche/style');
  // Seconds since the process started (performance.now's origin), per phase: where the time outside the evaluations goes.
  const phases = [];
  const mark = (what) => phases.push({ s: +(performance.now() / 1000).toFixed(2), what });
  mark('library imported');
  let scaleSeen = 0;
  const r = await stylize({
    onStatus: (m) => mark(m),
    onProgress: (e) => {
      if (e.scale !== scaleSeen) {
        scaleSeen = e.scale;
        mark(`scale ${e.scale}: first iteration ${e.iteration} done (${e.evaluations} evaluations)`);
      }
    },
    content,
    style: styles,
    weights: values.weights,
    size,
    ...(blend === undefined ? {} : { styleBlendWeights: blend }),
    ...JSON.parse(values.options),
  });
  mark(`optimised (${r.evaluations} evaluations)`);
  await saveImage(values.out, r.best.data, r.best.width, r.best.height);
  mark('written');
  const last = r.history[r.history.length - 1];
  // Per scale: the losses after its first and last step (what each scale handed on).
  const perScale = r.settings.schedule.map((st, k) => {
    const recs = r.history.filter((h) => h.scale === k + 1);
    const pick = (h) =>
      h && {
        iteration: h.iteration,
        content: +h.content.toPrecision(4),
        style: +h.style.toPrecision(4),
        total: +h.total.toPrecision(4),
      };
    return {
      scale: k + 1,
      width: st.width,
      height: st.height,
      steps: recs.length - (k === 0 ? 1 : 0),
      first: pick(recs[0]),
      last: pick(recs[recs.length - 1]),
      totals: recs.map((h) => +h.total.toPrecision(3)),
    };
  });
  process.stdout.write(
    `${JSON.stringify({ work: r.work, evaluations: r.evaluations, iterations: last.iteration, final: r.final, schedule: r.settings.schedule, perScale, notes: r.notes, phases })}\n`,
  );
  process.exit(0);
}

if (!existsSync(values.weights)) {
  console.log(JSON.stringify({ skipped: `weights absent: ${values.weights}` }));
  process.exit(0);
}
const style = await import('@pastiche/style');
const weights = await style.loadWeights(values.weights);
const round = (v, d = 3) => +v.toPrecision(d + 1);

const contentInfo = await style.loadImage(content, { maxSide: size });
const { width, height } = contentInfo;

// One single-scale evaluation at the output size with the default loss, the unit of time:
// measured before and after the run (the machine is shared; load drifts), ee uses their mean.
const measureUnit = async (when) => {
  const loss = style.DEFAULT_PRESET.loss;
  const model = await style.StyleModel.create({ weights, width, height, loss: { ...loss } });
  const ct = await model.contentTargets(contentInfo.data);
  const st = await model.styleTargets(contentInfo.data, height, width);
  const times = [];
  for (let i = 0; i <= Number(values['eval-runs']); i++) {
    const t = performance.now();
    await model.evaluate(contentInfo.data, ct, st);
    if (i > 0) times.push((performance.now() - t) / 1000);
  }
  await model.release();
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(
    JSON.stringify({ bench: `quality_eval_${size}`, when, width, height, seconds: round(median), runs: times.length }),
  );
  return median;
};
const unitBefore = values['no-eval'] ? undefined : await measureUnit('before');

const score = (image) =>
  style.scoreImage({
    image,
    content,
    style: styles,
    weights,
    ...(blend === undefined ? {} : { styleBlendWeights: blend }),
  });

let reference;
const refPath = join(images, 'reference/jcjohnson-golden_gate_scream.png');
if (values.content === 'golden_gate.jpg' && values.style === 'the_scream.jpg' && existsSync(refPath)) {
  reference = await score(refPath);
  console.log(
    JSON.stringify({
      bench: 'quality_reference',
      image: 'jcjohnson-golden_gate_scream.png',
      ...Object.fromEntries(Object.entries(reference).map(([k, v]) => [k, round(v)])),
    }),
  );
}

const dir = mkdtempSync(join(tmpdir(), 'pastiche-quality-'));
const out = values.out ?? join(dir, 'out.png');
const args = values.cli
  ? [
      join(root, 'packages/cli/bin/pastiche.js'),
      'stylize',
      content,
      styles.join(','),
      '-o',
      out,
      '--size',
      String(size),
      ...(blend === undefined ? [] : ['--style-blend-weights', blend.join(',')]),
    ]
  : [
      fileURLToPath(import.meta.url),
      '--child',
      '--content',
      content,
      '--style',
      styles.join(','),
      '--size',
      String(size),
      '--out',
      out,
      '--weights',
      values.weights,
      '--options',
      values.options,
      ...(blend === undefined ? [] : ['--blend', blend.join(',')]),
    ];
const t0 = performance.now();
const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
let stdout = '';
child.stdout.on('data', (d) => {
  stdout += d;
});
const code = await new Promise((resolve) => child.on('exit', resolve));
const wall = (performance.now() - t0) / 1000;
if (code !== 0 || !existsSync(out)) {
  console.log(JSON.stringify({ bench: 'quality_run', error: `command exited ${code}` }));
  process.exit(1);
}
const info = values.cli ? {} : JSON.parse(stdout.trim().split('\n').pop());
const unit = unitBefore === undefined ? undefined : (unitBefore + (await measureUnit('after'))) / 2;
const s = await score(out);
const ratio = reference
  ? { total: s.total / reference.total, style: s.style / reference.style, content: s.content / reference.content }
  : undefined;
console.log(
  JSON.stringify({
    bench: 'quality_run',
    content: values.content,
    style: values.style,
    blend: blend ?? null,
    options: JSON.parse(values.options),
    width,
    height,
    wall_seconds: round(wall),
    evaluation_equivalents: unit === undefined ? null : round(wall / unit),
    work: info.work === undefined ? null : round(info.work),
    evaluations: info.evaluations ?? null,
    iterations: info.iterations ?? null,
    score: Object.fromEntries(Object.entries(s).map(([k, v]) => [k, round(v)])),
    ratio: ratio && Object.fromEntries(Object.entries(ratio).map(([k, v]) => [k, round(v)])),
    pass: ratio ? ratio.total <= 1 && ratio.style <= 1 && ratio.content <= 1.25 : null,
    schedule: info.schedule ?? null,
    per_scale: info.perScale ?? null,
    notes: info.notes ?? null,
    phases: info.phases ?? null,
    out: values.out ?? null,
  }),
);
if (values.out === undefined) rmSync(dir, { recursive: true, force: true });
