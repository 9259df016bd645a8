package org.kernsim.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.kernsim.config.ClusterConfig;
import org.kernsim.config.KernsimSettings;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.cluster.ClusterDriver;
import org.kernsim.engine.cluster.ClusterNode;
import org.kernsim.models.Models;
import org.kernsim.scenario.Scenario;

/**
 * N ActorSystems in this JVM forming a kernsim cluster on 127.0.0.1 over Artery TCP (random ports),
 * with Kryo and {@code serialize-messages = on}: every message between actors, local or not, goes
 * through its serializer.
 */
public final class LocalCluster implements AutoCloseable {

  /** {@code application-test.conf}: serialize-messages = on, several systems per JVM. */
  static final Config TEST_CONFIG = ConfigFactory.parseResources("application-test.conf");

  /** The cluster token of the test clusters (application-test.conf). */
  public static final String TOKEN = TEST_CONFIG.getString("kernsim.cluster.auth.token");

  public final List<ActorTestKit> kits = new ArrayList<>();

  public static LocalCluster start(int nodes) {
    return start(nodes, ClusterConfig.Security.NONE);
  }

  /** {@code nodes} nodes with {@code security} (TLS, another token) over the test config. */
  public static LocalCluster start(int nodes, ClusterConfig.Security security) {
    LocalCluster c = new LocalCluster();
    try {
      for (int i = 0; i < nodes; i++) {
        Config config =
            ClusterConfig.node(
                ClusterConfig.Role.WORKER, "127.0.0.1", 0, List.of(), security, TEST_CONFIG);
        c.kits.add(ActorTestKit.create(config.getString("kernsim.cluster.system-name"), config));
      }
      var first = Cluster.get(c.system(0)).selfMember().address();
      for (ActorTestKit k : c.kits) ClusterNode.join(k.system(), first);
      for (ActorTestKit k : c.kits) {
        if (!ClusterNode.awaitUp(k.system(), Duration.ofSeconds(30)))
          throw new IllegalStateException("node not up");
        ClusterNode.start(k.system(), Models::simulation);
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (c.upMembers() < nodes) {
        if (System.nanoTime() > deadline) throw new IllegalStateException("cluster did not form");
        Thread.sleep(50);
      }
      return c;
    } catch (RuntimeException | InterruptedException e) {
      c.close();
      throw new IllegalStateException(e);
    }
  }

  int upMembers() {
    int n = 0;
    for (var m : Cluster.get(system(0)).state().getMembers())
      if (m.status() == MemberStatus.up()) n++;
    return n;
  }

  public ActorSystem<Void> system(int i) {
    return kits.get(i).system();
  }

  /**
   * Runs {@code scenario} with {@code options} coordinated from node 0 over {@code nodes} nodes.
   */
  ClusterDriver.Outcome run(
      Scenario scenario, RunOptions options, int nodes, int partitionsPerNode) {
    KernsimSettings.Cluster s = KernsimSettings.from(system(0).settings().config()).cluster();
    return ClusterDriver.run(
        system(0),
        Models::simulation,
        Models.clusterJob(scenario, scenario.build()),
        options,
        ClusterDriver.Target.of(nodes, partitionsPerNode, s));
  }

  /** Runs {@code scenario} coordinated from node 0 over {@code nodes} nodes. */
  ClusterDriver.Outcome run(Scenario scenario, long seed, int nodes, int partitionsPerNode) {
    KernsimSettings.Cluster s = KernsimSettings.from(system(0).settings().config()).cluster();
    return ClusterDriver.run(
        system(0),
        Models::simulation,
        Models.clusterJob(scenario, scenario.build()),
        RunOptions.of(seed, scenario.until()),
        ClusterDriver.Target.of(nodes, partitionsPerNode, s));
  }

  @Override
  public void close() {
    for (int i = kits.size() - 1; i >= 0; i--) {
      try {
        kits.get(i).shutdownTestKit();
      } catch (RuntimeException e) {
        // already down (a test stopped it)
      }
    }
  }
}
