/** Optimisers in TypeScript over Float32Array: TF-style Adam and L-BFGS with a strong Wolfe line search. */
export type { Bounds, LossAndGradient, Objective, Optimizer } from './types.js';
export { project } from './types.js';
export { Adam } from './adam.js';
export type { AdamOptions } from './adam.js';
export { LBFGS } from './lbfgs.js';
export type { LBFGSOptions } from './lbfgs.js';
export { strongWolfe, cubicMinimum } from './linesearch.js';
export type { LineSearchOptions, LineSearchResult, Trial } from './linesearch.js';
export { minimize } from './minimize.js';
export type { MinimizeOptions } from './minimize.js';
export { dot, normInf } from './vector.js';
export { smoothingPreconditioner } from './smooth.js';
export type { Preconditioner } from './smooth.js';
