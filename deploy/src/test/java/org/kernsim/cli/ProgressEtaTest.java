package org.kernsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The progress bar's time left follows the run's recent pace: the seconds before the first window
 * (a cluster forming) and a slow first stretch do not count, and a run that reached its end says
 * zero.
 */
class ProgressEtaTest {
  private static final long S = 1_000_000_000L;
  private static final long MS = 1_000_000L;

  @Test
  void unknownUntilTheRunHasGoneForASecond() {
    Progress.Eta eta = new Progress.Eta(300 * MS);
    assertEquals(Optional.empty(), eta.left(0));
    eta.record(30 * S, 1 * MS); // the first window completes 30 s in: the cluster took that long
    assertEquals(Optional.empty(), eta.left(30 * S));
    eta.record(30 * S + S / 2, 2 * MS);
    assertEquals(Optional.empty(), eta.left(30 * S + S / 2), "half a second is too little to tell");
  }

  @Test
  void theTimeBeforeTheFirstWindowDoesNotCount() {
    // 28 s of forming, then 1 virtual ms per wall second: 300 ms take 300 s, not 300 x 28 s
    Progress.Eta eta = new Progress.Eta(300 * MS);
    for (int i = 0; i <= 20; i++) eta.record(28 * S + i * S, i * MS);
    Duration left = eta.left(48 * S).orElseThrow();
    assertEquals(280, left.toSeconds());
  }

  @Test
  void theRecentPaceCountsNotTheFirstStretch() {
    // a slow first minute (1 virtual ms per 10 s), then 10 virtual ms per second
    Progress.Eta eta = new Progress.Eta(1_000 * MS);
    long wall = 0;
    long virtual = 0;
    for (int i = 0; i < 60; i++) eta.record(wall += S, virtual += MS / 10);
    for (int i = 0; i < 30; i++) eta.record(wall += S, virtual += 10 * MS);
    long left = eta.left(wall).orElseThrow().toSeconds();
    // (1,000 - 306) ms at 10 ms per second: 69 s; with the whole run's average pace it would be 270
    // s
    assertTrue(left >= 68 && left <= 70, "left " + left + " s");
  }

  @Test
  void aRunAtItsEndHasNothingLeft() {
    Progress.Eta eta = new Progress.Eta(300 * MS);
    eta.record(S, 10 * MS);
    eta.record(2 * S, 300 * MS);
    assertEquals(Duration.ZERO, eta.left(2 * S).orElseThrow());
  }
}
