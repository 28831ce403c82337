// A node:test reporter that writes one JSON object: how many tests passed, failed and
// were skipped, and why each skip happened. scripts/test.mjs prints it as a summary, so a
// run without ../shared or Chromium cannot be mistaken for a full one.
export default async function* summary(source) {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  const reasons = new Map();
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { data } = event;
    const skipped = data.skip !== undefined && data.skip !== false;
    // Suites and the per-file wrappers are containers, not tests: they count only when
    // a whole suite is skipped or a file fails outside its tests (an import that throws).
    const container = data.details?.type === 'suite' || data.name === data.file;
    if (container && !skipped && !(data.name === data.file && event.type === 'test:fail')) continue;
    if (skipped) {
      counts.skipped++;
      const reason = typeof data.skip === 'string' ? data.skip.replace(/^SKIPPED: /, '') : 'skipped';
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    } else if (event.type === 'test:pass') counts.passed++;
    else counts.failed++;
  }
  yield `${JSON.stringify({ ...counts, reasons: Object.fromEntries(reasons) })}\n`;
}
