/**
 * `@pastiche/studio`: a local web app for style transfer and TFRecord
 * datasets. `startStudio()` serves it; the `pastiche studio` command prints
 * its `url` and waits for a signal.
 */
export { startStudio } from './server/start.js';
export type { Studio, StudioOptions } from './server/start.js';
export { StudioError, isStudioError } from './errors.js';
export type { StudioErrorCode, StudioErrorOptions } from './errors.js';
export type { Capabilities } from './server/capabilities.js';
export type { RunRecord, RunStatus, RunKind } from './server/runs.js';
