package org.kernsim.cli;

import java.util.LinkedHashMap;
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
      m.put(
          "crossNodeEvents",
          o.crossNodeEvents().values().stream().mapToLong(Long::longValue).sum());
      return m;
    }
  }

  static Runner.Backend backend(Nodes nodes, int wanted, int partitionsPerNode, Recorder rec) {
    KernsimSettings.Cluster s = KernsimSettings.get().cluster();
    ClusterDriver.Target target = ClusterDriver.Target.of(wanted, partitionsPerNode, s);
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
