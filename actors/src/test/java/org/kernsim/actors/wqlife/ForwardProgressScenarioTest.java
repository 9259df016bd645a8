package org.kernsim.actors.wqlife;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.RunResult;

/**
 * The pool's forward progress beyond its workers: the rescuer under memory pressure with {@code
 * max_active} (built-in {@code workqueue-rescuer}) and {@code wq_worker_tick()}'s CPU-intensive
 * marking (built-in {@code workqueue-cpu-intensive}).
 */
class ForwardProgressScenarioTest {

  static long metric(RunResult r, String key) {
    return PoolDestroyScenarioTest.metric(r, key);
  }

  @Test
  void theRescuerRunsTheWorkWhileNoKworkerCanBeCreated() {
    RunResult r = PoolDestroyScenarioTest.run("workqueue-rescuer", 1);
    assertEquals(Map.of(), PoolDestroyScenarioTest.fired(r));
    assertEquals(24, metric(r, "workItemsQueued"));
    assertEquals(24, metric(r, "workItemsCompleted"));
    assertEquals(20, metric(r, "workItemsInactive"), "max_active 2: 10 of 12 per CPU wait");
    assertEquals(20, metric(r, "workItemsActivated"), "each activated as an item completes");
    assertEquals(24, metric(r, "itemsStartedByRescuer"), "the only worker is the manager");
    assertTrue(metric(r, "maydaysSent") >= 2, "one pwq per pool, then re-queued");
    assertTrue(metric(r, "workWaitMaxNanos") < 100_000_000L, "MemReclaimProgress bound");
  }

  @Test
  void withoutARescuerTheWorkWaitsForTheKthread() {
    RunResult r = PoolDestroyScenarioTest.run("workqueue-rescuer", 1, "wq.mem-reclaim=false");
    assertEquals(Map.of(), PoolDestroyScenarioTest.fired(r), "no guarantee to break");
    assertEquals(24, metric(r, "workItemsCompleted"));
    assertEquals(0, metric(r, "itemsStartedByRescuer"));
    assertTrue(metric(r, "workWaitMaxNanos") > 300_000_000L, "kthread_create_on_node(): 300 ms");
  }

  @Test
  void memReclaimProgressFiresWhenTheBoundIsTooShortForTheRescuer() {
    RunResult r = PoolDestroyScenarioTest.run("workqueue-rescuer", 1, "wq.progress-bound=5ms");
    assertEquals(Map.of("MemReclaimProgress", 1L), PoolDestroyScenarioTest.fired(r));
  }

  @Test
  void aCpuHogIsMarkedCpuIntensiveAndTheOthersGoOn() {
    RunResult r = PoolDestroyScenarioTest.run("workqueue-cpu-intensive", 1);
    assertEquals(1, metric(r, "cpuIntensiveMarked"));
    assertTrue(metric(r, "workWaitMaxNanos") < 15_000_000L, "10 ms + the tick + a switch");
    RunResult off =
        PoolDestroyScenarioTest.run(
            "workqueue-cpu-intensive", 1, "workqueue.cpu-intensive-thresh=0ms");
    assertEquals(0, metric(off, "cpuIntensiveMarked"));
    assertTrue(metric(off, "workWaitMaxNanos") > 49_000_000L, "behind the 50 ms hog");
    RunResult era =
        PoolDestroyScenarioTest.run("workqueue-cpu-intensive", 1, "workqueue.era=v3.19");
    assertEquals(0, metric(era, "cpuIntensiveMarked"), "3.19 has no wq_worker_tick()");
  }

  /**
   * The tick's kick_pool() wakes a second worker, whose wake-up preempts the hog: when that
   * preemption arrives while the hog is still inside wq_worker_tick()'s pool->lock section, it is
   * taken at the interrupt's return (before 2026-12-07 it was lost there and seeds 12 and 15 waited
   * behind the whole 50 ms hog).
   */
  @Test
  void thePreemptionTheTickCausesIsTakenOnEverySeed() {
    for (long seed = 1; seed <= 20; seed++) {
      RunResult r = PoolDestroyScenarioTest.run("workqueue-cpu-intensive", seed);
      assertEquals(1, metric(r, "cpuIntensiveMarked"), "seed " + seed);
      assertTrue(metric(r, "workWaitMaxNanos") < 15_000_000L, "seed " + seed);
    }
  }
}
