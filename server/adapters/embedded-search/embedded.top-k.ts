/**
 * Offers `slot` to `top`, the best `wanted` slots so far in `before` order (negative: first argument
 * first), keeping it sorted and at most `wanted` long. Insertion into a short sorted array: a page
 * wants tens of slots, so this beats a heap and keeps equal slots in a fixed order.
 */
export function offerToTop({ top, slot, wanted, before }: { top: number[]; slot: number; wanted: number; before: (a: number, b: number) => number }): void {
  const worst = top[top.length - 1];
  if (top.length >= wanted && worst !== undefined && before(slot, worst) >= 0) return;
  let low = 0;
  let high = top.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (before(top[mid] ?? 0, slot) <= 0) low = mid + 1;
    else high = mid;
  }
  top.splice(low, 0, slot);
  if (top.length > wanted) top.pop();
}
