package org.kernsim.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.actor.ActorDriver;
import org.kernsim.engine.cluster.ClusterDriver;
import org.kernsim.models.Models;
import org.kernsim.scenario.Scenario;

/**
 * The load scenarios ({@code kprobes-load}, {@code workqueue-load}) at a small size: the same run
 * twice (the sequential driver, then the actor driver) and on three cluster nodes, and they do the
 * load they describe (every wave registered, disabled in part and unregistered, on both kprobes
 * eras; items on the per-CPU and unbound pools from the warm-up, the steady stream and every
 * burst).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LoadScenariosTest {

  private LocalCluster cluster;

  @BeforeAll
  void start() {
    cluster = LocalCluster.start(3);
  }

  @AfterAll
  void stop() {
    if (cluster != null) cluster.close();
  }

  /** 6 CPUs, 400 probes: waves of 100, one probe of each disabled (all:K/400). */
  static final List<String> KPROBES_SMALL = List.of("machine.cpus=6", "kprobes.probes=400");

  /** 8 CPUs, the first 40 ms: the warm-up, the steady stream and the first two bursts. */
  static final List<String> WORKQUEUE_SMALL = List.of("machine.cpus=8", "scenario.until=40ms");

  @Test
  void kprobesLoadOnTheSeedsKernel() {
    Map<String, Object> m = sameEverywhere("kprobes-load", KPROBES_SMALL, 3, true);
    assertWaves(m);
    // 2.6.38 batches: far fewer stop_machines than probe (un)patches
    long patched = (Long) m.get("textPokedProbes");
    assertEquals(800L, patched, "every probe optimised once and un-optimised once: " + m);
    assertTrue((Long) m.get("stopMachineCount") < patched / 4, m.toString());
  }

  @Test
  void kprobesLoadBeforeTheSeed() {
    List<String> o = new java.util.ArrayList<>(KPROBES_SMALL);
    o.add("kprobes.kernel=2.6.37");
    // (not on the cluster: its 800 stop_machines each cross the nodes; same code path as 2.6.38's)
    Map<String, Object> m = sameEverywhere("kprobes-load", o, 4, false);
    assertWaves(m);
    // 2.6.37: one stop_machine per optimisation and per un-optimisation
    assertTrue((Long) m.get("stopMachineCount") >= 800L, m.toString());
  }

  @Test
  void workqueueLoad() {
    Map<String, Object> m = sameEverywhere("workqueue-load", WORKQUEUE_SMALL, 5, true);
    long queued = (Long) m.get("workItemsQueued");
    // per thread by 40 ms: 8 warm-up items, ~25-39 steady ones, the first burst of 16 and
    // (if it started) part of the second; the delayed work coalesces a few
    assertTrue(queued >= 8 * (8 + 20 + 16) && queued <= 8 * (8 + 40 + 32), m.toString());
    assertTrue((Long) m.get("workItemsCompleted") > queued / 2, m.toString());
    assertTrue((Long) m.get("workersCreated") > 8, m.toString());
  }

  private static void assertWaves(Map<String, Object> m) {
    assertEquals(4L, m.get("api.register.ok"), m.toString());
    assertEquals(4L, m.get("api.unregister.ok"), m.toString());
    assertEquals(4L, m.get("api.disable.ok"), m.toString());
    assertEquals(1L, m.get("api.audit.ok"), m.toString());
    assertEquals(0L, m.get("auditHashedProbes"), "every wave unregistered: " + m);
  }

  /**
   * Runs {@code name} sequentially, on the actor driver and ({@code onCluster}) on 3 cluster nodes:
   * one trace hash, one event count, the same metrics.
   */
  private Map<String, Object> sameEverywhere(
      String name, List<String> overrides, long seed, boolean onCluster) {
    Scenario scenario = Models.load(name, overrides);
    RunOptions options = RunOptions.of(seed, scenario.until());
    RunResult one = SequentialDriver.run(scenario.build(), options);
    RunResult actors = ActorDriver.run(scenario.build(), options, 2);
    String what = name + " " + overrides + " seed " + seed;
    List<RunResult> others = new java.util.ArrayList<>(List.of(actors));
    if (onCluster) {
      ClusterDriver.Outcome out = cluster.run(scenario, seed, 3, 2);
      assertEquals(3, out.nodes().size(), what);
      others.add(out.result());
    }
    for (RunResult r : others) {
      assertEquals(one.traceSha256(), r.traceSha256(), what);
      assertEquals(one.events(), r.events(), what);
      assertEquals(one.endReason(), r.endReason(), what);
      assertEquals(Map.copyOf(one.metrics()), Map.copyOf(r.metrics()), what);
    }
    assertTrue(one.events() > 1000, what + ": " + one.events() + " events");
    return one.metrics();
  }
}
