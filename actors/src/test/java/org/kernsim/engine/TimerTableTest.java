package org.kernsim.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link TimerTable} answers as the {@code HashMap} it replaced: random starts, restarts, cancels
 * and fires over keys that are equal but not the same object (a restored entity's keys are copies),
 * a null key, and more keys than the linear part holds (so the switch to a map is crossed both ways
 * of use).
 */
class TimerTableTest {

  private static int below(SplitMix64 r, int n) {
    return (int) Long.remainderUnsigned(r.nextLong(), n);
  }

  @Test
  void answersAsAHashMap() {
    SplitMix64 r = new SplitMix64(7);
    for (int round = 0; round < 200; round++) {
      int keys = 1 + below(r, round % 2 == 0 ? 6 : 20);
      TimerTable t = new TimerTable();
      Map<Object, Integer> m = new HashMap<>();
      for (int op = 0; op < 300; op++) {
        int k = below(r, keys + 1);
        // a fresh but equal key object each time, or null
        Object key = k == keys ? null : new String("timer-" + k);
        int what = below(r, 4);
        if (what <= 1) {
          int gen = op + 1;
          t.put(key, gen);
          m.put(key, gen);
        } else if (what == 2) {
          t.remove(key);
          m.remove(key);
        } else {
          int at = t.indexOf(key);
          Integer want = m.get(key);
          assertEquals(want != null, at >= 0, "round " + round + " op " + op);
          if (at >= 0) {
            assertEquals(want.intValue(), t.generation(at, key));
            t.removeAt(at, key);
            m.remove(key);
          }
        }
        assertEquals(m.containsKey(key), t.contains(key));
        assertEquals(m.isEmpty(), t.isEmpty());
        assertEquals(m, t.toMap());
      }
      assertEquals(m, TimerTable.of(m).toMap());
    }
  }
}
