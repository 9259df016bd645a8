package org.kernsim.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.kernsim.config.KernsimSettings;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.actor.Coordinator.Speculation;
import org.kernsim.engine.cluster.ClusterDriver;
import org.kernsim.models.Models;
import org.kernsim.scenario.Scenario;

/**
 * Speculative rounds (ADR 108) on 3 nodes (Artery TCP on 127.0.0.1, Kryo, serialize-messages on):
 * the partitions run past their horizons as if no event from another partition would come, keep
 * what ran before the earliest event that did cross, undo the rest (their entities restored from
 * in-memory checkpoints, the batches that arrived meanwhile kept) and run it again — and the run is
 * still the one-thread run, hash for hash, where events seldom cross (a few rounds instead of
 * thousands) and where they cross all the time (nearly every round undone).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SpeculativeRoundsTest {

  private LocalCluster cluster;

  @BeforeAll
  void start() {
    cluster = LocalCluster.start(3);
  }

  @AfterAll
  void stop() {
    if (cluster != null) cluster.close();
  }

  private ClusterDriver.Outcome run(
      Scenario scenario, long seed, Speculation speculation, long snapEvery) {
    KernsimSettings.Cluster s =
        KernsimSettings.from(cluster.system(0).settings().config()).cluster();
    ClusterDriver.Target target =
        ClusterDriver.Target.of(3, 2, s)
            .withRecovery(snapEvery, 1, true) // every snapEvery rounds, whatever they cost
            .withSpeculation(speculation);
    return ClusterDriver.run(
        cluster.system(0),
        Models::simulation,
        Models.clusterJob(scenario, scenario.build()),
        RunOptions.of(seed, scenario.until()),
        target);
  }

  private static void sameRun(RunResult one, ClusterDriver.Outcome out, String what) {
    assertEquals(one.traceSha256(), out.result().traceSha256(), what);
    assertEquals(one.events(), out.result().events(), what);
    assertEquals(one.simulatedNanos(), out.result().simulatedNanos(), what);
    assertEquals(one.endReason(), out.result().endReason(), what);
    assertEquals(one.violations(), out.result().violations(), what);
  }

  /**
   * The kprobes crash window, 5 ms: 20,594 plain rounds on 3 nodes (every node has an event within
   * the 100 ns lookahead of the others all the time), though only 17 events cross nodes.
   * Speculating, a few dozen rounds, a few of them undone where an event did cross.
   */
  @Test
  void fewEventsAcrossNodesTakeAFewRoundsAndGiveTheOneThreadRun() {
    Scenario scenario = Models.load("kprobes-kp15-crash-window", List.of("scenario.until=5ms"));
    RunResult one = SequentialDriver.run(scenario.build(), RunOptions.of(5, scenario.until()));
    ClusterDriver.Outcome out = run(scenario, 5, Speculation.ALWAYS, 0);
    sameRun(one, out, "always");
    assertTrue(out.rounds() < 200, out.rounds() + " rounds");
    assertTrue(out.speculatedRounds() > 0 && out.undoneRounds() > 0, out.toString());
    assertTrue(out.undoneRounds() < out.speculatedRounds(), out.toString());
    // where it pays, by the rounds' wall time: the same run whatever it chose
    sameRun(one, run(scenario, 5, Speculation.AUTO, 0), "auto");
  }

  private static final List<String> EXACT_LOOKAHEAD =
      List.of(
          "phold.entities=48",
          "phold.population=3",
          "phold.ttl=40",
          "phold.lookahead=100ns",
          "phold.mean-extra=0s",
          "phold.remote=1");

  /**
   * PHOLD whose every hop takes exactly the lookahead to a random entity: 2/3 of the hops cross
   * nodes, so a speculative round is undone nearly always, at exactly its plain horizon. With
   * snapshots every 5 rounds too (taken at the barriers between rounds).
   */
  @Test
  void hopsOfExactlyTheLookaheadUndoNearlyEveryRoundAndGiveTheOneThreadRun() {
    Scenario scenario = Models.load("phold", EXACT_LOOKAHEAD);
    RunResult one = SequentialDriver.run(scenario.build(), RunOptions.of(1, scenario.until()));
    for (long snapEvery : new long[] {0, 5}) {
      ClusterDriver.Outcome out = run(scenario, 1, Speculation.ALWAYS, snapEvery);
      String what = "snapshots every " + snapEvery;
      sameRun(one, out, what);
      assertTrue(out.undoneRounds() * 2 > out.speculatedRounds(), what + ": " + out);
      assertEquals(snapEvery == 0, out.snapshots() == 0, what + ": " + out);
    }
  }

  /**
   * The kprobes bulk-unregister run, whose every text_poke sync crosses nodes (12 CPUs on 3 NUMA
   * nodes): rounds kept and undone mixed, and batches from partitions that kept their round reach
   * partitions that are still undoing theirs.
   */
  @Test
  void denseTrafficAcrossNodesGivesTheOneThreadRun() {
    Scenario scenario =
        Models.load(
            "kprobes-bulk-unregister",
            List.of(
                "machine.cpus=12",
                "machine.numa-nodes=3",
                "kprobes.probes=40",
                "scenario.until=20ms"));
    RunResult one = SequentialDriver.run(scenario.build(), RunOptions.of(1, scenario.until()));
    ClusterDriver.Outcome out = run(scenario, 1, Speculation.ALWAYS, 0);
    sameRun(one, out, "always");
    assertTrue(out.undoneRounds() > 0 && out.undoneRounds() < out.speculatedRounds(), "" + out);
    long cross = out.crossNodeEvents().values().stream().mapToLong(Long::longValue).sum();
    assertTrue(cross > 100, cross + " events across nodes");
  }
}
