/**
 * Answers kept by key, for work asked again and again with the same input: at most `limit` of them,
 * all forgotten at once when full, because the keys come from whatever users send and a full sweep
 * costs nothing per lookup. `compute` must answer the same for the same key; a throw keeps nothing.
 */
export class BoundedMemo<V> {
  private readonly kept = new Map<string, V>();

  constructor(private readonly limit: number) {}

  get(key: string, compute: (key: string) => V): V {
    const known = this.kept.get(key);
    if (known !== undefined) return known;
    const value = compute(key);
    if (this.kept.size >= this.limit) this.kept.clear();
    this.kept.set(key, value);
    return value;
  }

  clear(): void {
    this.kept.clear();
  }
}
