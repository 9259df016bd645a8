package org.kernsim.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/** kernsim's stream is SplittableRandom's, draw for draw, and resumes from its state. */
class SplitMix64Test {

  /** Every kind of draw the models and the engine make, mixed, from both generators. */
  private static void sameDraws(RandomGenerator a, RandomGenerator b, long salt) {
    for (int i = 0; i < 2000; i++) {
      String what = "draw " + i + " (salt " + salt + ")";
      switch ((int) ((i * 7 + salt) % 12)) {
        case 0 -> assertEquals(a.nextLong(), b.nextLong(), what);
        case 1 -> assertEquals(a.nextInt(), b.nextInt(), what);
        case 2 -> assertEquals(a.nextDouble(), b.nextDouble(), what);
        case 3 -> assertEquals(a.nextGaussian(), b.nextGaussian(), what);
        case 4 -> assertEquals(a.nextLong(1 + i * 977L), b.nextLong(1 + i * 977L), what);
        case 5 -> assertEquals(a.nextInt(1 + i), b.nextInt(1 + i), what);
        case 6 -> assertEquals(a.nextBoolean(), b.nextBoolean(), what);
        case 7 -> assertEquals(a.nextLong(-5, 1L << 40), b.nextLong(-5, 1L << 40), what);
        case 8 -> assertEquals(a.nextInt(3, 300), b.nextInt(3, 300), what);
        case 9 -> assertEquals(a.nextDouble(2.5), b.nextDouble(2.5), what);
        case 10 -> assertEquals(a.nextFloat(), b.nextFloat(), what);
        default -> assertEquals(a.nextExponential(), b.nextExponential(), what);
      }
    }
  }

  @Test
  void sameSequenceAsSplittableRandom() {
    for (long seed : new long[] {0, 1, -1, 42, Long.MIN_VALUE, EntityRuntime.streamSeed(7, 3)}) {
      sameDraws(new SplittableRandom(seed), new SplitMix64(seed), seed & 0xff);
    }
  }

  @Test
  void resumesFromItsState() {
    SplitMix64 a = new SplitMix64(99);
    for (int i = 0; i < 1000; i++) a.nextGaussian();
    SplitMix64 b = new SplitMix64(a.state());
    sameDraws(a, b, 5);
  }
}
