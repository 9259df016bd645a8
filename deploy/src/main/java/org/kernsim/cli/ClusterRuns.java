package org.kernsim.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kernsim.config.KernsimSettings;
import org.kernsim.engine.cluster.ClusterDriver;
import org.kernsim.models.Models;
import org.kernsim.run.Runner;

/**
 * Runs of the CLI on a cluster: the backend for {@link Runner}, and what the JSON says about it.
 */
final class ClusterRuns {
  private ClusterRuns() {}

  /** What a cluster run adds to the run JSON (the rest is exactly a single-node run's). */
  static final class Recorder {
    volatile ClusterDriver.Outcome outcome;
    volatile String transport = "tcp";

    Map<String, Object> json() {
      Map<String, Object> m = new LinkedHashMap<>();
      ClusterDriver.Outcome o = outcome;
      if (o == null) return m;
      m.put("nodes", o.nodes().size());
      m.put("partitionsPerNode", o.partitionsPerNode());
      m.put("addresses", o.nodes());
      m.put("transport", transport); // tcp, or tls-tcp (--tls-config)
      long cross = o.crossNodeEvents().values().stream().mapToLong(Long::longValue).sum();
      m.put("crossNodeEvents", cross);
      m.put("rounds", o.rounds()); // cluster-wide barriers
      m.put("syncPoints", o.syncPoints()); // rounds the coordinator started (ADR 107)
      m.put("speculatedRounds", o.speculatedRounds()); // ADR 108
      m.put("undoneRounds", o.undoneRounds());
      m.put("snapshots", o.snapshots()); // recovery snapshots, paced by their cost
      double ms = Math.max(1, o.result().simulatedNanos()) / 1e6;
      m.put("crossNodeEventsPerSimulatedMs", Math.round(cross / ms * 10) / 10.0);
      m.put("roundsPerSimulatedMs", Math.round(o.rounds() / ms * 10) / 10.0);
      // nodes lost during the run, each followed by the run going on from a snapshot
      List<Map<String, Object>> recoveries = new java.util.ArrayList<>();
      for (ClusterDriver.Recovery r : o.recoveries()) {
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("lost", r.lost());
        x.put("fromSnapshotOfWindow", r.snapshotWindow());
        x.put("nodes", r.nodes());
        x.put(
            "resumedAfterMs",
            r.resumedNanos() < 0 ? -1 : (r.resumedNanos() - r.noticedNanos()) / 1_000_000);
        recoveries.add(x);
      }
      m.put("recoveries", recoveries);
      return m;
    }
  }

  static Runner.Backend backend(Nodes nodes, int wanted, int partitionsPerNode, Recorder rec) {
    return backend(nodes, wanted, partitionsPerNode, null, true, rec);
  }

  /**
   * @param snapshotEvery windows between snapshots (null: kernsim.cluster.snapshot-every)
   * @param recover go on from the last snapshot when a node is lost (and kernsim.cluster.recover)
   */
  static Runner.Backend backend(
      Nodes nodes,
      int wanted,
      int partitionsPerNode,
      Long snapshotEvery,
      boolean recover,
      Recorder rec) {
    KernsimSettings.Cluster s = KernsimSettings.get().cluster();
    ClusterDriver.Target target =
        ClusterDriver.Target.of(wanted, partitionsPerNode, s)
            .withRecovery(
                snapshotEvery != null ? snapshotEvery : s.snapshotEvery(), recover && s.recover());
    rec.transport = nodes.system.settings().config().getString("pekko.remote.artery.transport");
    return (scenario, sim, options) -> {
      ClusterDriver.Outcome o =
          ClusterDriver.run(
              nodes.system, Models::simulation, Models.clusterJob(scenario, sim), options, target);
      rec.outcome = o;
      return o.result();
    };
  }
}
