/**
 * The /ai API's wire shapes, in one place for both ends: the services that answer them and the
 * frontend that reads them. The browser bundles this package from source, so it imports
 * nothing and holds only types and plain constants.
 */
export { JOB_STATUSES, FINAL_STATUSES, type JobStatus, type JobErrorInfo, type JobView, type JobPage } from './jobs';
export type { JobStatusChange, JobEventData, PositionEventData } from './events';
export type { ToolDescription, CatalogTool, ToolsAnswer } from './tools';
export type { ExecuteAnswer } from './execute';
export type { ActionPlan, PlanAnswer, PlanRequest, PlannedBy } from './plan';
