/** One lifecycle for every long-lived component: states, idempotent stop, `closed`, stop steps, `delay`. */
export { delay } from './delay.ts';
export { Lifecycle, type Component, type LifecycleState } from './lifecycle.ts';
export { runStopSteps, type StopStep, type StopStepsOptions } from './stop-steps.ts';
