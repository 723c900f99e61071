import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';

/**
 * The contract test: every answer the test suite receives over HTTP is checked against the OpenAPI
 * document of the app that gave it (the status is listed for that operation, the media type is one
 * the status lists, a JSON body matches its schema). The harness runs every answer through
 * `violationsOf`; an answer the document does not describe fails the test that received it.
 */

/** One answer as received: what was asked, and what came back. */
export interface Answer {
  readonly method: string;
  /** The request path, with its query string if any. */
  readonly url: string;
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: string;
}

interface MediaType {
  readonly schema?: unknown;
}
interface Response {
  readonly content?: Record<string, MediaType>;
}
interface Operation {
  readonly operationId?: string;
  readonly responses?: Record<string, Response>;
}
export interface OpenApiDocument {
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components?: { readonly schemas?: Record<string, unknown> };
}

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = addFormatsPlugin as unknown as (ajv: Ajv) => Ajv;

const isJson = (mediaType: string) => mediaType === 'application/json' || mediaType.endsWith('+json');

/** A document path template (`/v1/orgs/{org}/usage.csv`) as a regular expression over request paths. */
function templatePattern(template: string): RegExp {
  const source = template
    .split('/')
    .map((segment) => (/^\{[^}]+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}

/** How specific a template is: static segments win over parameters, as in the router. */
const specificity = (template: string) => template.split('/').map((segment) => (segment.startsWith('{') ? '1' : '0')).join('');

export class ContractChecker {
  private readonly ajv: Ajv;
  private readonly templates: { template: string; pattern: RegExp }[];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(readonly document: OpenApiDocument) {
    this.ajv = addFormats(new Ajv({ strict: false, allErrors: true, validateFormats: true }));
    this.ajv.addFormat('binary', true);
    this.templates = Object.keys(document.paths)
      .sort((a, b) => specificity(a).localeCompare(specificity(b)))
      .map((template) => ({ template, pattern: templatePattern(template) }));
  }

  /** The document's path template for a request path, or undefined when it documents none. */
  templateOf(pathname: string): string | undefined {
    return this.templates.find(({ pattern }) => pattern.test(pathname))?.template;
  }

  /** A validator for a schema of the document; its `#/components/...` references resolve in the document. */
  private validator(key: string, schema: unknown): ValidateFunction {
    let validate = this.validators.get(key);
    if (validate === undefined) {
      validate = this.ajv.compile({ allOf: [schema], components: this.document.components ?? {} });
      this.validators.set(key, validate);
    }
    return validate;
  }

  /** Why the answer is not what the document says, or [] when it is. */
  violationsOf(answer: Answer): string[] {
    const pathname = answer.url.split('?')[0] ?? '';
    const method = answer.method.toLowerCase();
    const mediaType = (answer.contentType ?? '').split(';')[0]!.trim().toLowerCase();
    const template = this.templateOf(pathname);
    const operation = template === undefined ? undefined : this.document.paths[template]?.[method === 'head' ? 'get' : method];
    const name = `${answer.method} ${template ?? pathname}`;
    if (operation === undefined) {
      // Paths the document does not describe (the web app, the API reference, a wrong method):
      // only their failures are bound, to be problems like every other.
      if (answer.status < 400) return [];
      return this.bodyViolations({ name, answer, mediaType, key: 'Problem', schema: { $ref: '#/components/schemas/Problem' }, expected: ['application/problem+json'] });
    }
    const responses = operation.responses ?? {};
    const response = responses[String(answer.status)] ?? responses[`${String(answer.status)[0]}XX`] ?? responses.default;
    if (response === undefined) return [`${name} answered ${answer.status}, which the document does not list (it lists ${Object.keys(responses).join(', ')})`];
    if (response.content === undefined) {
      return answer.body === '' ? [] : [`${name} answered ${answer.status} with a ${mediaType || 'untyped'} body where the document says there is none`];
    }
    // A HEAD answer has the GET's headers and no body.
    if (method === 'head') return [];
    const media = response.content[mediaType];
    if (media === undefined || media.schema === undefined) {
      return media === undefined ? [`${name} answered ${answer.status} as "${answer.contentType ?? ''}", not ${Object.keys(response.content).join(' or ')} as the document says`] : [];
    }
    return this.bodyViolations({ name, answer, mediaType, key: `${method} ${template} ${answer.status} ${mediaType}`, schema: media.schema, expected: Object.keys(response.content) });
  }

  private bodyViolations(options: { name: string; answer: Answer; mediaType: string; key: string; schema: unknown; expected: string[] }): string[] {
    const { name, answer, mediaType } = options;
    if (!options.expected.includes(mediaType)) return [`${name} answered ${answer.status} as "${answer.contentType ?? ''}", not ${options.expected.join(' or ')} as the document says`];
    if (!isJson(mediaType)) return [];
    let body: unknown;
    try {
      body = JSON.parse(answer.body);
    } catch {
      return [`${name} answered ${answer.status} with a ${mediaType} body that is not JSON: ${answer.body.slice(0, 200)}`];
    }
    const validate = this.validator(options.key, options.schema);
    if (validate(body)) return [];
    const errors = (validate.errors ?? []).slice(0, 5).map((error) => `${error.instancePath || '(body)'} ${error.message ?? ''}`);
    return [`${name} answered ${answer.status} with a body the document's schema refuses: ${errors.join('; ')}; body: ${answer.body.slice(0, 300)}`];
  }
}

/** Checkers by document text: every harness of a worker serves one of a few documents. */
const checkers = new Map<string, ContractChecker>();
/** The same, by the document object an app hands out (it keeps one): no serializing per answer. */
const checkersByDocument = new WeakMap<OpenApiDocument, ContractChecker>();

export function checkerFor(document: OpenApiDocument): ContractChecker {
  let checker = checkersByDocument.get(document);
  if (checker !== undefined) return checker;
  const key = JSON.stringify(document);
  checker = checkers.get(key) ?? new ContractChecker(document);
  checkers.set(key, checker);
  checkersByDocument.set(document, checker);
  return checker;
}
