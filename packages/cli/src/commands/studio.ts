/** `pastiche studio`: the local web app (Pastiche Studio) over the same engine. */
import { resolve } from 'node:path';
import { defineCommand } from '../command.js';
import { flagOption, integerOption, repeatableOption, stringOption } from '../options.js';

/** `pastiche studio`: serve Pastiche Studio on loopback until interrupted. */
export const studioCommand = defineCommand({
  name: 'studio',
  summary: 'open Pastiche Studio, a local web app for style transfer and datasets',
  usage: '[--port N] [--host H] [--workspace DIR] [--logdir DIR]... [--no-open]',
  description: `
Starts a local server and prints one line, 'Pastiche Studio: http://127.0.0.1:N/?token=T',
then serves until SIGINT or SIGTERM. Every request needs that token (the first page
load turns it into a cookie), the Host header must name the bound address, and files
are served only from the workspace folder, where runs are kept as files (image,
settings, losses) so they survive a restart. Binds 127.0.0.1 unless --host says
otherwise. With --logdir, the Logs page shows the TensorBoard runs under DIR (the
event files that --logdir of stylize and stylize-dataset write, or any other), as
they grow, beside the studio's own runs; only files under DIR are read.`,
  options: (c) =>
    c
      .addOption(integerOption('--port <N>', 'TCP port; 0 picks a free one', { min: 0, max: 65535 }).default(0, '0'))
      .addOption(stringOption('--host <H>', 'Address to bind').default('127.0.0.1', '127.0.0.1'))
      .addOption(
        stringOption('--workspace <DIR>', 'Folder of runs and datasets').default(undefined, './pastiche-studio'),
      )
      .addOption(stringOption('--weights <PATH>', 'VGG weights: model.json, a folder holding one, or a Keras .h5'))
      .addOption(repeatableOption('--logdir <DIR>', 'TensorBoard log directory to show on the Logs page; repeatable'))
      .addOption(flagOption('--no-open', 'Do not open a browser')),
  examples: [
    'pastiche studio',
    'pastiche studio --port 8080 --workspace ~/art --no-open',
    'pastiche studio --logdir runs/',
  ],
  async run({ opts }, ctx) {
    const { startStudio } = await import('@pastiche/studio');
    const studio = await startStudio({
      port: opts.port,
      host: opts.host,
      workspace: resolve(ctx.cwd, opts.workspace ?? 'pastiche-studio'),
      open: opts.open !== false,
      signal: ctx.signal,
      ...(opts.weights === undefined ? {} : { weights: resolve(ctx.cwd, opts.weights) }),
      ...(opts.logdir === undefined ? {} : { logdir: opts.logdir.map((d) => resolve(ctx.cwd, d)) }),
    });
    const w = ctx.stdout.write(`Pastiche Studio: ${studio.url}\n`);
    if (w) await w;
    // The address is the user's way in: print it now, not when the command ends.
    await ctx.stdout.flush();
    // Serve until interrupted; closing is the normal end, so the exit code is 0.
    await new Promise<void>((done) => {
      if (ctx.signal.aborted) done();
      else ctx.signal.addEventListener('abort', () => done(), { once: true });
    });
    await studio.close();
    return 0;
  },
});
