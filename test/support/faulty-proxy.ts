import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP proxy in front of the server that injects network faults into chosen requests:
 * the client sees a reset socket, a late answer or a 429, exactly as from a flaky network or a
 * load balancer. Everything else passes through untouched.
 */
export type Fault =
  /** The server gets and answers the request; the client's connection is cut before the answer. */
  | { kind: 'reset-after-server' }
  /** The connection is cut before the request reaches the server. */
  | { kind: 'reset-before-server' }
  /** The server's answer is held back this long (the client's timeout fires first). */
  | { kind: 'delay'; ms: number }
  /** The proxy answers 429 with this Retry-After without asking the server. */
  | { kind: 'too-many-requests'; retryAfter: string };

interface Rule {
  readonly method: string;
  readonly pathIncludes: string;
  readonly fault: Fault;
  remaining: number;
}

export interface FaultyProxy {
  readonly url: string;
  /** `method path` of every request the proxy received, in order. */
  readonly received: string[];
  /** `method path` of every request that reached the server. */
  readonly forwarded: string[];
  inject(rule: { method: string; pathIncludes: string; fault: Fault; times?: number }): void;
  close(): Promise<void>;
}

export async function startFaultyProxy(upstream: string): Promise<FaultyProxy> {
  const target = new URL(upstream);
  const rules: Rule[] = [];
  const received: string[] = [];
  const forwarded: string[] = [];

  function takeFault(request: IncomingMessage): Fault | undefined {
    const rule = rules.find((candidate) => candidate.remaining > 0 && candidate.method === request.method && (request.url ?? '').includes(candidate.pathIncludes));
    if (!rule) return undefined;
    rule.remaining -= 1;
    return rule.fault;
  }

  function forward(request: IncomingMessage, response: ServerResponse, fault: Fault | undefined): void {
    forwarded.push(`${request.method} ${request.url}`);
    const upstreamRequest = httpRequest(
      { host: target.hostname, port: target.port, method: request.method, path: request.url, headers: request.headers },
      (upstreamResponse) => {
        if (fault?.kind === 'reset-after-server') {
          upstreamResponse.resume();
          upstreamResponse.on('end', () => request.socket.destroy());
          return;
        }
        const send = () => {
          response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
          upstreamResponse.pipe(response);
        };
        if (fault?.kind === 'delay') setTimeout(send, fault.ms);
        else send();
      },
    );
    upstreamRequest.on('error', () => response.destroy());
    request.pipe(upstreamRequest);
  }

  const server: Server = createServer((request, response) => {
    received.push(`${request.method} ${request.url}`);
    const fault = takeFault(request);
    if (fault?.kind === 'reset-before-server') {
      request.socket.destroy();
      return;
    }
    if (fault?.kind === 'too-many-requests') {
      request.resume();
      response.writeHead(429, { 'content-type': 'application/problem+json', 'retry-after': fault.retryAfter });
      response.end(JSON.stringify({ type: 'about:blank', title: 'Too many requests', status: 429, code: 'RATE_LIMITED', detail: 'From the proxy.' }));
      return;
    }
    forward(request, response, fault);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    forwarded,
    inject(rule) {
      rules.push({ method: rule.method, pathIncludes: rule.pathIncludes, fault: rule.fault, remaining: rule.times ?? 1 });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
