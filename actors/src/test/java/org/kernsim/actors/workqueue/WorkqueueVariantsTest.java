package org.kernsim.actors.workqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.Violation;
import org.kernsim.models.Models;
import org.kernsim.scenario.Scenario;

/**
 * The built-in scenario {@code workqueue-kick-cull} per variant, on the sequential driver (the
 * explorer's). The seeds named here were found by {@code kernsim explore}; the ranges are small so
 * that the whole class runs in seconds.
 */
class WorkqueueVariantsTest {

  static RunResult run(long seed, String... sets) {
    Scenario s = Models.load("workqueue-kick-cull", List.of(sets));
    return SequentialDriver.run(s.build(), RunOptions.of(seed, s.until()));
  }

  static boolean fired(RunResult r, String checker) {
    return r.violations().stream().anyMatch(v -> v.checker().equals(checker));
  }

  static long seedsFiring(long from, long to, String checker, String... sets) {
    long n = 0;
    for (long seed = from; seed <= to; seed++) if (fired(run(seed, sets), checker)) n++;
    return n;
  }

  @Test
  void originalCullsAKickedWorkerOnSeed518AndTheFixesDoNot() {
    RunResult original = run(518);
    assertTrue(fired(original, "NoKickedWorkerCulled"), () -> "seed 518: " + original.violations());
    assertEquals(
        0L,
        ((Number) original.metrics().get("strandedWorkItems")).longValue(),
        "culled, but nothing stranded");
    assertFalse(fired(original, "NoStrandedWork"));
    for (String fix : List.of("claim", "claim+deferred-wake", "kicked-list")) {
      RunResult r = run(518, "workqueue.kick=" + fix);
      assertTrue(r.violations().isEmpty(), () -> fix + " on seed 518: " + r.violations());
    }
  }

  @Test
  void deferredWakeCullsAKickedWorkerOnSeed1836() {
    RunResult r = run(1836, "workqueue.kick=deferred-wake");
    assertTrue(fired(r, "NoKickedWorkerCulled"), () -> "seed 1836: " + r.violations());
    assertFalse(fired(r, "NoStrandedWork"));
    assertTrue(
        ((Number) r.metrics().get("deferredWakes")).longValue() > 0, "the wake-ups were deferred");
  }

  @Test
  void overTheSameRangeOriginalFiresAndClaimNever() {
    assertTrue(seedsFiring(401, 1100, "NoKickedWorkerCulled") >= 1, "original, seeds 401..1100");
    assertEquals(
        0,
        seedsFiring(401, 1100, "NoKickedWorkerCulled", "workqueue.kick=claim"),
        "claim, seeds 401..1100");
  }

  @Test
  void theFixedVariantsFireNoCheckerOnAFewHundredSeeds() {
    for (String fix : List.of("claim", "claim+deferred-wake", "kicked-list")) {
      List<String> bad = new ArrayList<>();
      for (long seed = 1; seed <= 300; seed++) {
        RunResult r = run(seed, "workqueue.kick=" + fix);
        for (Violation v : r.violations()) bad.add(seed + ": " + v);
      }
      assertTrue(bad.isEmpty(), () -> fix + ": " + bad.subList(0, Math.min(5, bad.size())));
    }
  }

  @Test
  void theTailAblationStrandsWorkAndTheKernelPickDoesNotOnTheSameSeeds() {
    long tail = seedsFiring(1, 150, "NoStrandedWork", "workqueue.pick=tail");
    assertTrue(tail >= 1, "pick=tail must strand work on some of seeds 1..150");
    assertEquals(0, seedsFiring(1, 150, "NoStrandedWork"), "pick=head (the kernel), seeds 1..150");
  }

  @Test
  void aStrandingIsReportedWithTheItemLeftOnTheWorklist() {
    for (long seed = 1; seed <= 150; seed++) {
      RunResult r = run(seed, "workqueue.pick=tail");
      for (Violation v : r.violations()) {
        if (!v.checker().equals("NoStrandedWork")) continue;
        assertTrue(
            v.message().contains("on the worklist of") && v.message().contains("nr_running=0"),
            v.message());
        assertTrue(((Number) r.metrics().get("strandedWorkItems")).longValue() >= 1);
        assertTrue(fired(r, "W3"), "the progress invariant broke first");
        return;
      }
    }
    throw new AssertionError("no stranding in seeds 1..150 with pick=tail");
  }

  @Test
  void runMetricsHoldTheRequiredKeys() {
    RunResult r = run(3);
    for (String k :
        List.of(
            "workItemsQueued",
            "workItemsCompleted",
            "strandedWorkItems",
            "kicks",
            "culls",
            "kickedWorkersCulled",
            "workersCreated",
            "wakesOfReapedWorkersPinned",
            "kickToLockP99Nanos")) {
      assertTrue(r.metrics().containsKey(k), k);
    }
    assertEquals(
        r.metrics().get("workItemsQueued"),
        r.metrics().get("workItemsCompleted"),
        "every item ran");
    assertTrue(((Number) r.metrics().get("culls")).longValue() > 0);
  }
}
