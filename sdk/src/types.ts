import type { paths } from './generated/openapi.js';

/**
 * Types read off the generated OpenAPI types, so every method's request and answer follow the
 * server's schemas: change a route schema, regenerate, and a mismatch here fails to compile.
 */
export type Path = keyof paths;
export type Method = 'get' | 'put' | 'post' | 'delete' | 'patch';

type Operation<P extends Path, M extends Method> = NonNullable<paths[P][M]>;

/** Paths that answer `method`. */
export type PathWith<M extends Method> = { [P in Path]: paths[P][M] extends undefined | never ? never : P }[Path];

export type JsonBody<P extends Path, M extends Method> =
  Operation<P, M> extends { requestBody: { content: { 'application/json': infer B } } }
    ? B
    : Operation<P, M> extends { requestBody?: { content: { 'application/json': infer B } } }
      ? B | undefined
      : undefined;

export type PathParams<P extends Path, M extends Method> = Operation<P, M> extends { parameters: { path: infer T } } ? T : undefined;
export type QueryParams<P extends Path, M extends Method> = Operation<P, M> extends { parameters: { query?: infer T } } ? T : undefined;

type SuccessStatus = 200 | 201 | 202;
type Responses<P extends Path, M extends Method> = Operation<P, M> extends { responses: infer R } ? R : never;

/** The JSON body of a 2xx answer (undefined when the answer has none). */
export type SuccessBody<P extends Path, M extends Method> = {
  [S in keyof Responses<P, M> & SuccessStatus]: Responses<P, M>[S] extends { content: { 'application/json': infer R } } ? R : undefined;
}[keyof Responses<P, M> & SuccessStatus];

type AuthorizeBody = JsonBody<'/v1/orgs/{org}/ai/authorize', 'post'>;
/** An AI module of the plan catalogue (assistant, reports …). */
export type Feature = NonNullable<AuthorizeBody>['feature'];
export type Authorization = SuccessBody<'/v1/orgs/{org}/ai/authorize', 'post'>;
export type UsageRequest = NonNullable<JsonBody<'/v1/orgs/{org}/ai/usage', 'post'>>;
export type UsageRecorded = SuccessBody<'/v1/orgs/{org}/ai/usage', 'post'>;
