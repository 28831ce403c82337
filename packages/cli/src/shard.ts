/**
 * `--shard i/n` and `--shard auto`: which part of a dataset this process
 * writes, for the commands that write datasets (stylize-dataset, tfrecord
 * from-images, tfrecord convert).
 *
 * The split is the same everywhere: the input records (or image files, in
 * listing order) are numbered p = 0, 1, 2, ... over all inputs in order, and
 * worker i of n takes those with p mod n == i, writing the single file
 * `<prefix>-SSSSS-of-NNNNN<suffix>` with SSSSS = i (TensorFlow's shard name).
 * This is the rule of `--shards N` on one machine, so n workers produce the
 * same shard set one process would. Workers need no coordination, and a
 * failed worker is re-run alone.
 *
 * `auto` reads the index and count that batch schedulers give each task:
 * Kubernetes Indexed Jobs (`JOB_COMPLETION_INDEX`), Slurm job arrays
 * (`SLURM_ARRAY_TASK_ID` - `SLURM_ARRAY_TASK_MIN`, divided by
 * `SLURM_ARRAY_TASK_STEP` when set, and `SLURM_ARRAY_TASK_COUNT`), Google
 * Cloud Batch (`BATCH_TASK_INDEX`, `BATCH_TASK_COUNT`) and AWS Batch array
 * jobs (`AWS_BATCH_JOB_ARRAY_INDEX`). Kubernetes and AWS Batch do not tell a
 * task the count, so it comes from `--shard-count N` or `PASTICHE_SHARD_COUNT`.
 * When several schedulers' variables are set, the first in that order wins.
 */
import { usageError } from './errors.js';
import { customOption, integerOption, invalidOption } from './options.js';

/** One worker's part: shard `index` (0-based) of `count` (1..99999). */
export interface Shard {
  index: number;
  count: number;
}

/** The value of `--shard`: an explicit part, or `auto` (from the scheduler's environment). */
export type ShardArg = Shard | 'auto';

/** The largest shard count TensorFlow's five-digit shard names allow. */
export const MAX_SHARDS = 99999;

/** Parses `--shard` text: `auto`, or `i/n` with 0 <= i < n <= 99999. */
export function parseShardArg(text: string, flag: string): ShardArg {
  if (text === 'auto') return 'auto';
  const m = /^(\d{1,5})\/(\d{1,5})$/.exec(text);
  const index = m === null ? Number.NaN : Number(m[1]);
  const count = m === null ? Number.NaN : Number(m[2]);
  if (!(count >= 1 && index < count)) throw invalidOption(flag, 'auto or i/n with 0 <= i < n <= 99999', text);
  return { index, count };
}

/** Adds `--shard <i/n|auto>` and `--shard-count <N>` to a command. */
export function shardOptions() {
  return [
    customOption(
      '--shard <i/n|auto>',
      'Write part i of n (0-based; records i, i+n, ...); auto: from the batch scheduler',
      parseShardArg,
    ),
    integerOption('--shard-count <N>', 'Shard count for --shard auto on Kubernetes or AWS Batch', {
      min: 1,
      max: MAX_SHARDS,
    }),
  ] as const;
}

/** A scheduler whose environment `--shard auto` reads. */
interface Scheduler {
  name: string;
  /** The variable whose presence selects this scheduler. */
  indexVar: string;
  /** The variable giving the count, or undefined when it comes from --shard-count / PASTICHE_SHARD_COUNT. */
  countVar: string | undefined;
}

const SCHEDULERS: readonly Scheduler[] = [
  { name: 'Kubernetes Indexed Job', indexVar: 'JOB_COMPLETION_INDEX', countVar: undefined },
  { name: 'Slurm job array', indexVar: 'SLURM_ARRAY_TASK_ID', countVar: 'SLURM_ARRAY_TASK_COUNT' },
  { name: 'Google Cloud Batch', indexVar: 'BATCH_TASK_INDEX', countVar: 'BATCH_TASK_COUNT' },
  { name: 'AWS Batch array job', indexVar: 'AWS_BATCH_JOB_ARRAY_INDEX', countVar: undefined },
];

/** The message when `--shard auto` finds no scheduler. */
export const NO_SCHEDULER_MESSAGE =
  '--shard auto found no shard index in the environment: expected JOB_COMPLETION_INDEX (Kubernetes Indexed Job), ' +
  'SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT (Slurm job array), ' +
  'BATCH_TASK_INDEX with BATCH_TASK_COUNT (Google Cloud Batch) or AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch array job); ' +
  'the count for Kubernetes and AWS Batch comes from --shard-count N or PASTICHE_SHARD_COUNT; or give --shard i/n';

