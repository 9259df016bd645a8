package org.kernsim.engine;

import java.util.random.RandomGenerator;

/**
 * An entity's random stream: SplitMix64 with the golden gamma, the same sequence, draw for draw, as
 * {@code new java.util.SplittableRandom(seed)} (whose {@code nextInt()}/{@code nextLong()} are the
 * only generators; every other draw is {@link RandomGenerator}'s default over them, here as there).
 * kernsim owns it because a snapshot must write the stream's position and resume it, and {@code
 * SplittableRandom}'s state is private to {@code java.base} (JDK 17 module rules): see {@code
 * docs/decisions/005-snapshot-state.md}.
 */
public final class SplitMix64 implements RandomGenerator {
  private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

  private long seed;

  public SplitMix64(long seed) {
    this.seed = seed;
  }

  /** The stream's position: a stream built with {@code new SplitMix64(state())} goes on as this. */
  public long state() {
    return seed;
  }

  private long nextSeed() {
    return seed += GOLDEN_GAMMA;
  }

  @Override
  public long nextLong() {
    long z = nextSeed();
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  @Override
  public int nextInt() {
    long z = nextSeed();
    z = (z ^ (z >>> 33)) * 0x62a9d9ed799705f5L;
    return (int) (((z ^ (z >>> 28)) * 0xcb24d0a5c88c35b3L) >>> 32);
  }
}
