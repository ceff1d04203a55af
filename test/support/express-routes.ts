import type express from 'express';

/** One method + path an Express application answers, found by walking its router stacks. */
export interface RegisteredRoute {
  method: string;
  path: string;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' || typeof value === 'function' ? (value === null ? undefined : Reflect.get(value, key)) : undefined;
}

function walk(stack: unknown, prefix: string): RegisteredRoute[] {
  if (!Array.isArray(stack)) return [];
  return stack.flatMap((layer: unknown): RegisteredRoute[] => {
    const route = field(layer, 'route');
    if (route) {
      const path = field(route, 'path');
      const methods = field(route, 'methods');
      if (typeof path !== 'string' || typeof methods !== 'object' || methods === null) return [];
      return Object.keys(methods)
        .filter((m) => m !== '_all')
        .map((method) => ({ method: method.toUpperCase(), path: `${prefix}${path}` }));
    }
    // A nested router (app.use(router) or app.use('/x', router)).
    const nested = field(field(layer, 'handle'), 'stack');
    if (!nested) return [];
    const raw = field(layer, 'rawPath');
    const mount = typeof raw === 'string' && raw !== '/' ? raw : '';
    return walk(nested, `${prefix}${mount}`);
  });
}

/** Every route registered on the application, nested routers included, in registration order. */
export function registeredRoutes(app: express.Express): RegisteredRoute[] {
  return walk(app.router.stack, '');
}

/** The names of a path's parameters (`:id`, `*file`), in order. */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/[:*]([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] ?? '');
}

/** The path with each parameter replaced: `values` by name, `fallback` for the rest. */
export function fillPath({ path, values, fallback }: { path: string; values: Record<string, string>; fallback: string }): string {
  return path.replace(/\{|\}/g, '').replace(/[:*]([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => values[name] ?? fallback);
}
