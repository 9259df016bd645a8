package org.kernsim.actors.wqlife;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.Violation;
import org.kernsim.engine.actor.ActorDriver;
import org.kernsim.models.Models;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.Scenario;

/**
 * The built-in {@code workqueue-pool-destroy}: a worker {@code kick_pool()} claimed (the seed's
 * fix) and that has not run yet is missed by {@code put_unbound_pool()} — its WARN fires and the
 * kworker outlives the freed pool — while the variants that leave the picked worker idle ({@code
 * original}, {@code deferred-wake}) or park it on {@code kicked_list} never lose it. The seeds are
 * ones {@code explore} found (docs/workqueue.md has the counts over 20,000 seeds).
 */
class PoolDestroyScenarioTest {

  static RunResult run(long seed, String... sets) {
    return run("workqueue-pool-destroy", seed, sets);
  }

  static RunResult run(String scenario, long seed, String... sets) {
    Scenario s = Models.load(scenario, List.of(sets));
    return SequentialDriver.run(s.build(), RunOptions.of(seed, s.until()));
  }

  static Map<String, Long> fired(RunResult r) {
    Map<String, Long> out = new TreeMap<>();
    for (Violation v : r.violations()) out.merge(v.checker(), 1L, Long::sum);
    return out;
  }

  static long metric(RunResult r, String key) {
    Object v = r.metrics().get(key);
    return v == null ? 0 : ((Number) v).longValue();
  }

  @Test
  void refusesWhatTheModelDoesNotHave() {
    // no cpuhp callbacks for the life-cycle model's pools: a hotplug run would not be the kernel's
    BadInputException e =
        assertThrows(BadInputException.class, () -> run(1, "faults.hotplug.plan=5ms down 1"));
    assertTrue(e.getMessage().startsWith("faults.hotplug:"), e.getMessage());
    assertThrows(BadInputException.class, () -> run(1, "faults.hotplug.rate=10"));
    // the 3.x eras have per-CPU pools only (3.18's put_unbound_pool() differs)
    e =
        assertThrows(
            BadInputException.class,
            () -> run("workqueue-wq6-manager-race", 1, "workqueue.era=v3.18", "wq.unbound=true"));
    assertTrue(e.getMessage().startsWith("workqueue.era=v3.18"), e.getMessage());
  }

  @Test
  void theClaimLetsAPickedWorkerOutliveItsPool() {
    RunResult r = run(24, "workqueue.kick=claim");
    assertEquals(Map.of("NoKworkerOutlivesPool", 1L, "PutUnboundPoolWarn", 1L), fired(r));
    Violation warn = r.violations().get(0);
    assertEquals("PutUnboundPoolWarn", warn.checker());
    assertTrue(warn.message().contains("picked by kick_pool(), not yet run"), warn.message());
    assertTrue(
        r.violations().get(1).message().contains("outlives pool-u1"),
        r.violations().get(1).message());
    assertEquals(3, metric(r, "poolsFreed"));
  }

  @Test
  void theClaimWithADeferredWakeToo() {
    RunResult r = run(56, "workqueue.kick=claim+deferred-wake");
    assertTrue(fired(r).containsKey("PutUnboundPoolWarn"), fired(r).toString());
    assertTrue(fired(r).containsKey("NoKworkerOutlivesPool"), fired(r).toString());
  }

  /**
   * Seed 29 under {@code claim}: two claimed kworkers outlive pool-u3 and re-arm its idle timer.
   * With exact timers it fires IDLE_WORKER_TIMEOUT later (a use after free at 300 s). With v6.13's
   * wheel it is due at 332.768 s (level 5, 32.768 s buckets) but it is {@code TIMER_DEFERRABLE}: on
   * an idle CPU it waits for that CPU's next tick, so the bucket's expiry is no touch of the freed
   * pool; the callback is, when a busy CPU's timer softirq runs it.
   */
  @Test
  void withTheTimerWheelTheFreedPoolsIdleTimerRunsAtItsCpusNextBusyTick() {
    RunResult exact = run(29, "workqueue.kick=claim");
    Violation uaf = only(exact, "NoUseOfFreedPool");
    assertTrue(uaf.message().contains("idle_timer fires (idle_worker_timeout())"), uaf.message());
    assertTrue(uaf.atNanos() >= 300_000_000_000L && uaf.atNanos() < 301_000_000_000L);

    RunResult idle = run(29, "workqueue.kick=claim", "timer.wheel=v6.13", "scenario.until=340s");
    assertEquals(Map.of("NoKworkerOutlivesPool", 1L, "PutUnboundPoolWarn", 1L), fired(idle));
    assertTrue(metric(idle, "deferrableTimersDeferred") >= 1, "the timer waits on its idle CPU");
    assertEquals(0, metric(idle, "useOfFreedPool"));
    assertEquals(1, metric(idle, "idleTimersDueOnFreedPool"), "the bucket came due at 332.768 s");
  }

  static Violation only(RunResult r, String checker) {
    List<Violation> v = r.violations().stream().filter(x -> x.checker().equals(checker)).toList();
    assertEquals(1, v.size(), fired(r).toString());
    return v.get(0);
  }

  @Test
  void theOtherVariantsDestroyEveryWorkerOnTheSameSeeds() {
    for (String v : List.of("original", "deferred-wake", "kicked-list")) {
      for (long seed : new long[] {24, 56}) {
        RunResult r = run(seed, "workqueue.kick=" + v);
        assertEquals(Map.of(), fired(r), v + " seed " + seed);
        // apply 1 again finds the first pool if it is still referenced (3 pools), else a new one
        assertTrue(metric(r, "poolsCreated") >= 3, v);
        assertEquals(
            metric(r, "poolsCreated"),
            metric(r, "poolsFreed"),
            v + ": every pool is destroyed and freed");
        assertEquals(20, metric(r, "pwqsReleased"), v + ": 4 pools x (4 CPUs + dfl_pwq)");
        assertEquals(metric(r, "workItemsQueued"), metric(r, "workItemsCompleted"), v);
      }
    }
  }

  @Test
  void sequentialAndActorDriversAgree() {
    Scenario s = Models.load("workqueue-pool-destroy", List.of("workqueue.kick=claim"));
    RunOptions o = RunOptions.of(24, s.until());
    RunResult seq = SequentialDriver.run(s.build(), o);
    RunResult again = SequentialDriver.run(s.build(), o);
    RunResult actors = ActorDriver.run(s.build(), o, 2);
    assertEquals(seq.traceSha256(), again.traceSha256());
    assertEquals(seq.traceSha256(), actors.traceSha256());
    assertEquals(seq.violations(), actors.violations());
  }
}
