package org.kernsim.actors.timer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.models.Models;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.Scenario;

/**
 * The workqueue idle timer as the v6.13.7 timer code runs it (timer.wheel = v6.13) and unbound
 * kworkers placed by select_idle_sibling(), on the built-in scenario {@code workqueue-kick-cull}.
 */
class DeferrableIdleTimerTest {
  private static final String WHEEL = "timer.wheel=v6.13";
  private static final String LATE_BURST = "workload.burst-at=uniform(340s, 340004ms)";
  private static final String LATE_HOGS = "workload.hog-start=uniform(340000ms, 340004ms)";

  static RunResult run(long seed, String... sets) {
    Scenario s = Models.load("workqueue-kick-cull", List.of(sets));
    return SequentialDriver.run(s.build(), RunOptions.of(seed, s.until()));
  }

  static long metric(RunResult r, String name) {
    Object v = r.metrics().get(name);
    return v == null ? 0 : ((Number) v).longValue();
  }

  @Test
  void theIdleTimerWaitsOnItsIdleCpuAndNeverRunsOnAQuietMachine() {
    // armed at ~0-1 ms for +300 s: its level-5 bucket ends at 332.768 s (INITIAL_JIFFIES), when
    // every CPU is idle again; nothing wakes them before the run ends at 11 min
    RunResult exact = run(3);
    RunResult wheel = run(3, WHEEL);
    assertTrue(metric(exact, "culls") > 0, "without the wheel the cull runs at 300 s");
    assertTrue(metric(wheel, "deferrableTimersDeferred") > 0, "deferred on idle CPUs");
    assertEquals(0, metric(wheel, "idleTimerFires"), "a deferrable timer never wakes an idle CPU");
    assertEquals(0, metric(wheel, "culls"));
    assertEquals(metric(exact, "workItemsQueued"), metric(wheel, "workItemsCompleted"));
  }

  @Test
  void loadReturningToTheTimersCpuRunsTheDeferredTimerAtItsNextTick() {
    RunResult r = run(3, WHEEL, LATE_BURST, LATE_HOGS);
    long fires = metric(r, "idleTimerFires");
    assertTrue(fires > 0, "the CPUs leave idle at 340 s: " + r.metrics());
    assertEquals(fires, metric(r, "deferrableTimersDeferred"), "every fire was deferred");
    // each fire is at least the 340 s - 300 s - 1 ms the bucket waited past the expiry
    assertTrue(metric(r, "idleTimerDelayNanos") >= fires * 39_000_000_000L, r.metrics()::toString);
    assertTrue(metric(r, "culls") > 0);
  }

  @Test
  void unboundKworkersWakeOnIdleSiblingsAndRunsStayDeterministic() {
    String place = "sched.wake-placement=select-idle-sibling";
    RunResult a = run(5, place);
    RunResult b = run(5, place);
    assertTrue(metric(a, "wakeupsPlacedOnIdleSibling") > 0, a.metrics()::toString);
    assertEquals(a.traceSha256(), b.traceSha256());
    assertTrue(
        a.violations().isEmpty()
            || a.violations().stream().allMatch(v -> v.checker().equals("NoKickedWorkerCulled")),
        a.violations()::toString);
    assertEquals(metric(a, "workItemsQueued"), metric(a, "workItemsCompleted"));
    assertEquals(0, metric(run(5), "wakeupsPlacedOnIdleSibling"), "prev-cpu never moves a task");
  }

  @Test
  void interruptsTakeTimeAndThoseThatCameUnderTheLockDelayTheV1DeferredWake() {
    String[] irq = {"irq.rate=50000", "irq.duration=uniform(2us, 20us)"};
    RunResult a = run(7, "workqueue.kick=deferred-wake", irq[0], irq[1]);
    RunResult b = run(7, "workqueue.kick=deferred-wake", irq[0], irq[1]);
    assertEquals(a.traceSha256(), b.traceSha256());
    assertTrue(metric(a, "irqs") > 0 && metric(a, "irqNanos") >= 2_000 * metric(a, "irqs"));
    assertTrue(metric(a, "irqsPendingWithIrqsOff") > 0, a.metrics()::toString);
    // an interrupt has to arrive inside the sub-microsecond pool->lock round trip: rare
    long afterIrq = 0;
    for (long seed = 1; seed <= 40 && afterIrq == 0; seed++)
      afterIrq +=
          metric(
              run(seed, "workqueue.kick=deferred-wake", irq[0], irq[1]), "deferredWakesAfterIrq");
    assertTrue(afterIrq > 0, "no v1 deferred wake came after an interrupt in seeds 1..40");
    assertEquals(metric(a, "workItemsQueued"), metric(a, "workItemsCompleted"));
    RunResult none = run(7, "workqueue.kick=deferred-wake");
    assertEquals(0, metric(none, "irqs"));
    assertEquals(0, metric(none, "deferredWakesAfterIrq"));
  }

  @Test
  void theV613MechanismsRefuseAnOlderKernelsRun() {
    for (String set : List.of(WHEEL, "sched.wake-placement=select-idle-sibling", "irq.rate=1000")) {
      BadInputException e =
          assertThrows(
              BadInputException.class,
              () ->
                  Models.load("workqueue-kick-cull", List.of("workqueue.era=v3.19", set)).build());
      assertTrue(e.getMessage().contains("v6.13.7"), e.getMessage());
    }
  }
}