/** An environment variable as a non-negative integer, or the standard error naming it and the scheduler. */
function envInteger(env: Readonly<Record<string, string | undefined>>, name: string, where: string, min = 0): number {
  const text = env[name] ?? '';
  const n = /^\d{1,15}$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!(n >= min)) {
    throw usageError(`Expected integer of at least ${min} for ${name} (${where}) but received ${text} of type string`);
  }
  return n;
}

/** The shard resolved from the command line and environment, with where it came from (for messages). */
export interface ResolvedShard extends Shard {
  /** `--shard 1/4`, or e.g. `SLURM_ARRAY_TASK_ID=5 (Slurm job array)`. */
  source: string;
}

/**
 * The shard this process writes, or undefined when `--shard` is absent.
 * Throws usage errors (exit 2) with exact messages: no scheduler found
 * ({@link NO_SCHEDULER_MESSAGE}), a count missing or in disagreement, an index out of range, a value that
 * is not an integer.
 */
export function resolveShard(
  arg: ShardArg | undefined,
  shardCount: number | undefined,
  env: Readonly<Record<string, string | undefined>>,
): ResolvedShard | undefined {
  if (arg === undefined) {
    if (shardCount !== undefined) throw usageError('Option --shard-count goes with --shard auto');
    return undefined;
  }
  if (arg !== 'auto') {
    if (shardCount !== undefined) throw usageError('Option --shard-count goes with --shard auto, not --shard i/n');
    return { ...arg, source: `--shard ${arg.index}/${arg.count}` };
  }
  const s = SCHEDULERS.find((x) => env[x.indexVar] !== undefined && env[x.indexVar] !== '');
  if (s === undefined) throw usageError(NO_SCHEDULER_MESSAGE);
  let index = envInteger(env, s.indexVar, s.name);
  let source = `${s.indexVar}=${env[s.indexVar]} (${s.name})`;
  if (s.indexVar === 'SLURM_ARRAY_TASK_ID') {
    // Arrays need not start at 0 (--array=1-8) and may step (--array=0-15:4).
    const min = envInteger(env, 'SLURM_ARRAY_TASK_MIN', s.name);
    const step = env.SLURM_ARRAY_TASK_STEP === undefined ? 1 : envInteger(env, 'SLURM_ARRAY_TASK_STEP', s.name, 1);
    if (index < min || (index - min) % step !== 0) {
      throw usageError(
        `--shard auto: SLURM_ARRAY_TASK_ID=${index} is not on the array's range from SLURM_ARRAY_TASK_MIN=${min} in steps of ${step}`,
      );
    }
    index = (index - min) / step;
    source = `SLURM_ARRAY_TASK_ID=${env.SLURM_ARRAY_TASK_ID} - SLURM_ARRAY_TASK_MIN=${min} (${s.name})`;
  }
  let count: number;
  let countSource: string;
  if (s.countVar !== undefined) {
    if (env[s.countVar] === undefined || env[s.countVar] === '') {
      throw usageError(`--shard auto: ${source} gives the shard index but ${s.countVar} is not set`);
    }
    count = envInteger(env, s.countVar, s.name, 1);
    countSource = `${s.countVar}=${count}`;
    if (shardCount !== undefined && shardCount !== count) {
      throw usageError(`--shard auto: --shard-count ${shardCount} disagrees with ${countSource} (${s.name})`);
    }
  } else if (shardCount !== undefined) {
    count = shardCount;
    countSource = `--shard-count ${shardCount}`;
  } else if (env.PASTICHE_SHARD_COUNT !== undefined && env.PASTICHE_SHARD_COUNT !== '') {
    count = envInteger(env, 'PASTICHE_SHARD_COUNT', 'shard count', 1);
    countSource = `PASTICHE_SHARD_COUNT=${count}`;
  } else {
    throw usageError(
      `--shard auto: ${source} gives the shard index but not the count; give --shard-count N or set PASTICHE_SHARD_COUNT`,
    );
  }
  if (count > MAX_SHARDS) {
    throw usageError(`--shard auto: ${countSource} is more than ${MAX_SHARDS} shards`);
  }
  if (index >= count) {
    throw usageError(
      `--shard auto: shard index ${index} from ${source} is out of range for ${countSource} (expected 0..${count - 1})`,
    );
  }
  return { index, count, source };
}

/** Whether position `p` (0-based, over all inputs in order) belongs to `shard`. */
export function inShard(p: number, shard: Shard): boolean {
  return p % shard.count === shard.index;
}
