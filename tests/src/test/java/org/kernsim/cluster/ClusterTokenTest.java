package org.kernsim.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Test;
import org.kernsim.config.ClusterConfig;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.cluster.Admission;
import org.kernsim.engine.cluster.ClusterDriver;
import org.kernsim.engine.cluster.ClusterNode;
import org.kernsim.engine.cluster.NodeEngine;
import org.kernsim.models.Models;
import org.kernsim.scenario.Scenario;

/**
 * Membership needs the cluster's token. A node with another token that asks to join through its
 * seed nodes is refused before it becomes a member (Pekko's join check with the join tag); one that
 * skips the check and sends Pekko's Join directly becomes a member, but is never handed a share of
 * a run (runs use admitted nodes only) and is downed when it cannot prove the token.
 */
class ClusterTokenTest {
  static final String OTHER_TOKEN = "another-cluster-token-9876543210";

  static ActorSystem<Void> stranger(List<String> seeds) {
    return ClusterNode.createSystem(
        ClusterConfig.Role.WORKER,
        "127.0.0.1",
        0,
        seeds,
        new ClusterConfig.Security(OTHER_TOKEN, null),
        LocalCluster.TEST_CONFIG.withoutPath("kernsim.cluster.auth.token"));
  }

  static MemberStatus statusOf(ActorSystem<?> observer, Address a) {
    for (Member m : Cluster.get(observer).state().getMembers())
      if (m.address().equals(a)) return m.status();
    return MemberStatus.removed();
  }

  @Test
  void aNodeWithAnotherTokenIsRefusedAndNeverHandedAShareOfARun() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(2)) {
      ActorSystem<Void> node0 = cluster.system(0);
      Address seed = Cluster.get(node0).selfMember().address();
      String seedText = seed.getHost().get() + ":" + seed.getPort().get();

      // 1. through the seed nodes (what 'kernsim node --seed-node' does): refused before joining
      long t0 = System.nanoTime();
      ActorSystem<Void> polite = stranger(List.of(seedText));
      try {
        polite.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        System.out.println("refused by the join check in " + ms(t0) + " ms");
        assertEquals(
            CoordinatedShutdown.incompatibleConfigurationDetectedReason(),
            CoordinatedShutdown.get(Adapter.toClassic(polite)).getShutdownReason().get());
        Address a = Cluster.get(polite).selfMember().address();
        assertEquals(MemberStatus.removed(), statusOf(node0, a), "never a member");
      } finally {
        ClusterNode.shutdown(polite, Duration.ofSeconds(10));
      }

      // 2. a Join sent directly (Cluster.join: no join check at all) makes it a member...
      ActorSystem<Void> rude = stranger(List.of());
      try {
        Address a = Cluster.get(rude).selfMember().address();
        t0 = System.nanoTime();
        ClusterNode.join(rude, seed);
        ClusterNode.start(rude, Models::simulation); // its node engine registers, too
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (statusOf(node0, a) != MemberStatus.up() || engines(node0) < 3) {
          if (System.nanoTime() > deadline)
            fail("the stranger did not become a member: " + statusOf(node0, a));
          Thread.sleep(20);
        }
        assertFalse(Admission.get(node0).isAdmitted(a), "a member, but not admitted");
        System.out.println("the stranger is a member after " + ms(t0) + " ms");

        // ... but a run on "every worker that is Up" runs on the two admitted nodes only
        Scenario s =
            Models.load("phold", List.of("phold.entities=32", "phold.population=2", "phold.ttl=8"));
        ClusterDriver.Outcome out =
            CompletableFuture.supplyAsync(() -> cluster.run(s, 5, 0, 2)).get(60, TimeUnit.SECONDS);
        assertEquals(
            Set.of(
                Cluster.get(node0).selfMember().address().toString(),
                Cluster.get(cluster.system(1)).selfMember().address().toString()),
            Set.copyOf(out.nodes()));
        RunResult one = SequentialDriver.run(s.build(), RunOptions.of(5, s.until()));
        assertEquals(one.traceSha256(), out.result().traceSha256());

        // ... and it is downed (it cannot answer the older members' challenges)
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        while (statusOf(node0, a) == MemberStatus.up()
            || statusOf(node0, a) == MemberStatus.joining()) {
          if (System.nanoTime() > deadline) fail("the stranger was not downed");
          Thread.sleep(50);
        }
        System.out.println(
            "the stranger is " + statusOf(node0, a) + " " + ms(t0) + " ms after it joined");
        assertTrue(
            Admission.get(node0).isAdmitted(Cluster.get(cluster.system(1)).selfMember().address()));
      } finally {
        ClusterNode.shutdown(rude, Duration.ofSeconds(10));
      }
    }
  }

  static long ms(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  /** How many node engines {@code system}'s receptionist lists. */
  static int engines(ActorSystem<?> system) throws Exception {
    Receptionist.Listing l =
        AskPattern.<Receptionist.Command, Receptionist.Listing>ask(
                system.receptionist(),
                reply -> Receptionist.find(NodeEngine.KEY, reply),
                Duration.ofSeconds(5),
                system.scheduler())
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    return l.getServiceInstances(NodeEngine.KEY).size();
  }
}
