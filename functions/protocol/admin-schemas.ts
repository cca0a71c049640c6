/** Bodies of the admin HTTP routes (operators, departments), validated at the edge. */
import * as z from 'zod/mini';
import { LIMITS } from './limits.js';

/** Control characters are refused in names; blank names too. */
const name = (max: number) =>
  z.string().check(
    z.minLength(1),
    z.maxLength(max),
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    z.refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'control characters are not allowed'),
    z.refine((s) => s.trim().length > 0, 'must not be blank'),
  );

export const DEPARTMENT_NAME_MAX = 60;
const departments = z.array(name(DEPARTMENT_NAME_MAX)).check(z.maxLength(20));
const role = z.enum(['admin', 'operator']);
const maxChats = z.int().check(z.minimum(1), z.maximum(50));

export const createOperatorSchema = z.object({
  email: z.email().check(z.maxLength(LIMITS.email)),
  name: name(LIMITS.name),
  role,
  departments: z.optional(departments),
  maxChats: z.optional(maxChats),
});

export const updateOperatorSchema = z.object({
  name: z.optional(name(LIMITS.name)),
  role: z.optional(role),
  departments: z.optional(departments),
  /** null clears the personal limit: the site's applies. */
  maxChats: z.optional(z.nullable(maxChats)),
});

export const departmentSchema = z.object({
  name: name(DEPARTMENT_NAME_MAX),
  silent: z.optional(z.boolean()),
});
