package org.kernsim.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The horizon function that the coordinator and, between sync points, every partition compute from
 * the same inputs (ADR 006, ADR 107).
 */
class HorizonsTest {

  private static final long MAX = Long.MAX_VALUE;

  private static long[] horizons(long lookahead, long cap, long... next) {
    long[] h = new long[next.length];
    Horizons.compute(next, lookahead, cap, h, new long[next.length]);
    return h;
  }

  @Test
  void eachHorizonIsTheEarliestOtherPartitionPlusTheLookahead() {
    // 0 and 1 busy at 1000 and 1050, 2 idle: 0 can be reached from 1 at 1150, 1 from 0 at 1100,
    // 2 from 0 at 1100
    assertArrayEquals(new long[] {1150, 1100, 1100}, horizons(100, MAX, 1000, 1050, MAX));
  }

  @Test
  void anIdlePartitionCanAnswerOneLookaheadAfterItIsReached() {
    // 1 has nothing, but 0 can reach it at 1100 and it can answer at 1200: 0's horizon is 1200,
    // not the 2000 of partition 2 (the fixed point)
    assertArrayEquals(new long[] {1200, 1100, 1100}, horizons(100, MAX, 1000, MAX, 2000));
  }

  @Test
  void theSoleBusyPartitionRunsToTheEndAloneAndNothingIsIdleForEver() {
    assertArrayEquals(new long[] {MAX}, horizons(100, MAX, 5));
    assertArrayEquals(new long[] {MAX, MAX}, horizons(100, MAX, MAX, MAX));
    // the only partition with events can be reached back no sooner than two lookaheads later
    assertArrayEquals(new long[] {1200, 1100}, horizons(100, MAX, 1000, MAX));
  }

  @Test
  void theCapBoundsEveryHorizonAndSaturationNeverOverflows() {
    assertArrayEquals(new long[] {1050, 1050}, horizons(100, 1050, 1000, 1020));
    assertArrayEquals(new long[] {MAX - 10, MAX}, horizons(100, MAX, MAX - 10, MAX - 110));
  }

  /**
   * Safety against a brute-force reference: no event that any other partition could still send
   * (directly, or through a chain of partitions each answering a lookahead later) can arrive before
   * a partition's horizon, and the horizon is the earliest such time (nothing is given away).
   */
  @Test
  void theHorizonIsExactlyTheEarliestArrivalOverEveryChainOfPartitions() {
    SplittableRandom r = new SplittableRandom(107);
    for (int trial = 0; trial < 2_000; trial++) {
      int n = 1 + r.nextInt(7);
      long lookahead = 1 + r.nextInt(300);
      long[] next = new long[n];
      for (int i = 0; i < n; i++) next[i] = r.nextInt(4) == 0 ? MAX : r.nextInt(2_000);
      long[] h = horizons(lookahead, MAX, next);
      // earliest time partition i can act (own event, or an event from any other): Bellman-Ford
      long[] act = next.clone();
      for (int iter = 0; iter < n; iter++)
        for (int i = 0; i < n; i++)
          for (int j = 0; j < n; j++)
            if (i != j && act[j] != MAX) act[i] = Math.min(act[i], act[j] + lookahead);
      for (int i = 0; i < n; i++) {
        long want = MAX;
        for (int j = 0; j < n; j++)
          if (j != i && act[j] != MAX) want = Math.min(want, act[j] + lookahead);
        assertEquals(want, h[i], "partition " + i + " of " + java.util.Arrays.toString(next));
      }
      assertTrue(Horizons.earliest(next) == MAX || anyActive(next, h), "someone runs");
    }
  }

  /**
   * The cap as an input from outside (a node's horizon: another node's event can reach any of its
   * partitions at the cap, and that partition can answer a lookahead later): the horizons are the
   * earliest arrival over every chain that starts at an own event or at the cap — what the node
   * computed with the cap inside its own fixed point before it called this function.
   */
  @Test
  void aCapIsAnOutsideInputThatPartitionsCanAnswer() {
    SplittableRandom r = new SplittableRandom(6);
    for (int trial = 0; trial < 2_000; trial++) {
      int n = 1 + r.nextInt(7);
      long lookahead = 1 + r.nextInt(300);
      long cap = r.nextInt(5) == 0 ? MAX : r.nextInt(2_500);
      long[] next = new long[n];
      for (int i = 0; i < n; i++) next[i] = r.nextInt(4) == 0 ? MAX : r.nextInt(2_000);
      long[] h = horizons(lookahead, cap, next);
      long[] act = next.clone();
      if (cap != MAX) for (int i = 0; i < n; i++) act[i] = Math.min(act[i], cap);
      for (int iter = 0; iter < n; iter++)
        for (int i = 0; i < n; i++)
          for (int j = 0; j < n; j++)
            if (i != j && act[j] != MAX) act[i] = Math.min(act[i], act[j] + lookahead);
      for (int i = 0; i < n; i++) {
        long want = cap;
        for (int j = 0; j < n; j++)
          if (j != i && act[j] != MAX) want = Math.min(want, act[j] + lookahead);
        assertEquals(want, h[i], "partition " + i + " of " + java.util.Arrays.toString(next));
      }
    }
  }

  private static boolean anyActive(long[] next, long[] h) {
    for (int i = 0; i < next.length; i++) if (next[i] < h[i]) return true;
    return false;
  }
}
