package org.kernsim.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.kernsim.protocol.engine.Event;

class WindowSlicesTest {

  /**
   * Each entity's slice is exactly its own events in canonical order, the entities in the order of
   * their first event (what the per-entity arrays gave), over windows of every size.
   */
  @Test
  void slicesAreEachEntitysEventsInCanonicalOrder() {
    Random rnd = new Random(7);
    int slots = 50;
    WindowSlices w = new WindowSlices(slots);
    long seq = 0;
    for (int window = 0; window < 300; window++) {
      int n = window % 7 == 0 ? rnd.nextInt(5_000) : rnd.nextInt(40);
      Map<Integer, List<Event>> expected = new LinkedHashMap<>();
      for (int i = 0; i < n; i++) {
        int slot = rnd.nextInt(slots);
        // few distinct times and sources, so that the order falls to (src, seq) often
        Event e = Event.message(rnd.nextInt(4), rnd.nextInt(3), seq++ % 5, slot, null);
        if (rnd.nextBoolean()) e = Event.message(e.time(), e.src(), seq++, slot, null);
        w.add(slot, e);
        expected.computeIfAbsent(slot, k -> new ArrayList<>()).add(e);
      }
      int touched = w.seal();
      assertEquals(expected.size(), touched);
      assertEquals(n, w.size());
      int i = 0;
      for (Map.Entry<Integer, List<Event>> x : expected.entrySet()) {
        int slot = w.touched(i++);
        assertEquals((int) x.getKey(), slot, "entities in the order of their first event");
        List<Event> want = new ArrayList<>(x.getValue());
        want.sort(Event::compareAtDestination);
        List<Event> got =
            Arrays.asList(w.events()).subList(w.from(slot), w.from(slot) + w.count(slot));
        assertEquals(want, got, "window " + window + ", slot " + slot);
      }
      w.clear();
    }
  }

  /**
   * A burst leaves the arrays large only for a while: after {@link WindowSlices#SHRINK_AFTER} small
   * windows they are small again (an array per entity kept the burst's size for the rest of the
   * run); and windows of a steady size reuse the same arrays (nothing allocated per window).
   */
  @Test
  void shrinksAfterABurstAndReusesItsArraysInSteadyState() {
    WindowSlices w = new WindowSlices(1_000);
    long seq = 0;
    for (int i = 0; i < 200_000; i++) w.add(i % 1_000, Event.message(5, 0, seq++, i % 1_000, null));
    assertEquals(1_000, w.seal());
    w.clear();
    assertTrue(w.capacity() >= 200_000, "grew for the burst: " + w.capacity());
    Event[] array = null;
    for (int window = 0; window < 3 * WindowSlices.SHRINK_AFTER; window++) {
      for (int i = 0; i < 40; i++) w.add(i, Event.message(window, 1, seq++, i, null));
      w.seal();
      if (window == 2 * WindowSlices.SHRINK_AFTER) array = w.events();
      if (window > 2 * WindowSlices.SHRINK_AFTER) assertSame(array, w.events(), "reallocated");
      w.clear();
    }
    assertEquals(WindowSlices.MIN_CAPACITY, w.capacity(), "shrunk back after the burst");
  }

  /** A window that used a quarter or more of the arrays keeps them (no shrink-grow churn). */
  @Test
  void keepsItsArraysWhileWindowsStillUseThem() {
    WindowSlices w = new WindowSlices(10);
    long seq = 0;
    for (int window = 0; window < 3 * WindowSlices.SHRINK_AFTER; window++) {
      int n = window % 100 == 0 ? 4_096 : 10; // a burst now and then
      for (int i = 0; i < n; i++) w.add(i % 10, Event.message(window, 0, seq++, i % 10, null));
      w.seal();
      w.clear();
      assertEquals(4_096, w.capacity(), "window " + window);
    }
  }

  /** After a window the arrays hold no event (the run's events are not kept alive from here). */
  @Test
  void clearDropsTheWindowsEvents() {
    WindowSlices w = new WindowSlices(3);
    for (int i = 0; i < 30; i++) w.add(i % 3, Event.message(i, 0, i, i % 3, null));
    w.seal();
    Event[] a = w.events();
    w.clear();
    for (Event e : a) assertNull(e);
    assertEquals(0, w.size());
    assertEquals(0, w.seal());
  }
}
