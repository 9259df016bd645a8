package org.kernsim.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.kernsim.protocol.engine.Event;

/**
 * The calendar pops exactly what one heap in canonical order pops, ties included: as a plain heap
 * (few pending), and once started, whatever the bucket width against the spread of later times: all
 * in the current bucket, most in the ring, most beyond it (the far heap), and jumps over empty
 * stretches.
 */
class CalendarHeapTest {

  private static Comparator<Event> order(int[] rank) {
    return (a, b) -> {
      int c = Long.compare(a.time(), b.time());
      if (c != 0) return c;
      c = Integer.compare(a.dst(), b.dst());
      if (c != 0) return c;
      c = Integer.compare(rank[a.src()], rank[b.src()]);
      if (c != 0) return c;
      return Long.compare(a.seq(), b.seq());
    };
  }

  @Test
  void popsInCanonicalOrderForEveryWidthAndSpread() {
    int[] identity = {0, 1, 2, 3, 4, 5};
    int[] ranks = {4, 0, 5, 1, 3, 2};
    long[][]
        shapes = { // {spread of the first events (the width is 1/512 of it), delay, long delay}
      {500, 3, 50_000}, {50_000, 40, 1_000}, {10, 1_000, 10_000_000}, {1L << 40, 5, 20}, {1, 2, 3}
    };
    for (int switchAt : new int[] {100, 1 << 30})
      for (int[] rank : new int[][] {identity, ranks}) {
        for (long[] shape : shapes) {
          SplittableRandom r = new SplittableRandom(shape[0] * 31 + rank[0] + switchAt);
          CalendarHeap q = new CalendarHeap(switchAt);
          PriorityQueue<Event> ref = new PriorityQueue<>(order(rank));
          long seq = 0;
          long now = r.nextLong(1_000_000);
          // before the first pop, events anywhere (a resumed run's pending set, in any order)
          for (int i = 0; i < 500; i++) {
            Event e =
                Event.message(now + r.nextLong(shape[2]), r.nextInt(6), seq++, r.nextInt(5), "x");
            q.add(e, rank[e.src()]);
            ref.add(e);
          }
          for (int step = 0; step < 20_000; step++) {
            if (!ref.isEmpty() && r.nextInt(3) > 0) {
              assertEquals(ref.peek().time(), q.minTime());
              assertEquals(ref.peek().dst(), q.minDst());
              assertEquals(ref.peek(), q.peek());
              Event e = q.poll();
              assertEquals(ref.poll(), e);
              now = e.time();
            }
            // sends from "now": mostly near, some at the same time, some far ahead
            int k = r.nextInt(3);
            for (int i = 0; i < k; i++) {
              long delay =
                  switch (r.nextInt(10)) {
                    case 0 -> 0;
                    case 1 -> r.nextLong(1, shape[2] + 2);
                    default -> r.nextLong(1, shape[1] + 2);
                  };
              Event e = Event.message(now + delay, r.nextInt(6), seq++, r.nextInt(5), "x");
              q.add(e, rank[e.src()]);
              ref.add(e);
            }
            assertEquals(ref.size(), q.size());
            if (step % 5_000 == 0) {
              List<Event> all = new ArrayList<>(ref);
              all.sort(Event::compareGlobal);
              assertEquals(all, q.sorted());
            }
          }
          assertEquals(switchAt < 500, q.calendar());
          while (!ref.isEmpty()) assertEquals(ref.poll(), q.poll());
          assertTrue(q.isEmpty());
          assertNull(q.poll());
          assertEquals(Long.MAX_VALUE, q.minTime());
          // an emptied queue starts again anywhere
          Event late = Event.message(now + 123_456_789, 1, seq++, 2, "x");
          Event early = Event.message(now + 5, 1, seq++, 2, "x");
          q.add(late, rank[1]);
          q.add(early, rank[1]);
          assertEquals(early, q.poll());
          assertEquals(late, q.poll());
          assertTrue(q.isEmpty());
        }
      }
  }

