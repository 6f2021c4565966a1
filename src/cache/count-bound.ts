/**
 * lru-cache options that bound a cache to `n` entries without `max`: with `max`, lru-cache
 * allocates and fills arrays for all `n` entries up front, which cost a starting daemon ~60 ms
 * (100,000 known blobs) and idle memory it never used. Counted as size 1 per entry instead,
 * the arrays grow with what is stored and the bound is the same.
 */
export function countBound(n: number): { maxSize: number; sizeCalculation: () => number } {
  return { maxSize: n, sizeCalculation: () => 1 };
}
