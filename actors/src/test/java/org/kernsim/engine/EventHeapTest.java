package org.kernsim.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.PriorityQueue;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.kernsim.protocol.engine.Event;

class EventHeapTest {
  @Test
  void popsInTheSameOrderAsAPriorityQueueInCanonicalOrder() {
    SplittableRandom r = new SplittableRandom(9);
    EventHeap heap = new EventHeap(4);
    PriorityQueue<Event> ref = new PriorityQueue<>(Event::compareGlobal);
    long seq = 0;
    for (int round = 0; round < 200; round++) {
      int adds = r.nextInt(50);
      for (int i = 0; i < adds; i++) {
        // few distinct times, destinations and sources: many ties on each key
        Event e = Event.message(r.nextInt(20), r.nextInt(4), seq++ % 7, r.nextInt(4), "x");
        heap.add(e);
        ref.add(e);
      }
      int polls = r.nextInt(50);
      for (int i = 0; i < polls && !ref.isEmpty(); i++) {
        assertEquals(ref.peek().time(), heap.minTime());
        assertEquals(ref.poll(), heap.poll());
      }
      assertEquals(ref.size(), heap.size());
    }
    while (!ref.isEmpty()) assertEquals(ref.poll(), heap.poll());
    assertNull(heap.poll());
    assertEquals(Long.MAX_VALUE, heap.minTime());
  }

  @Test
  void aSourceKeyOrdersSameTimeEventsAtADestinationLikeTheSourceWouldAndLargeHeapsStayInOrder() {
    SplittableRandom r = new SplittableRandom(17);
    int[] rank = {3, -2, 0, Integer.MIN_VALUE, Integer.MAX_VALUE, 1};
    EventHeap heap = new EventHeap(1);
    PriorityQueue<Event> ref =
        new PriorityQueue<>(
            (a, b) -> {
              int c = Long.compare(a.time(), b.time());
              if (c != 0) return c;
              c = Integer.compare(a.dst(), b.dst());
              if (c != 0) return c;
              c = Integer.compare(rank[a.src()], rank[b.src()]);
              if (c != 0) return c;
              return Long.compare(a.seq(), b.seq());
            });
    long seq = 0;
    for (int round = 0; round < 50; round++) {
      for (int i = r.nextInt(4000); i > 0; i--) {
        long time = r.nextBoolean() ? r.nextInt(30) : r.nextLong(Long.MIN_VALUE, Long.MAX_VALUE);
        int dst = r.nextBoolean() ? r.nextInt(3) : r.nextInt(Integer.MIN_VALUE, Integer.MAX_VALUE);
        Event e = Event.message(time, r.nextInt(rank.length), seq++, dst, "x");
        heap.add(e, rank[e.src()]);
        ref.add(e);
      }
      for (int i = r.nextInt(4000); i > 0 && !ref.isEmpty(); i--) {
        assertEquals(ref.peek().time(), heap.minTime());
        assertEquals(ref.poll(), heap.poll());
      }
      assertEquals(ref.size(), heap.size());
    }
    while (!ref.isEmpty()) assertEquals(ref.poll(), heap.poll());
    assertNull(heap.peek());
  }
}