  /**
   * Events added as fields (the sequential driver's path: no {@link Event} object for a message)
   * come back whole: a timer's key and generation, a ranked source's id, each payload by identity,
   * in the heap and in the calendar (ring and far heap) alike.
   */
  @Test
  void keepsTimersAndRankedSourcesAddedAsFields() {
    int[] identity = {0, 1, 2, 3, 4, 5};
    int[] ranks = {4, 0, 5, 1, 3, 2};
    for (int switchAt : new int[] {100, 1 << 30})
      for (int[] rank : new int[][] {identity, ranks}) {
        SplittableRandom r = new SplittableRandom(switchAt + rank[0]);
        CalendarHeap q = new CalendarHeap(switchAt);
        PriorityQueue<Event> ref = new PriorityQueue<>(order(rank));
        long seq = 0;
        long now = 0;
        for (int step = 0; step < 5_000; step++) {
          for (int i = r.nextInt(3); i > 0; i--) {
            int src = r.nextInt(6);
            long time = now + (r.nextInt(20) == 0 ? r.nextLong(1, 1_000_000) : r.nextLong(1, 500));
            Object payload = new Object();
            Object timerKey = r.nextInt(4) == 0 ? "timer" + r.nextInt(3) : null;
            int gen = timerKey == null ? 0 : r.nextInt(1, 1_000);
            int dst = timerKey == null ? r.nextInt(6) : src;
            Event e = new Event(time, src, seq++, dst, payload, timerKey, gen);
            q.add(time, src, e.seq(), dst, payload, timerKey, gen, rank[src]);
            ref.add(e);
          }
          if (!ref.isEmpty() && r.nextBoolean()) {
            Event want = ref.poll();
            assertEquals(want.dst(), q.minDst());
            assertEquals(rank[want.src()], q.minSrcKey());
            assertEquals(want.seq(), q.minSeq());
            assertEquals(want, q.poll());
            now = want.time();
          }
        }
        assertEquals(switchAt == 100, q.calendar());
        List<Event> all = new ArrayList<>(ref);
        all.sort(Event::compareGlobal);
        assertEquals(all, q.sorted());
        while (!ref.isEmpty()) assertEquals(ref.poll(), q.poll());
        assertTrue(q.isEmpty());
      }
  }

  /**
   * Once the calendar has started, each bucket is sorted once when it becomes current: many events
   * at one time (ties broken by destination, ranked source and sequence), destinations whose ids do
   * not fit in the sort key beside the time offset (the key falls back to time and index, the ties
   * to the insertion sort), events added to the bucket while it is drained (a heap beside the
   * sorted run), and a width too large for the key (no sort: the bucket goes into the heap). A run
   * kept out of order, a tie broken by index, or a late event popped after a later run event fails
   * it.
   */
  @Test
  void sortsEachBucketOnceWithTiesLateEventsAndWideKeys() {
    int[] ranks = {4, 0, 5, 1, 3, 2};
    // {spread of the times, smallest destination id}: small ids and a narrow spread (time, dst and
    // index in the key), ids near Integer.MAX_VALUE (time and index only), a spread whose width
    // does not fit the key (the heap)
    long[][] shapes = {{2_000, 0}, {2_000, Integer.MAX_VALUE - 8}, {1L << 60, 0}};
    for (long[] shape : shapes) {
      SplittableRandom r = new SplittableRandom(shape[0] + shape[1]);
      CalendarHeap q = new CalendarHeap(64);
      PriorityQueue<Event> ref = new PriorityQueue<>(order(ranks));
      long seq = 0;
      long now = 0;
      for (int i = 0; i < 3_000; i++) {
        // few distinct times (about four events per ns), so a bucket is mostly ties
        Event e =
            Event.message(
                r.nextLong(shape[0] / 4 + 1),
                r.nextInt(6),
                seq++,
                (int) shape[1] + r.nextInt(8),
                "x");
        q.add(e, ranks[e.src()]);
        ref.add(e);
      }
      assertTrue(q.calendar());
      int pops = 0;
      while (!ref.isEmpty()) {
        Event want = ref.poll();
        assertEquals(want, q.poll());
        pops++;
        now = want.time();
        if (pops % 7 == 0 && pops < 2_000) {
          // late: into the bucket being drained, at the same time and just after
          for (long at : new long[] {now, now + 1}) {
            Event e = Event.message(at, r.nextInt(6), seq++, (int) shape[1] + r.nextInt(8), "x");
            q.add(e, ranks[e.src()]);
            ref.add(e);
          }
        }
      }
      assertTrue(q.isEmpty());
      if (shape[0] == 1L << 60) assertEquals(0, q.sorts(), "a width beyond the key: the heap");
      else assertTrue(q.sorts() > 10, "buckets sorted once: " + q.sorts());
    }
  }

