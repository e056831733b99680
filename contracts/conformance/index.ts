// The conformance kit's library surface (`import { runClientConformance } from 'ricloud-mock/conformance'`): run the
// catalogues, render reports.

export { type ClientConformanceOptions, runClientConformance, UsageError } from './client.ts';
export { CLIENT_CHECK_NAMES, CLIENT_CHECKS, type ClientCheck, type TaskName } from './client-checks.ts';
export {
  RECEIVER_CHECK_NAMES,
  RECEIVER_CHECKS,
  type ReceiverConformanceOptions,
  runReceiverConformance,
} from './receiver.ts';
export { type CheckResult, type ConformanceReport, renderJson, renderJUnit, renderTable } from './report.ts';
