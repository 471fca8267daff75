// A small seeded PRNG (xorshift32) so every implementation sees the same workload.
export function rng(seed = 0x9e3779b9) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return {
    u32: next,
    /** [0, 1) */
    float: () => next() / 0x1_0000_0000,
    /** integer in [0, n) */
    int: (n) => Math.floor((next() / 0x1_0000_0000) * n),
  };
}
