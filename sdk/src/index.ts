// The package's public surface (its only entry point): the client, its errors and its types.
export { createClient, type ClientOptions, type CallOptions, type LoupeClient, type RequestInput } from './client.js';
export { CreditsDenied, LoupeApiError, LoupeError, LoupeNetworkError, LoupeTimeoutError, UsageNotRecorded, type DenialReason, type Problem } from './errors.js';
export type { CreditStream, CreditsRequest, Hold, Metered, TokenMeter } from './with-credits.js';
export type { RetryOptions } from './retry.js';
export { UsageBufferClosed, UsageBufferFull, type BufferedEvent, type UsageBuffer, type UsageBufferOptions, type UsageEvent, type UsageEventResult } from './usage-buffer.js';
export type { RetryMode } from './transport.js';
export type { Authorization, Feature, JsonBody, Method, Path, PathWith, QueryParams, SuccessBody, UsageRecorded, UsageRequest } from './types.js';
export type { components, paths } from './generated/openapi.js';
