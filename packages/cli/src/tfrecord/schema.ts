/**
 * The schema of a set of records as observed: per feature its kinds, value
 * counts, value sizes and how often it is present; for SequenceExamples also
 * the feature lists and their step counts. Used by `tfrecord inspect`.
 */
import type { Example, Feature, FeatureKind, Features, SequenceExample } from '@pastiche/tfrecord/node';

/** Minimum, maximum and sum of a quantity (mean = sum / n). */
export class Range {
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  sum = 0;
  n = 0;

  /** Adds one observation. */
  add(v: number): void {
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    this.sum += v;
    this.n++;
  }

  /** `{min, max, mean}` (mean rounded to 3 decimals), or undefined when empty. */
  toJSON(): { min: number; max: number; mean: number } | undefined {
    if (this.n === 0) return undefined;
    return { min: this.min, max: this.max, mean: Math.round((this.sum / this.n) * 1000) / 1000 };
  }

  /** `5` or `0..10`, `-` when empty. */
  text(unit = ''): string {
    if (this.n === 0) return '-';
    return this.min === this.max ? `${this.min}${unit}` : `${this.min}..${this.max}${unit}`;
  }
}

/** What was seen of one feature. */
export class FeatureStats {
  /** Records (or steps) holding it. */
  present = 0;
  /** How often each kind was seen. */
  readonly kinds = new Map<FeatureKind, number>();
  /** Values per occurrence. */
  readonly values = new Range();
  /** Bytes per value (bytes features only). */
  readonly valueBytes = new Range();

  /** Adds one occurrence. */
  add(f: Feature): void {
    this.present++;
    this.kinds.set(f.kind, (this.kinds.get(f.kind) ?? 0) + 1);
    switch (f.kind) {
      case 'none':
        this.values.add(0);
        return;
      case 'bytes':
        this.values.add(f.values.length);
        for (const b of f.values) this.valueBytes.add(b.length);
        return;
      default:
        this.values.add(f.values.length);
    }
  }

  /** Kinds as `int64` or `int64|none` (most frequent first). */
  kindText(): string {
    return [...this.kinds.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([k]) => k)
      .join('|');
  }
}

/** What was seen of one feature list of a SequenceExample. */
export class FeatureListStats {
  /** Records holding the list. */
  present = 0;
  /** Steps per record holding it. */
  readonly steps = new Range();
  /** Statistics over every step's feature. */
  readonly step = new FeatureStats();

  /** Adds one record's list. */
  add(list: Feature[]): void {
    this.present++;
    this.steps.add(list.length);
    for (const f of list) this.step.add(f);
  }
}

/** The observed schema of many records. */
export class Schema {
  /** Records seen. */
  records = 0;
  /** Examples seen (vs SequenceExamples). */
  examples = 0;
  /** SequenceExamples seen. */
  sequences = 0;
  /** Raw (undecodable or --kind raw) records seen. */
  raw = 0;
  /** TensorBoard Events seen (their features are not Example features). */
  events = 0;
  /** Bytes per record. */
  readonly recordBytes = new Range();
  /** Features of Examples, and the context of SequenceExamples. */
  readonly features = new Map<string, FeatureStats>();
  /** Feature lists of SequenceExamples. */
  readonly featureLists = new Map<string, FeatureListStats>();

  private addFeatures(features: Features): void {
    for (const name of Object.keys(features)) {
      let s = this.features.get(name);
      if (s === undefined) this.features.set(name, (s = new FeatureStats()));
      s.add(features[name]!);
    }
  }

  /** Adds an Example of `bytes` bytes. */
  addExample(ex: Example, bytes: number): void {
    this.records++;
    this.examples++;
    this.recordBytes.add(bytes);
    this.addFeatures(ex.features);
  }

  /** Adds a SequenceExample of `bytes` bytes. */
  addSequenceExample(se: SequenceExample, bytes: number): void {
    this.records++;
    this.sequences++;
    this.recordBytes.add(bytes);
    this.addFeatures(se.context);
    for (const name of Object.keys(se.featureLists)) {
      let s = this.featureLists.get(name);
      if (s === undefined) this.featureLists.set(name, (s = new FeatureListStats()));
      s.add(se.featureLists[name]!);
    }
  }

  /** Adds a record that is not decoded. */
  addRaw(bytes: number): void {
    this.records++;
    this.raw++;
    this.recordBytes.add(bytes);
  }

  /** Adds a TensorBoard Event of `bytes` bytes. */
  addEvent(bytes: number): void {
    this.records++;
    this.events++;
    this.recordBytes.add(bytes);
  }

