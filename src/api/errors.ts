// Every error the API answers is JSON `{ "error": { "code", "message" } }`: validation failures name
// the field, TendErrors map to a status by kind, and internal errors never leak a stack trace.
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { isTendError, type ErrorCode, type TendError } from '../errors/catalogue.js';

export interface ErrorBody {
  error: { code: string; message: string };
}

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

export function sendError(
  reply: FastifyReply,
  status: number,
  code: ErrorCode,
  message: string,
): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(errorBody(code, message));
}

/** 404 and 401 are about the request; other config errors mean the desired state forbids it (409). */
export function statusForTendError(err: TendError): number {
  if (err.code === 'TEND_ERR_NOT_FOUND') return 404;
  if (err.code === 'TEND_ERR_AUTH') return 401;
  if (err.code === 'TEND_ERR_USAGE') return 400;
  if (err.kind === 'config') return 409;
  if (err.kind === 'transient') return 503;
  return 500;
}

/** Keeps reflected input short: an error message is not a place to echo a megabyte back. */
function clip(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

interface AjvIssue {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/** "querystring.kind must be one of: Site, Pool, …" — the field first, then what was expected. */
export function describeValidation(context: string, issues: readonly AjvIssue[]): string {
  return issues
    .map((issue) => {
      const field = [context, ...issue.instancePath.split('/').filter(Boolean)].join('.');
      if (issue.keyword === 'additionalProperties') {
        return `${field}: unknown key "${clip(String(issue.params.additionalProperty))}"`;
      }
      if (issue.keyword === 'enum' && Array.isArray(issue.params.allowedValues)) {
        return `${field} must be one of: ${issue.params.allowedValues.join(', ')}`;
      }
      return `${field} ${issue.message ?? 'is not valid'}`;
    })
    .join('; ');
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err.validation) {
      const message = describeValidation(err.validationContext ?? 'request', err.validation as AjvIssue[]);
      return sendError(reply, 400, 'TEND_ERR_USAGE', message);
    }
    if (isTendError(err)) {
      const status = statusForTendError(err);
      if (status >= 500) request.log.error({ code: err.code, msg: err.message }, 'request failed');
      if (status === 503) reply.header('Retry-After', '5');
      if (status === 401) reply.header('WWW-Authenticate', 'Bearer realm="tend"');
      if (status === 500) return sendError(reply, 500, err.code, 'internal error in tend; see the tend log');
      return sendError(reply, status, err.code, err.message);
    }
    const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status >= 400 && status < 500) {
      // Fastify's own request errors (bad JSON, body too large, wrong media type) carry safe messages.
      return sendError(reply, status, 'TEND_ERR_USAGE', clip(err.message, 200));
    }
    request.log.error({ err }, 'unexpected error');
    return sendError(reply, 500, 'TEND_ERR_INTERNAL', 'internal error in tend; see the tend log');
  });

  app.setNotFoundHandler((request, reply) => {
    const path = clip(request.url.split('?')[0] ?? '', 200);
    return sendError(reply, 404, 'TEND_ERR_NOT_FOUND', `no route ${request.method} ${path}`);
  });
}