  /**
   * The radix sort orders by the bits asked for and nothing else, stably: the keys' bits below
   * {@code lo} and from {@code hi} up are random and must not move anything, and keys equal in
   * {@code [lo, hi)} keep their order. Every size from empty to several thousand, ranges of 0 to 32
   * bits (one to four passes, passes of unequal width).
   */
  @Test
  void radixSortIsAStableSortByTheBitsAskedFor() {
    SplittableRandom r = new SplittableRandom(11);
    int[] counts = new int[(1 << CalendarHeap.RADIX_BITS) + 1];
    for (int n : new int[] {0, 1, 2, 63, 64, 65, 300, 4_999}) {
      for (int bits = 0; bits <= CalendarHeap.RADIX_PASSES * CalendarHeap.RADIX_BITS; bits++) {
        int lo = r.nextInt(20);
        int hi = lo + bits;
        long[] a = new long[n];
        // few distinct values in the range (many ties), random bits around it
        int distinct = 1 + r.nextInt(Math.max(1, n / 3 + 1));
        long[] values = new long[distinct];
        for (int d = 0; d < distinct; d++) values[d] = bits == 0 ? 0 : r.nextLong(1L << bits);
        for (int i = 0; i < n; i++) {
          long v = values[r.nextInt(distinct)];
          long above = r.nextLong(1L << (62 - hi));
          a[i] = (above << hi) | (v << lo) | r.nextLong(1L << lo);
        }
        long mask = bits == 0 ? 0 : ((1L << bits) - 1) << lo;
        List<Long> want = new ArrayList<>();
        for (long v : a) want.add(v);
        want.sort(Comparator.comparingLong(v -> v & mask)); // List.sort is stable
        CalendarHeap.radixSort(a, new long[n], counts, n, lo, hi);
        for (int i = 0; i < n; i++)
          assertEquals(want.get(i), a[i], "n " + n + ", bits [" + lo + ", " + hi + "), at " + i);
      }
    }
  }

  /**
   * Buckets of hundreds of events (the calendar's width against many events per nanosecond, as
   * PHOLD's): sorted by radix when the time and destination bits fit its passes — destinations
   * below 10,000, and four destinations with many ties at one — and by comparison when they do not
   * (destinations near 2^30); in every case the calendar pops what one heap pops.
   */
  @Test
  void largeBucketsAreSortedByRadixWhereTheKeyFits() {
    int[] ranks = {4, 0, 5, 1, 3, 2};
    int[][] shapes = {{0, 10_000}, {0, 4}, {1 << 30, 10_000}}; // smallest destination, how many
    for (int[] shape : shapes) {
      SplittableRandom r = new SplittableRandom(shape[0] + shape[1]);
      CalendarHeap q = new CalendarHeap(64);
      PriorityQueue<Event> ref = new PriorityQueue<>(order(ranks));
      long seq = 0;
      for (int i = 0; i < 60_000; i++) {
        Event e =
            Event.message(
                r.nextLong(2_000), r.nextInt(6), seq++, shape[0] + r.nextInt(shape[1]), "x");
        q.add(e, ranks[e.src()]);
        ref.add(e);
      }
      while (!ref.isEmpty()) {
        Event want = ref.poll();
        assertEquals(want, q.poll());
        if (r.nextInt(50) == 0) { // now and then one more, later
          Event e =
              Event.message(
                  want.time() + 1 + r.nextInt(100),
                  r.nextInt(6),
                  seq++,
                  shape[0] + r.nextInt(shape[1]),
                  "x");
          q.add(e, ranks[e.src()]);
          ref.add(e);
        }
      }
      assertTrue(q.isEmpty());
      assertTrue(q.sorts() > 100, "buckets sorted: " + q.sorts());
      if (shape[0] == 0) assertTrue(q.radixSorts() > q.sorts() / 2, "by radix: " + q.radixSorts());
      else assertEquals(0, q.radixSorts(), "a key too wide for the passes: by comparison");
    }
  }
}
