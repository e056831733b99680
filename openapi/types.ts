/**
 * Short names for the types generated from openapi/ricloud-v3.yaml (never edit ricloud-v3.d.ts by hand:
 * change the spec and run `npm run gen`).
 * @example
 * import type { RequestBody, Session } from '../openapi/types.ts';
 * const body: RequestBody<'createUser'> = { identifier: 'end-user@example.com' };
 */
import type { components, operations, paths } from './ricloud-v3.d.ts';

export type { components, operations, paths };

export type DataType = components['schemas']['DataType'];
export type InfoTypeRequest = components['schemas']['InfoTypeRequest'];
export type SeqId = components['schemas']['SeqId'];
export type SeqIdInput = components['schemas']['SeqIdInput'];
export type Uuid = components['schemas']['Uuid'];
export type DateTime = components['schemas']['DateTime'];
export type OrganisationState = components['schemas']['OrganisationState'];
export type KeyState = components['schemas']['KeyState'];
export type UserState = components['schemas']['UserState'];
export type SourceState = components['schemas']['SourceState'];
export type SessionState = components['schemas']['SessionState'];
export type SessionFailureError = components['schemas']['SessionFailureError'];
export type SessionExpiryTrigger = components['schemas']['SessionExpiryTrigger'];
export type PollState = components['schemas']['PollState'];
export type TaskState = components['schemas']['TaskState'];
export type ResultState = components['schemas']['ResultState'];
export type EventState = components['schemas']['EventState'];
export type ConfigState = components['schemas']['ConfigState'];
export type SubscriptionState = components['schemas']['SubscriptionState'];
export type Error = components['schemas']['Error'];
export type ScopeLimit = components['schemas']['ScopeLimit'];
export type Scopes = components['schemas']['Scopes'];
export type ListBase = components['schemas']['ListBase'];
export type OrganisationPermissions = components['schemas']['OrganisationPermissions'];
export type Organisation = components['schemas']['Organisation'];
export type Key = components['schemas']['Key'];
export type User = components['schemas']['User'];
export type Source = components['schemas']['Source'];
export type Session = components['schemas']['Session'];
export type PollError = components['schemas']['PollError'];
export type Poll = components['schemas']['Poll'];
export type Task = components['schemas']['Task'];
export type SignedUrl = components['schemas']['SignedUrl'];
export type Result = components['schemas']['Result'];
export type Event = components['schemas']['Event'];
export type StorageConfig = components['schemas']['StorageConfig'];
export type WebhookConfig = components['schemas']['WebhookConfig'];
export type Permissions = components['schemas']['Permissions'];
export type Subscription = components['schemas']['Subscription'];
export type FileReference = components['schemas']['FileReference'];
export type DataResult = components['schemas']['DataResult'];
export type UserList = components['schemas']['UserList'];
export type KeyList = components['schemas']['KeyList'];
export type SourceList = components['schemas']['SourceList'];
export type SessionList = components['schemas']['SessionList'];
export type PollList = components['schemas']['PollList'];
export type TaskList = components['schemas']['TaskList'];
export type ResultList = components['schemas']['ResultList'];
export type EventList = components['schemas']['EventList'];
export type StorageConfigList = components['schemas']['StorageConfigList'];
export type WebhookConfigList = components['schemas']['WebhookConfigList'];
export type PermissionsList = components['schemas']['PermissionsList'];
export type SubscriptionList = components['schemas']['SubscriptionList'];
export type PollErrorList = components['schemas']['PollErrorList'];

/** Every operationId of the spec. */
export type OperationId = keyof operations;
/** One operation of the spec, by operationId. */
export type Op<Id extends OperationId> = operations[Id];

type JsonContent<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;

/** The JSON request body of an operation (`never` when it takes none). */
export type RequestBody<Id extends OperationId> = JsonContent<NonNullable<operations[Id]['requestBody']>>;
/** The query parameters of an operation (`never` when it takes none). */
export type Query<Id extends OperationId> = NonNullable<operations[Id]['parameters']['query']>;
/** The path parameters of an operation. */
export type PathParams<Id extends OperationId> = NonNullable<operations[Id]['parameters']['path']>;
/** The JSON body of one response of an operation, e.g. `ResponseBody<'createUser', 201>`. */
export type ResponseBody<
  Id extends OperationId,
  Status extends keyof operations[Id]['responses'],
> = JsonContent<operations[Id]['responses'][Status]>;
/** The error codes of the catalogue. */
export type ErrorCode = ErrorBody['error'];
type ErrorBody = components['schemas']['Error'];
