package org.kernsim.actors.workqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.Violation;
import org.kernsim.engine.actor.ActorDriver;
import org.kernsim.models.Models;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.Scenario;

/**
 * The workqueue under CPU hotplug: mainline {@code unbind_workers()}/{@code rebind_workers()} in a
 * loaded run, and catalogue WQ-7 with its verdict per kernel version.
 */
class WorkqueueHotplugTest {
  static ActorTestKit kit;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("wq-hotplug-test", ActorDriver.config(2));
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
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

  static long m(RunResult r, String key) {
    Object v = r.metrics().get(key);
    return v == null ? 0 : ((Number) v).longValue();
  }

  @Test
  void poolsAreUnboundAndReboundAsCpusComeAndGoWithoutStrandingWork() {
    RunResult r = run("workqueue-hotplug", 3);
    assertEquals(Map.of(), fired(r));
    assertTrue(m(r, "cpuDowns") >= 3, "downs: " + m(r, "cpuDowns"));
    assertEquals(m(r, "cpuDowns"), m(r, "poolsUnbound"), "one normal pool per CPU");
    assertEquals(m(r, "cpuUps"), m(r, "poolsRebound"));
    assertTrue(m(r, "tasksMigratedByHotplug") > 0);
    assertEquals(m(r, "workItemsQueued"), m(r, "workItemsCompleted"));
  }

  @Test
  void aWorkqueueHotplugRunIsTheSameTwiceAndOnBothDrivers() {
    Scenario s = Models.load("workqueue-hotplug", List.of("scenario.until=60ms"));
    Simulation sim = s.build();
    RunOptions o = RunOptions.of(5, s.until());
    RunResult seq = SequentialDriver.run(sim, o);
    RunResult again = SequentialDriver.run(s.build(), o);
    RunResult act = ActorDriver.run(kit.system(), sim, o, 3);
    assertTrue(m(seq, "cpuDowns") >= 1);
    assertEquals(seq.traceSha256(), again.traceSha256());
    assertEquals(seq.traceSha256(), act.traceSha256());
    assertEquals(Map.copyOf(seq.metrics()), Map.copyOf(act.metrics()));
  }

  // ------------------------------------------------------------------ WQ-7

  @Test
  void wq7V38StrandsTheNormalPoolsWorkWhenItsBusyWorkerBlocks() {
    for (long seed = 1; seed <= 3; seed++) {
      RunResult r = run("workqueue-wq7-unbind-highpri", seed);
      assertEquals(1, m(r, "poolsUnboundWithWorkPending"), "the window: seed " + seed);
      Violation v = first(r, "NoStrandedWork");
      assertTrue(v.message().contains("pool1"), v.message());
      assertTrue(m(r, "longestStrandingNanos") >= 90_000_000, "until P's I/O ends (100 ms)");
    }
  }

  @Test
  void wq7IsNotReachableWithTheFixOrInMainline() {
    for (String k : List.of("v3.9", "mainline-2026")) {
      for (long seed = 1; seed <= 3; seed++) {
        RunResult r = run("workqueue-wq7-unbind-highpri", seed, "hotplug.kernel=" + k);
        assertEquals(
            1,
            m(r, "poolsUnboundWithWorkPending"),
            k + " seed " + seed + ": the unbind meets the same window");
        assertEquals(Map.of(), fired(r), k + " seed " + seed);
      }
    }
  }

  @Test
  void theNotifierErasNeedTheHighpriPoolsAndTheOriginalKick() {
    BadInputException a =
        org.junit.jupiter.api.Assertions.assertThrows(
            BadInputException.class,
            () ->
                Models.load(
                        "workqueue-wq7-unbind-highpri", List.of("workqueue.highpri-pools=false"))
                    .build());
    assertTrue(a.getMessage().contains("highpri-pools"), a.getMessage());
    BadInputException b =
        org.junit.jupiter.api.Assertions.assertThrows(
            BadInputException.class,
            () ->
                Models.load("workqueue-wq7-unbind-highpri", List.of("workqueue.kick=claim"))
                    .build());
    assertTrue(b.getMessage().contains("original"), b.getMessage());
  }

  private static Violation first(RunResult r, String checker) {
    for (Violation v : r.violations()) if (v.checker().equals(checker)) return v;
    throw new AssertionError(checker + " did not fire: " + fired(r));
  }
}
