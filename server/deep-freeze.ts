/**
 * Freezes a value built of plain objects and arrays, all the way down, and returns it.
 *
 * For values handed unchanged to many callers (a cached search result, the response built from
 * it): a caller that tried to change one throws instead of corrupting what every later caller
 * gets, and layers above may keep what they derive from it (its JSON) keyed by identity.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  // Walked in place: Object.values would copy every array and object it is handed, and a search
  // freezes a few hundred of them per request.
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) deepFreeze(value[i]);
  } else {
    const record = value as Record<string, unknown>;
    for (const key in record) if (Object.hasOwn(record, key)) deepFreeze(record[key]);
  }
  return Object.freeze(value);
}
