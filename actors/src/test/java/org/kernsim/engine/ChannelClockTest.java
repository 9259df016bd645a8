package org.kernsim.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link ChannelClock} held to the rule it implements, written out as a map of every channel's last
 * arrival: over random sends (few and many receivers, short and long flights, time jumps), each
 * {@code hold} returns what the map says, and what is in flight is what the map has in flight,
 * through in-place drops, growth and snapshots ({@link ChannelClock#of}).
 */
class ChannelClockTest {

  @Test
  void holdsAsTheLastArrivalOfEveryChannelThroughDropsGrowthAndSnapshots() {
    SplitMix64 r = new SplitMix64(42);
    for (int round = 0; round < 30; round++) {
      int receivers = 1 + (int) r.nextLong(round % 4 == 0 ? 5_000 : 40);
      long maxFlight = 1 + r.nextLong(round % 3 == 0 ? 50 : 5_000);
      ChannelClock c = new ChannelClock();
      Map<Integer, Long> last = new HashMap<>();
      long now = 0;
      int held = 0;
      for (int send = 0; send < 10_000; send++) {
        now += r.nextLong(r.nextLong(10) == 0 ? 500 : 4);
        int to = (int) r.nextLong(receivers);
        long at = now + 1 + r.nextLong(maxFlight);
        long want = Math.max(at, last.getOrDefault(to, Long.MIN_VALUE));
        last.put(to, want);
        if (want != at) held++;
        long got = c.hold(to, at, now);
        if (got != want) assertEquals(want, got, "send " + send + " to " + to);
        assertTrue(c.size() <= c.slots() / 2, "taken " + c.size() + " of " + c.slots());
        if (send % 97 == 0) {
          // every channel in flight is found where a send probes for it, and the count is right
          for (Map.Entry<Integer, Long> e : inFlight(last, now).entrySet()) {
            assertEquals(e.getValue(), c.recorded(e.getKey()), "channel " + e.getKey());
          }
          assertEquals(c.inFlight(Long.MIN_VALUE).size(), c.size());
        }
        if (send % 2_999 == 0) {
          assertEquals(inFlight(last, now), c.inFlight(now));
          c = ChannelClock.of(c.inFlight(now)); // a snapshot and a restore
        }
      }
      assertEquals(inFlight(last, now), c.inFlight(now));
      if (receivers < 40 && maxFlight > 50) assertTrue(held > 100, "sends held back: " + held);
    }
  }

  @Test
  void aSenderWithFewChannelsInFlightKeepsASmallTable() {
    ChannelClock c = new ChannelClock();
    for (long now = 0; now < 1_000_000; now += 10)
      c.hold((int) (now * 7919 % 100_003), now + 25, now);
    assertTrue(c.slots() <= 16, "slots: " + c.slots()); // 3 in flight at a time
  }

  private static Map<Integer, Long> inFlight(Map<Integer, Long> last, long now) {
    Map<Integer, Long> m = new HashMap<>();
    last.forEach(
        (to, at) -> {
          if (at > now) m.put(to, at);
        });
    return m;
  }
}
