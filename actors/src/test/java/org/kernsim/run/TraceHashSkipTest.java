package org.kernsim.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.schedule.Forks;
import org.kernsim.engine.schedule.Strategy;
import org.kernsim.models.Models;
import org.kernsim.scenario.Scenario;

/**
 * An exploration's schedules run without the trace hash ({@link RunOptions#withoutTraceHash}): such
 * a run is the same run (events, violations, metrics, histograms, end) with a null {@code
 * traceSha256}, never a wrong one, and every output that prints a hash (a replay's run, a guided
 * schedule) still prints the true one. A driver that let the option touch anything but the digest,
 * or an explore path that printed a hash of a hashless run, fails here.
 */
class TraceHashSkipTest {

  private static final long FORK_AT = 299_000_000_000L;

  /** Everything of a result but its hash and wall time. */
  private static void assertSameRun(RunResult hashed, RunResult bare, String what) {
    assertNotNull(hashed.traceSha256(), what);
    assertEquals(64, hashed.traceSha256().length(), what);
    assertNull(bare.traceSha256(), what + ": no hash rather than a wrong one");
    assertEquals(hashed.events(), bare.events(), what);
    assertEquals(hashed.simulatedNanos(), bare.simulatedNanos(), what);
    assertEquals(hashed.violations(), bare.violations(), what);
    assertEquals(hashed.metrics(), bare.metrics(), what);
    assertEquals(hashed.endReason(), bare.endReason(), what);
    assertEquals(hashed.windows(), bare.windows(), what);
    assertEquals(hashed.counters(), bare.counters(), what);
    assertEquals(hashed.histograms(), bare.histograms(), what);
  }

  @Test
  void aRunWithoutTheHashIsTheSameRun() {
    Scenario s = Models.load("workqueue-kick-cull", Ablations.LOST_WAKEUPS_UNTIL_400S);
    Simulation sim = s.build();
    int violating = 0;
    for (long seed = 1; seed <= 12; seed++) {
      RunResult hashed = SequentialDriver.run(sim, RunOptions.of(seed, s.until()));
      RunResult bare = SequentialDriver.run(sim, RunOptions.of(seed, s.until()).withoutTraceHash());
      assertSameRun(hashed, bare, "seed " + seed);
      if (!hashed.violations().isEmpty()) violating++;
    }
    assertTrue(violating > 0, "some of these seeds violate");

    // forked: the prefix's snapshot is hashed, the schedules restored from it are not
    Scenario kc = Models.load("workqueue-kick-cull", List.of());
    Strategy pct = new Strategy(Strategy.Kind.PCT, 3, 0);
    Forks.Prefix prefix = Forks.prefix(kc.build(), 518, FORK_AT, kc.until(), pct);
    for (long p = 1; p <= 8; p++) {
      RunOptions o = RunOptions.of(518, kc.until());
      assertSameRun(
          Forks.schedule(prefix, pct, p, o),
          Forks.schedule(prefix, pct, p, o.withoutTraceHash()),
          "seed 518 forked, perturbation " + p);
    }
  }

  @Test
  void aRunWithoutTheHashTakesNoSnapshot() {
    Scenario s = Models.load("workqueue-kick-cull", List.of());
    RunOptions o =
        RunOptions.of(1, s.until())
            .withoutTraceHash()
            .withSnapshot(new RunOptions.Snapshots(FORK_AT, Map.of(), true, x -> {}));
    assertThrows(IllegalArgumentException.class, () -> SequentialDriver.run(s.build(), o));
  }

  /**
   * The exploration (hashless schedules) finds the same violating seeds as hashed runs of each, its
   * JSON prints no hash, and the replay of its first violation prints the true hash of that
   * schedule.
   */
  @Test
  void explorePrintsNoHashAndItsReplayPrintsTheTrueOne() {
    Explorer.Plan plan =
        Explorer.Plan.builder("workqueue-kick-cull")
            .overrides(Ablations.LOST_WAKEUPS_UNTIL_400S)
            .seeds(1, 12)
            .threads(2)
            .build();
    Explorer.Report r = Explorer.explore(plan, new Explorer.Listener() {});
    Scenario s = Models.load("workqueue-kick-cull", Ablations.LOST_WAKEUPS_UNTIL_400S);
    Simulation sim = s.build();
    List<Long> expected = new java.util.ArrayList<>();
    long events = 0;
    for (long seed = 1; seed <= 12; seed++) {
      RunResult h = SequentialDriver.run(sim, RunOptions.of(seed, s.until()));
      events += h.events();
      if (!h.violations().isEmpty()) expected.add(seed);
    }
    assertEquals(expected, r.violatingSeeds().stream().sorted().toList());
    assertEquals(events, r.events());
    assertFalse(r.json().toString().contains("traceSha256"), "a schedule's hash is never printed");

    Explorer.Found first = r.first();
    assertNotNull(first);
    RunSpec replay =
        RunSpec.schedule(
            "workqueue-kick-cull",
            Ablations.LOST_WAKEUPS_UNTIL_400S,
            first.schedule().seed(),
            -1,
            null);
    assertTrue(plan.replay(first.schedule()).startsWith("kernsim run workqueue-kick-cull"));
    RunResult again = Runner.run(replay).result();
    assertEquals(
        SequentialDriver.run(sim, RunOptions.of(first.schedule().seed(), s.until())).traceSha256(),
        again.traceSha256());
    assertEquals(first.first(), again.violations().get(0));
  }
}
