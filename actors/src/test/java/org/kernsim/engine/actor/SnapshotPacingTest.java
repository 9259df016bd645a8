package org.kernsim.engine.actor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * When a cluster run's recovery snapshots fall: due every {@code every} rounds, and held back until
 * the snapshots keep to their share of the wall time. Time is the test's (milliseconds as nanos).
 */
class SnapshotPacingTest {

  private static final long MS = 1_000_000;

  /** Drives rounds of {@code roundMs} each, snapshots of {@code costMs}; the rounds snapshotted. */
  private static List<Long> run(SnapshotPacing p, long rounds, long roundMs, long costMs) {
    List<Long> at = new ArrayList<>();
    long now = 0;
    for (long r = 1; r <= rounds; r++) {
      now += roundMs * MS;
      if (p.takeAt(r, now)) {
        p.started(now);
        now += costMs * MS;
        p.ended(now);
        at.add(r);
      }
    }
    return at;
  }

  @Test
  void aShareOfOneTakesEverySnapshotWhenDue() {
    assertEquals(List.of(10L, 20L, 30L, 40L, 50L), run(new SnapshotPacing(10, 1), 55, 1, 1_000));
    assertEquals(0, new SnapshotPacing(10, 1).waitNanos());
  }

  @Test
  void noSnapshotsWhenEveryIsZero() {
    assertEquals(List.of(), run(new SnapshotPacing(0, 0.05), 1_000, 1, 1));
  }

  /**
   * Short rounds and a costly snapshot (1 ms rounds, 100 ms snapshots, 5 %): the first is taken
   * when due, each next one at the first due round 1,900 ms after the last ended; the snapshots'
   * share of the whole time stays at most 5 %.
   */
  @Test
  void shortRoundsAndCostlySnapshotsAreHeldToTheirShare() {
    SnapshotPacing p = new SnapshotPacing(100, 0.05);
    List<Long> at = run(p, 10_000, 1, 100);
    assertEquals(100L, at.get(0));
    assertEquals(1_900 * MS, p.waitNanos());
    // after the one at round r ends, 1,900 rounds must pass: the next due round at or after
    for (int i = 1; i < at.size(); i++) {
      long ready = at.get(i - 1) + 1_900;
      assertEquals(((ready + 99) / 100) * 100, at.get(i), "snapshot " + i + ": " + at);
    }
    assertEquals(at.size(), p.taken());
    long total = 10_000 + 100L * at.size();
    assertTrue(100.0 * at.size() / total <= 5.0, at.size() + " snapshots in " + total + " ms");
    assertTrue(at.size() >= 5, "still taken: " + at);
  }

  /** Long rounds (a second each) against a cheap snapshot: never held back. */
  @Test
  void longRoundsAreNotHeldBack() {
    assertEquals(List.of(3L, 6L, 9L, 12L), run(new SnapshotPacing(3, 0.05), 12, 1_000, 10));
  }

  /** A snapshot due but held back is taken at a later barrier, not forgotten. */
  @Test
  void aHeldBackSnapshotStaysDue() {
    SnapshotPacing p = new SnapshotPacing(10, 0.5);
    assertTrue(p.takeAt(10, 0));
    p.started(0);
    p.ended(100 * MS); // 100 ms: the next waits 100 ms
    assertFalse(p.takeAt(20, 150 * MS));
    assertFalse(p.takeAt(21, 190 * MS)); // not a multiple, still due
    assertTrue(p.takeAt(22, 200 * MS));
  }

  @Test
  void refusesAShareOutsideZeroToOne() {
    assertThrows(IllegalArgumentException.class, () -> new SnapshotPacing(10, 0));
    assertThrows(IllegalArgumentException.class, () -> new SnapshotPacing(10, 1.5));
    assertThrows(IllegalArgumentException.class, () -> new SnapshotPacing(-1, 0.5));
  }
}
