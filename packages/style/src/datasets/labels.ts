/**
 * Finding the images of a folder and their labels: from sub-directory names
 * (sorted, as Keras' image_dataset_from_directory does) or from a CSV of
 * `filename,label`.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { StyleError } from '../errors.js';

/** One file found under an input folder. */
export interface ImageFile {
  /** Path as found (input folder joined with the relative path). */
  path: string;
  /** Path relative to its input folder, with '/' separators. */
  relative: string;
  /** Class name, or '' when unlabelled. */
  className: string;
  /** Integer label, or -1 when unlabelled. */
  label: number;
}

/** The files to convert and the label map (index = label). */
export interface ImageListing {
  files: ImageFile[];
  /** Class names; label i is `classes[i]`. Empty when the labels are bare integers. */
  classes: string[];
}

async function walk(dir: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a folder' : (e as Error).message;
    throw new StyleError('IMAGE', `Cannot read folder '${dir}': ${why}`, { file: dir, cause: e });
  }
  for (const e of entries) {
    if (e.name.startsWith('.')) continue; // .DS_Store, editors' temporaries, our own temp files
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if (e.isFile()) out.push(p);
  }
}

/** Every file under `dirs` (hidden files skipped), sorted by relative path within each folder. */
async function listFiles(dirs: readonly string[]): Promise<{ dir: string; path: string; relative: string }[]> {
  const all: { dir: string; path: string; relative: string }[] = [];
  for (const dir of dirs) {
    const found: string[] = [];
    await walk(dir, found);
    const rel = found.map((p) => ({ dir, path: p, relative: relative(dir, p).split(sep).join('/') }));
    rel.sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0));
    all.push(...rel);
  }
  return all;
}

/**
 * Labels from folder names: a file under `DIR/<class>/...` gets class `<class>`;
 * classes are sorted (code-point order) and numbered from 0 across all input
 * folders. Files directly in `DIR` are unlabelled (-1).
 */
export async function listByFolder(dirs: readonly string[]): Promise<ImageListing> {
  const found = await listFiles(dirs);
  const names = new Set<string>();
  for (const f of found) {
    const slash = f.relative.indexOf('/');
    if (slash > 0) names.add(f.relative.slice(0, slash));
  }
  const classes = [...names].sort();
  const index = new Map(classes.map((c, i) => [c, i]));
  const files = found.map((f) => {
    const slash = f.relative.indexOf('/');
    const className = slash > 0 ? f.relative.slice(0, slash) : '';
    return { path: f.path, relative: f.relative, className, label: className === '' ? -1 : index.get(className)! };
  });
  return { files, classes };
}

/** Splits one CSV line, honouring double quotes (RFC 4180). */
function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

/**
 * Labels from a CSV of `filename,label` (an optional header row naming
 * `filename` is skipped). A filename matches a file's path relative to its
 * input folder, or its base name. Labels that are all integers are used as
 * they are; otherwise they are class names, sorted and numbered from 0.
 * Files the CSV does not list are returned in `unlisted` (the CSV itself
 * excepted), and CSV names matching no file in `missing`.
 */
export async function listByCsv(
  dirs: readonly string[],
  csvPath: string,
): Promise<ImageListing & { unlisted: string[]; missing: string[] }> {
  let text: string;
  try {
    text = await readFile(csvPath, 'utf8');
  } catch (e) {
    throw new StyleError('INVALID_OPTION', `Cannot read labels CSV '${csvPath}': ${(e as Error).message}`, {
      file: csvPath,
      cause: e,
    });
  }
  const rows = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    const cells = splitCsv(raw);
    if (i === 0 && cells[0]?.toLowerCase() === 'filename') return;
    if (cells.length !== 2 || cells[0] === '' || cells[1] === '') {
      throw new StyleError(
        'INVALID_OPTION',
        `${csvPath} line ${i + 1}: expected 'filename,label' but found ${JSON.stringify(raw)}`,
        { file: csvPath },
      );
    }
    rows.set(cells[0]!, cells[1]!);
  });
  const values = [...new Set(rows.values())];
  const numeric = values.every((v) => /^-?\d+$/.test(v));
  const classes = numeric ? [] : values.sort();
  const index = new Map(classes.map((c, i) => [c, i]));
  const found = await listFiles(dirs);
  const files: ImageFile[] = [];
  const unlisted: string[] = [];
  const used = new Set<string>();
  const csvAbs = resolve(csvPath);
  for (const f of found) {
    if (resolve(f.path) === csvAbs) continue;
    const key = rows.has(f.relative) ? f.relative : basename(f.path);
    const v = rows.get(key);
    if (v === undefined) {
      unlisted.push(f.path);
      continue;
    }
    used.add(key);
    files.push({
      path: f.path,
      relative: f.relative,
      className: numeric ? '' : v,
      label: numeric ? Number(v) : index.get(v)!,
    });
  }
  const missing = [...rows.keys()].filter((k) => !used.has(k));
  return { files, classes, unlisted, missing };
}

/** The label map as text, one `label:name` line per class (TF-Slim's labels.txt form). */
export function formatLabelMap(classes: readonly string[]): string {
  return classes.map((c, i) => `${i}:${c}\n`).join('');
}