  /** The kind summary: `Example`, `SequenceExample`, `Event`, `raw` or a mix such as `Example (3), raw (1)`. */
  kindText(): string {
    const parts: Array<[string, number]> = [
      ['Example', this.examples],
      ['SequenceExample', this.sequences],
      ['Event', this.events],
      ['raw', this.raw],
    ];
    const seen = parts.filter(([, n]) => n > 0);
    if (seen.length <= 1) return seen[0]?.[0] ?? 'no records';
    return seen.map(([k, n]) => `${k} (${n})`).join(', ');
  }
}

function sortedNames<T>(m: Map<string, T>): string[] {
  return [...m.keys()].sort();
}

function featureJSON(s: FeatureStats, records: number): Record<string, unknown> {
  return {
    kinds: Object.fromEntries([...s.kinds.entries()].sort((a, b) => b[1] - a[1])),
    present: s.present,
    frequency: records === 0 ? 0 : Math.round((s.present / records) * 10000) / 10000,
    values: s.values.toJSON(),
    ...(s.valueBytes.n > 0 ? { value_bytes: s.valueBytes.toJSON() } : {}),
  };
}

/** The schema as a JSON value (feature names sorted). */
export function schemaToJSON(schema: Schema, files: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {
    files: [...files],
    records: schema.records,
    kinds: {
      example: schema.examples,
      sequence_example: schema.sequences,
      raw: schema.raw,
      ...(schema.events > 0 ? { event: schema.events } : {}),
    },
    record_bytes: schema.recordBytes.toJSON() ?? null,
  };
  const contextKey = schema.sequences > 0 && schema.examples === 0 ? 'context' : 'features';
  const decoded = schema.examples + schema.sequences;
  out[contextKey] = Object.fromEntries(
    sortedNames(schema.features).map((n) => [n, featureJSON(schema.features.get(n)!, decoded)]),
  );
  if (schema.sequences > 0) {
    out['feature_lists'] = Object.fromEntries(
      sortedNames(schema.featureLists).map((n) => {
        const s = schema.featureLists.get(n)!;
        return [
          n,
          {
            present: s.present,
            frequency: Math.round((s.present / schema.sequences) * 10000) / 10000,
            steps: s.steps.toJSON(),
            ...featureJSON(s.step, s.step.present),
            present_steps: s.step.present,
          },
        ];
      }),
    );
  }
  return out;
}

function percent(n: number, of: number): string {
  if (of === 0) return '-';
  if (n === of) return '100%';
  const p = (n / of) * 100;
  return `${n}/${of} (${p < 1 ? p.toFixed(2) : p.toFixed(0)}%)`;
}

function table(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  return all
    .map((r) => `  ${r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ')}`.trimEnd())
    .join('\n');
}

function bytesText(s: FeatureStats): string {
  return s.valueBytes.n === 0 ? '' : s.valueBytes.text(' B');
}

/** The schema as human-readable text. */
export function schemaText(schema: Schema, files: readonly string[], describeSize: (n: number) => string): string {
  const lines: string[] = [];
  const where = files.length === 1 ? files[0]! : `${files.length} files`;
  lines.push(
    `${where}: ${schema.records} record${schema.records === 1 ? '' : 's'}, ${schema.kindText()}, ${schema.recordBytes.n === 0 ? '-' : schema.recordBytes.min === schema.recordBytes.max ? describeSize(schema.recordBytes.min) : `${describeSize(schema.recordBytes.min)}..${describeSize(schema.recordBytes.max)}`} per record`,
  );
  const decoded = schema.examples + schema.sequences;
  if (schema.features.size > 0) {
    lines.push('', schema.sequences > 0 && schema.examples === 0 ? 'context:' : 'features:');
    lines.push(
      table(
        ['name', 'kind', 'values', 'present', 'bytes/value'],
        sortedNames(schema.features).map((n) => {
          const s = schema.features.get(n)!;
          return [n, s.kindText(), s.values.text(), percent(s.present, decoded), bytesText(s)];
        }),
      ),
    );
  } else if (decoded > 0) {
    lines.push('', 'features: none');
  }
  if (schema.featureLists.size > 0) {
    lines.push('', 'feature lists:');
    lines.push(
      table(
        ['name', 'kind', 'steps', 'values/step', 'present', 'bytes/value'],
        sortedNames(schema.featureLists).map((n) => {
          const s = schema.featureLists.get(n)!;
          return [
            n,
            s.step.kindText() || '-',
            s.steps.text(),
            s.step.values.text(),
            percent(s.present, schema.sequences),
            bytesText(s.step),
          ];
        }),
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}
