/** The release use cases every surface (Slack, CLI, sweeper) calls. */

export type { OperationDone, ReleaseDeps } from './context.js';
export { deploy } from './deploy.js';
export { adopt, reconcile } from './drift.js';
export { clearHeaderRoute, setHeaderRoute } from './header-route.js';
export { promote } from './promote.js';
export { rollback } from './rollback.js';
export { type ApprovalRequired, shiftWeight } from './shift-weight.js';
export { getHistory, getStatus, type ReleaseStatus } from './status.js';
export { teardown } from './teardown.js';
export { cancelTeardown, extendTeardown } from './teardown-schedule.js';
