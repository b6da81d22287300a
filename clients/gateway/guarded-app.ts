// Every callback uWS makes into our code — HTTP routes, the body and writable callbacks they
// register, and each WebSocket behaviour — runs inside one guard. An exception thrown inside a uWS
// callback is not caught by anything else and ends the whole process, so one malformed request
// from anyone who can reach the port would take the node down (issue 19, finding 1).
import type uWS from 'uWebSockets.js';
import type { Logger } from '../../runtime/index.js';
import { EdgeErrors } from '../protocol/index.js';

const HTTP_METHODS = new Set(['get', 'post', 'put', 'del', 'patch', 'options', 'head', 'connect', 'trace', 'any']);
const WS_CALLBACKS = ['upgrade', 'open', 'message', 'drain', 'close', 'ping', 'pong', 'subscription'] as const;

type HttpHandler = (res: uWS.HttpResponse, req: uWS.HttpRequest) => unknown;

/** What a guard does with an exception: count it, log it (never the request's content). */
export interface GuardHooks {
  readonly log: Logger;
  /** Called once per caught exception, with where it happened (`GET /ops/assets/:file`, `ws /ws message`). */
  readonly caught?: (where: string) => void;
}

/** Whether an exception came from malformed input the client sent (a bad percent-encoding) rather than from us. */
function isClientFault(err: unknown): boolean {
  return err instanceof URIError;
}

/**
 * Answers a request whose handler threw: 400 GLASS_ERR_BAD_REQUEST for malformed input, else 500
 * GLASS_ERR_INTERNAL. Nothing is written if the handler had answered already or the client left
 * (uWS throws on a write to an answered or aborted response; that throw is swallowed here).
 */
function answerFailure(res: uWS.HttpResponse, err: unknown): void {
  const client = isClientFault(err);
  // The shape of every HTTP error answer of the node ({code, message}, docs/PROTOCOL.md).
  const body = JSON.stringify(
    client ? { code: EdgeErrors.BAD_REQUEST, message: 'malformed request' } : { code: EdgeErrors.INTERNAL, message: 'internal error: the request was not handled' },
  );
  try {
    res.cork(() => res.writeStatus(client ? '400 Bad Request' : '500 Internal Server Error').writeHeader('content-type', 'application/json').end(body, true));
  } catch {
    // Answered or aborted already: nothing more to say to this client.
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/**
 * The app every route is mounted on: `get`, `post`, … `any` and `ws` register guarded callbacks;
 * everything else (listen, publish, close) is the app's own. A handler that throws, or whose
 * promise rejects, is logged and answered (400/500 with a stable code); a WebSocket callback that
 * throws is logged and the socket goes on.
 */
export function guardedApp(app: uWS.TemplatedApp, hooks: GuardHooks): uWS.TemplatedApp {
  const failed = (where: string, err: unknown): void => {
    hooks.caught?.(where);
    hooks.log.error({ where, err: describe(err) }, 'a request handler failed; the node goes on');
  };
  const guardResponse = (res: uWS.HttpResponse, where: string): void => {
    // The callbacks a handler registers on its response run later, from uWS, outside the handler's
    // own try: guard them too.
    const onData = res.onData;
    const onWritable = res.onWritable;
    res.onData = (handler) =>
      onData.call(res, (chunk, isLast) => {
        try {
          handler(chunk, isLast);
        } catch (err) {
          failed(where, err);
          answerFailure(res, err);
        }
      });
    res.onWritable = (handler) =>
      onWritable.call(res, (offset) => {
        try {
          return handler(offset);
        } catch (err) {
          failed(where, err);
          return true;
        }
      });
  };
  const guardHttp = (method: string, pattern: string, handler: HttpHandler): HttpHandler => {
    const where = `${method.toUpperCase()} ${pattern}`;
    return (res, req) => {
      guardResponse(res, where);
      try {
        const result = handler(res, req);
        if (result instanceof Promise) {
          result.catch((err: unknown) => {
            failed(where, err);
            answerFailure(res, err);
          });
        }
      } catch (err) {
        failed(where, err);
        answerFailure(res, err);
      }
    };
  };
  const guardWs = (pattern: string, behavior: uWS.WebSocketBehavior<unknown>): uWS.WebSocketBehavior<unknown> => {
    const guarded: Record<string, unknown> = { ...behavior };
    for (const name of WS_CALLBACKS) {
      const callback = behavior[name] as ((...args: unknown[]) => unknown) | undefined;
      if (callback === undefined) continue;
      const where = `ws ${pattern} ${name}`;
      const upgrade = name === 'upgrade';
      // Four fixed parameters (the most any behaviour callback takes), not a rest array: `message`
      // is the hot path of every frame and must not allocate.
      guarded[name] = (a: unknown, b: unknown, c: unknown, d: unknown): unknown => {
        try {
          if (upgrade) guardResponse(a as uWS.HttpResponse, where);
          const result = callback(a, b, c, d);
          if (result instanceof Promise) {
            result.catch((err: unknown) => {
              failed(where, err);
              if (upgrade) answerFailure(a as uWS.HttpResponse, err);
            });
          }
          return result;
        } catch (err) {
          failed(where, err);
          if (upgrade) answerFailure(a as uWS.HttpResponse, err);
          return undefined;
        }
      };
    }
    return guarded as uWS.WebSocketBehavior<unknown>;
  };
  // The app's own methods, wrapped once each: publish runs for every line, and a wrapper made per
  // read was one closure of garbage per publish.
  const passThrough = new Map<string | symbol, (...args: unknown[]) => unknown>();
  const proxy: uWS.TemplatedApp = new Proxy(app, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (typeof prop === 'string' && HTTP_METHODS.has(prop)) {
        return (pattern: string, handler: HttpHandler) => {
          method.call(target, pattern, guardHttp(prop, pattern, handler));
          return proxy;
        };
      }
      if (prop === 'ws') {
        return (pattern: string, behavior: uWS.WebSocketBehavior<unknown>) => {
          method.call(target, pattern, guardWs(pattern, behavior));
          return proxy;
        };
      }
      // listen, publish, close …: the app's own, returning the guarded app where uWS returns itself.
      let wrapped = passThrough.get(prop);
      if (wrapped === undefined) {
        wrapped = (...args: unknown[]) => {
          const result = method.apply(target, args);
          return result === target ? proxy : result;
        };
        passThrough.set(prop, wrapped);
      }
      return wrapped;
    },
  });
  return proxy;
}
