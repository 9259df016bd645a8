package org.kernsim.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernsim.config.ClusterConfig;
import org.kernsim.config.Tls;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.cluster.ClusterDriver;
import org.kernsim.engine.cluster.ClusterNode;
import org.kernsim.models.Models;
import org.kernsim.scenario.Scenario;

/**
 * A cluster over TLS (Artery tls-tcp, key and trust stores from files made by keytool, mutual
 * authentication) runs a scenario with the single-node hash; a node without TLS, or with a
 * certificate the cluster does not trust, cannot even join — even with the right token.
 */
class TlsClusterTest {

  @Test
  void aTlsClusterRunsWithTheSingleNodeHashAndKeepsOutNodesWithoutATrustedCertificate(
      @TempDir Path dir) throws Exception {
    Config tls = Tls.fromFile(TestKeystores.make(dir.resolve("cluster"), "kernsim-test"));
    Config untrusted = Tls.fromFile(TestKeystores.make(dir.resolve("other"), "stranger"));
    try (LocalCluster cluster = LocalCluster.start(2, new ClusterConfig.Security(null, tls))) {
      ActorSystem<Void> node0 = cluster.system(0);
      assertEquals("tls-tcp", node0.settings().config().getString("pekko.remote.artery.transport"));
      Address seed = Cluster.get(node0).selfMember().address();

      // the right token, but no TLS / an untrusted certificate: never members
      ActorSystem<Void> plain =
          ClusterNode.createSystem(
              ClusterConfig.Role.WORKER, "127.0.0.1", 0, List.of(), LocalCluster.TEST_CONFIG);
      ActorSystem<Void> foreign =
          ClusterNode.createSystem(
              ClusterConfig.Role.WORKER,
              "127.0.0.1",
              0,
              List.of(),
              new ClusterConfig.Security(null, untrusted),
              LocalCluster.TEST_CONFIG);
      try {
        ClusterNode.join(plain, seed);
        ClusterNode.join(foreign, seed);

        Scenario s =
            Models.load("phold", List.of("phold.entities=32", "phold.population=2", "phold.ttl=8"));
        ClusterDriver.Outcome out = cluster.run(s, 4, 2, 2);
        RunResult one = SequentialDriver.run(s.build(), RunOptions.of(4, s.until()));
        assertEquals(one.traceSha256(), out.result().traceSha256());
        assertEquals(one.events(), out.result().events());

        Thread.sleep(3000); // time enough to join, had they been able to
        for (ActorSystem<Void> stranger : List.of(plain, foreign)) {
          Address a = Cluster.get(stranger).selfMember().address();
          assertEquals(MemberStatus.removed(), ClusterTokenTest.statusOf(node0, a), a.toString());
          assertEquals(MemberStatus.removed(), Cluster.get(stranger).selfMember().status());
        }
      } finally {
        ClusterNode.shutdown(plain, Duration.ofSeconds(5));
        ClusterNode.shutdown(foreign, Duration.ofSeconds(5));
      }
    }
  }
}
