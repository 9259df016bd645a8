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
import org.kernsim.engine.cluster.ClusterDriver;
import org.kernsim.models.Models;
import org.kernsim.scenario.Scenario;

/**
 * Free rounds (ADR 107): the partitions of 3 nodes (Artery TCP on 127.0.0.1, Kryo, serialize-
 * messages on) agree rounds among themselves between the coordinator's sync points, and a run is
 * still the one-thread run.
 *
 * <p>The adversarial case: PHOLD whose every hop takes exactly the lookahead (no random extra) and
 * goes to a random entity, so that most hops cross nodes and every one of them arrives exactly at
 * the horizon of the round it was sent in. A partition that ran one nanosecond past a safe horizon
 * — its own events at the horizon before another partition's event due at that same time — would
 * deliver an entity's events out of canonical order, and the trace hash would differ.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FreeRoundsTest {

  private LocalCluster cluster;

  @BeforeAll
  void start() {
    cluster = LocalCluster.start(3);
  }

  @AfterAll
  void stop() {
    if (cluster != null) cluster.close();
  }

  private static final List<String> EXACT_LOOKAHEAD =
      List.of(
          "phold.entities=48",
          "phold.population=3",
          "phold.ttl=40",
          "phold.lookahead=100ns",
          "phold.mean-extra=0s",
          "phold.remote=1");

  private ClusterDriver.Outcome run(Scenario scenario, long seed, int freeRounds, long snapEvery) {
    KernsimSettings.Cluster s =
        KernsimSettings.from(cluster.system(0).settings().config()).cluster();
    ClusterDriver.Target target =
        ClusterDriver.Target.of(3, 2, s)
            .withRecovery(snapEvery, 1, true) // every snapEvery rounds, whatever they cost
            .withFreeRounds(freeRounds);
    return ClusterDriver.run(
        cluster.system(0),
        Models::simulation,
        Models.clusterJob(scenario, scenario.build()),
        RunOptions.of(seed, scenario.until()),
        target);
  }

  @Test
  void hopsOfExactlyTheLookaheadAcrossNodesGiveTheOneThreadRun() {
    Scenario scenario = Models.load("phold", EXACT_LOOKAHEAD);
    for (long seed : new long[] {1, 2}) {
      RunResult one = SequentialDriver.run(scenario.build(), RunOptions.of(seed, scenario.until()));
      // free rounds all the way (one sync point), and a sync point every 3 rounds with a snapshot
      // every 5 (the stretches end at the snapshots too)
      for (int[] config : new int[][] {{1024, 0}, {3, 5}}) {
        ClusterDriver.Outcome out = run(scenario, seed, config[0], config[1]);
        String what = "seed " + seed + ", free rounds " + config[0] + ", snapshots " + config[1];
        assertEquals(one.traceSha256(), out.result().traceSha256(), what);
        assertEquals(one.events(), out.result().events(), what);
        assertEquals(one.simulatedNanos(), out.result().simulatedNanos(), what);
        long cross = out.crossNodeEvents().values().stream().mapToLong(Long::longValue).sum();
        // 2/3 of the random hops cross nodes
        assertTrue(cross > one.events() / 2, what + ": " + cross + " of " + one.events());
        // every hop at exactly the lookahead: one round per lookahead, ttl + 1 of them
        assertTrue(out.rounds() >= 40, what + ": " + out.rounds() + " rounds");
        // the coordinator started round 1 (and, with stretches of 3, every third round or
        // earlier at a snapshot) only; the partitions agreed the others among themselves
        // a snapshot at every fifth barrier but the last (the run ends there)
        if (config[1] > 0)
          assertTrue(
              out.snapshots() >= (out.rounds() - 1) / config[1]
                  && out.snapshots() <= out.rounds() / config[1],
              what + ": " + out.snapshots() + " snapshots in " + out.rounds() + " rounds");
        else assertEquals(0, out.snapshots(), what);
        if (config[0] == 1024) assertEquals(1, out.syncPoints(), what);
        else
          assertTrue(
              out.syncPoints() >= out.rounds() / 3 && out.syncPoints() < out.rounds() * 2 / 3,
              what + ": " + out.syncPoints() + " sync points in " + out.rounds() + " rounds");
      }
      // the coordinator starting every round (before ADR 107): the same run
      ClusterDriver.Outcome coordinated = run(scenario, seed, 0, 0);
      assertEquals(one.traceSha256(), coordinated.result().traceSha256());
      assertEquals(coordinated.rounds(), coordinated.syncPoints());
    }
  }

  /** A kernel model whose stop_machine messages cross nodes: free rounds and sync points mixed. */
  @Test
  void machineStopAcrossNodesGivesTheOneThreadRunWithShortStretches() {
    Scenario scenario =
        Models.load(
            "machine-stop",
            List.of("scenario.until=2ms", "machine.numa-nodes=3", "machine.cpus=12"));
    RunResult one = SequentialDriver.run(scenario.build(), RunOptions.of(3, scenario.until()));
    ClusterDriver.Outcome out = run(scenario, 3, 7, 0);
    assertEquals(one.traceSha256(), out.result().traceSha256());
    assertEquals(one.events(), out.result().events());
    assertEquals(one.endReason(), out.result().endReason());
    assertTrue(out.syncPoints() < out.rounds(), out.syncPoints() + " of " + out.rounds());
  }
}
