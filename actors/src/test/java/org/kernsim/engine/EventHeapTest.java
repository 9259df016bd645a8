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
}
