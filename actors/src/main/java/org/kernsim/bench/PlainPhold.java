package org.kernsim.bench;

import org.kernsim.engine.EntityRuntime;

/**
 * The sequential driver's baseline in {@code kernsim bench phold}: the same PHOLD traffic (the same
 * entities, population, time-to-live, lookahead and exponential extra delay; a uniform receiver and
 * the delay drawn from a SplitMix64 stream per entity) as a plain Java loop over primitive arrays:
 * a 4-ary heap of {@code (time, dst, seq)} keys with each event's time-to-live beside them, and
 * each entity's random stream as one {@code long}. No event objects, no payload, no trace hash, no
 * channel order, no windows, no entity objects: what one core does when nothing but the traffic is
 * simulated (the "plain Java loop with a primitive-array heap"). It draws two numbers per
 * hop where the model draws three (the model's remote/local draw is left out: remote is 1), so its
 * trajectory is not the engine's; the number of events is the same, {@code entities * population *
 * (ttl + 1)}.
 */
public final class PlainPhold {
  private PlainPhold() {}

  private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

  private long[] keys; // per slot: the time, then dst << 32 | the low half of a global sequence
  private int[] ttls;
  private int size;
  private static final int STRIDE = 2;

  /** Runs PHOLD and returns the number of events delivered. */
  public static long run(
      int entities, int population, int ttl, long lookahead, long meanExtra, long seed) {
    PlainPhold h = new PlainPhold();
    int cap = Math.max(16, entities * population);
    h.keys = new long[cap * STRIDE];
    h.ttls = new int[cap];
    long[] rng = new long[entities];
    for (int i = 0; i < entities; i++) rng[i] = EntityRuntime.streamSeed(seed, i);
    long seq = 0;
    for (int id = 0; id < entities; id++) {
      for (int j = 0; j < population; j++) {
        h.hop(rng, id, 0, ttl, entities, lookahead, meanExtra, seq++);
      }
    }
    long events = 0;
    while (h.size > 0) {
      long t = h.keys[0];
      int dst = (int) (h.keys[1] >>> 32);
      int left = h.ttls[0];
      h.pop();
      events++;
      if (left > 0) h.hop(rng, dst, t, left - 1, entities, lookahead, meanExtra, seq++);
    }
    return events;
  }

  private void hop(
      long[] rng,
      int from,
      long now,
      int ttl,
      int entities,
      long lookahead,
      long meanExtra,
      long seq) {
    // as PholdModel.Lp.hop with remote = 1: a uniform receiver, then an exponential delay
    long s = rng[from];
    s += GOLDEN_GAMMA;
    long r1 = s;
    s += GOLDEN_GAMMA;
    long r2 = s;
    rng[from] = s;
    int to = (int) ((mix64(r1) >>> 11) % entities);
    double u = (mix64(r2) >>> 11) * 0x1.0p-53;
    long extra = meanExtra == 0 ? 0 : (long) (-meanExtra * Math.log1p(-u));
    push(now + lookahead + extra, ((long) to << 32) | (seq & 0xFFFF_FFFFL), ttl);
  }

  private static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  private void push(long t, long p, int ttl) {
    if (size == ttls.length) {
      keys = java.util.Arrays.copyOf(keys, keys.length * 2);
      ttls = java.util.Arrays.copyOf(ttls, ttls.length * 2);
    }
    long[] k = keys;
    int i = size++;
    while (i > 0) {
      int parent = (i - 1) >>> 2;
      long pt = k[parent * STRIDE];
      if (t > pt || (t == pt && p >= k[parent * STRIDE + 1])) break;
      k[i * STRIDE] = pt;
      k[i * STRIDE + 1] = k[parent * STRIDE + 1];
      ttls[i] = ttls[parent];
      i = parent;
    }
    k[i * STRIDE] = t;
    k[i * STRIDE + 1] = p;
    ttls[i] = ttl;
  }

  private void pop() {
    int last = --size;
    if (last == 0) return;
    long[] k = keys;
    long t = k[last * STRIDE];
    long p = k[last * STRIDE + 1];
    int ttl = ttls[last];
    int i = 0;
    while (true) {
      int first = 4 * i + 1;
      if (first >= last) break;
      int best = first;
      long bt = k[first * STRIDE];
      long bp = k[first * STRIDE + 1];
      int end = Math.min(first + 4, last);
      for (int c = first + 1; c < end; c++) {
        long ct = k[c * STRIDE];
        long cp = k[c * STRIDE + 1];
        if (ct < bt || (ct == bt && cp < bp)) {
          best = c;
          bt = ct;
          bp = cp;
        }
      }
      if (t < bt || (t == bt && p <= bp)) break;
      k[i * STRIDE] = bt;
      k[i * STRIDE + 1] = bp;
      ttls[i] = ttls[best];
      i = best;
    }
    k[i * STRIDE] = t;
    k[i * STRIDE + 1] = p;
    ttls[i] = ttl;
  }
}
