package org.kernsim.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RecordFilterTest {

  private static final List<Class<?>> CLASSES =
      List.of(
          String.class,
          Integer.class,
          Long.class,
          Short.class,
          Byte.class,
          Double.class,
          Float.class,
          Character.class,
          Boolean.class,
          Object.class,
          Thread.class,
          List.class,
          Set.class,
          HashSet.class,
          Record.class,
          Enum.class,
          Number.class,
          Math.class,
          StringBuilder.class,
          Runnable.class,
          RecordFilter.class,
          EventHeap.class,
          RecordCodec.class,
          Metrics.class,
          HistoryDigest.class);

  /** The identity table answers as the set does, for every size (probing past collisions). */
  @Test
  void wantsExactlyTheClassesOfItsSetForEverySize() {
    for (int n = 0; n <= CLASSES.size(); n++) {
      Set<Class<?>> in = Set.copyOf(CLASSES.subList(0, n));
      RecordFilter f = new RecordFilter(false, in);
      for (Class<?> c : CLASSES) assertEquals(in.contains(c), f.wants(c), n + " " + c);
      assertFalse(f.wants(int[].class));
      assertEquals(n > 0, f.any());
    }
    assertTrue(RecordFilter.ALL.wants(int[].class));
    assertFalse(RecordFilter.NONE.wants(String.class));
    assertFalse(RecordFilter.NONE.any());
  }
}
