/**
 * Removes `list[index]` by moving the last entry into its place (order is not kept). Returns the
 * entry that moved, if one did, so a caller that records positions can update it. The running
 * turns and the pool's leases are kept this way instead of in a `Set` or `Map` whose entries come
 * and go on every turn (see docs/DESIGN.md).
 */
export function swapRemove<T>(list: T[], index: number): T | undefined {
  const last = list.pop() as T;
  if (index >= list.length) return undefined;
  list[index] = last;
  return last;
}
