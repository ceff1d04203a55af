import type { z } from 'zod';

/** Zod issues as a flat list a client can show next to the offending field (API answers and import reports). */
export function issuesOf(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}
