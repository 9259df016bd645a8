package org.kernsim.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.kernsim.protocol.engine.Event;

class WindowQueueTest {

  /** Windows over a reference heap and over the window queue take the same events. */
  @Test
  void drainsTheSameEventsAsAHeapWindowByWindow() {
    for (long width : new long[] {1, 7, 100, 1000}) {
      SplittableRandom r = new SplittableRandom(width);
      WindowQueue q = new WindowQueue(width);
      EventHeap ref = new EventHeap(16);
      long seq = 0;
      long now = 0;
      for (int i = 0; i < 200; i++) {
        Event e = Event.message(r.nextLong(50 * width), r.nextInt(5), seq++, r.nextInt(5), "x");
        q.add(e);
        ref.add(e);
      }
      for (int w = 0; w < 2_000 && !ref.isEmpty(); w++) {
        assertEquals(ref.minTime(), q.minTime());
        long start = ref.minTime();
        long end = start + width;
        List<Event> got = new ArrayList<>();
        q.drainWindow(start, end, got::add);
        List<Event> want = new ArrayList<>();
        while (ref.minTime() < end) want.add(ref.poll());
        got.sort(Event::compareGlobal);
        assertEquals(want, got);
        now = end;
        // new events: mostly near (>= the window's end), some far beyond the ring
        int adds = r.nextInt(6);
        for (int i = 0; i < adds; i++) {
          long t =
              r.nextInt(10) == 0 ? now + r.nextLong(10_000 * width) : now + r.nextLong(8 * width);
          Event e = Event.message(t, r.nextInt(5), seq++, r.nextInt(5), "x");
          q.add(e);
          ref.add(e);
        }
        assertEquals(ref.size(), q.size());
      }
      assertTrue(ref.isEmpty() || ref.size() == q.size());
    }
  }
}
