/**
 * The OpenTelemetry context manager over node:async_hooks' AsyncLocalStorage, so that
 * `context.active()` (from `@opentelemetry/api`) follows a request through awaits, timers and
 * callbacks. The engine reads the active context to make child spans of the request span and
 * the logger reads it for the correlation id, without either importing the server.
 *
 * Written by hand on purpose: the library's `AsyncLocalStorageContextManager` lives in
 * `@opentelemetry/context-async-hooks`, which is not installed here (and helpers may not
 * `npm install`). This is the same idea in ~30 lines: `with()` is `AsyncLocalStorage.run()`.
 * If the embedding application registered its own global context manager first (e.g. the
 * OpenTelemetry Node SDK), that one is used instead: both keep the context per async chain.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { context as otelContext, ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';

/** A ContextManager whose active context is the AsyncLocalStorage store. */
export class AsyncLocalStorageContext implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();

  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(context: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    const target = thisArg === undefined ? fn : fn.bind(thisArg);
    return this.storage.run(context, target, ...args);
  }

  /** Binds functions only (event emitters are not patched: nothing here needs it). */
  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const run = (self: unknown, args: unknown[]): unknown => this.storage.run(context, () => (target as (...a: unknown[]) => unknown).apply(self, args));
    return function bound(this: unknown, ...args: unknown[]): unknown {
      return run(this, args);
    } as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.storage.disable();
    return this;
  }
}

let installed: boolean | undefined;

/**
 * Registers the context manager globally once per process (idempotent). Returns false when
 * another global context manager was already registered (that one is then used).
 */
export function installContextManager(): boolean {
  installed ??= otelContext.setGlobalContextManager(new AsyncLocalStorageContext());
  return installed;
}
