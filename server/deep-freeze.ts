/**
 * Freezes a value built of plain objects and arrays, all the way down, and returns it.
 *
 * For values handed unchanged to many callers (a cached search result, the response built from
 * it): a caller that tried to change one throws instead of corrupting what every later caller
 * gets, and layers above may keep what they derive from it (its JSON) keyed by identity.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const child of Object.values(value)) deepFreeze(child);
  return Object.freeze(value);
}
