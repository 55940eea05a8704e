import type { Prisma } from './generated/client.js';

/** A plain-JSON copy of `value` for a Json column (dates become ISO strings, undefined keys vanish). */
export function toJsonInput(value: object): Prisma.InputJsonValue {
  return JSON.parse(JSON.stringify(value));
}
