package org.kernsim.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.kernsim.run.Ablations;
import org.kernsim.run.ClusterExplorer;
import org.kernsim.run.ExploreWorker;
import org.kernsim.run.Explorer;

/**
 * An exploration spread over 3 ActorSystems on 127.0.0.1 (Artery TCP, every message through the
 * Kryo serializer: serialize-messages = on) finds exactly the violating schedules one node finds,
 * with the same counts, merged histograms and per-schedule distributions; and so it does when a
 * node leaves in the middle (its unfinished batches run again on the others). When the coordinating
 * node leaves, its exploration fails instead of hanging and the other nodes drop it.
 *
 * <p>{@code workqueue-kick-cull} as shipped (kick {@code original}), seeds 500..1100, up to 301 s
 * (every NoKickedWorkerCulled seen so far happens in the burst at 300 s): seeds 518 and 1055
 * violate ({@code explore workqueue-kick-cull --seeds 1..3000 --until 301s}: 518, 1055, 2010).
 */
class ClusterExploreTest {

  static final long UNTIL = 301_000_000_000L;

  static Explorer.Plan plan(int threads) {
    return Explorer.Plan.builder("workqueue-kick-cull")
        .seeds(500, 1100)
        .until(UNTIL)
        .threads(threads)
        .build();
  }

  static List<Long> seeds(Explorer.Report r) {
    return r.violatingKept().stream().map(f -> f.schedule().seed()).sorted().toList();
  }

  static void assertSameExploration(Explorer.Report one, Explorer.Report many) {
    assertEquals(List.of(518L, 1055L), seeds(one), "the one-node exploration's violating seeds");
    assertEquals(seeds(one), seeds(many), "violating seeds");
    assertEquals(one.schedulesRun(), many.schedulesRun());
    assertEquals(one.violating(), many.violating());
    assertEquals(one.violationsByChecker(), many.violationsByChecker());
    assertEquals(one.first().index(), many.first().index());
    assertEquals(one.first().first(), many.first().first());
    assertEquals(one.replay(), many.replay());
    assertEquals(one.events(), many.events());
    assertEquals(one.metrics(), many.metrics(), "per-schedule distributions and totals");
    assertEquals(one.latencies(), many.latencies(), "merged latency histograms");
  }

  @Test
  void threeNodesFindTheViolatingSetOfOneNodeAlsoWhenANodeLeaves() throws InterruptedException {
    Explorer.Report one = Explorer.explore(plan(2), new Explorer.Listener() {});
    try (LocalCluster cluster = LocalCluster.start(3)) {
      for (int i = 0; i < 3; i++) ExploreWorker.start(cluster.system(i));
      ClusterExplorer.Outcome o =
          ClusterExplorer.explore(
              cluster.system(0),
              plan(1),
              new ClusterExplorer.Target(3, 1, Duration.ofSeconds(30)),
              new ClusterExplorer.Listener() {});
      assertSameExploration(one, o.report());
      assertEquals(3, o.nodes().size());
      assertEquals(3, o.schedulesPerNode().size());
      o.schedulesPerNode().forEach((node, n) -> assertTrue(n > 0, node + " ran nothing"));
      assertEquals(
          one.schedulesRun(),
          o.schedulesPerNode().values().stream().mapToLong(Long::longValue).sum());
      assertTrue(o.lost().isEmpty(), o.lost().toString());

      // node 2 leaves once a tenth of the schedules are done
      AtomicBoolean stopped = new AtomicBoolean();
      ClusterExplorer.Outcome lost =
          ClusterExplorer.explore(
              cluster.system(0),
              plan(1),
              new ClusterExplorer.Target(3, 1, Duration.ofSeconds(30)),
              new ClusterExplorer.Listener() {
                @Override
                public void progress(long done) {
                  if (done >= 60 && stopped.compareAndSet(false, true)) {
                    // node 2 is gone before another batch is merged: it holds a batch it can
                    // never answer, so the exploration cannot end without noticing the loss
                    cluster.system(2).terminate();
                    try {
                      cluster
                          .system(2)
                          .getWhenTerminated()
                          .toCompletableFuture()
                          .get(30, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (Exception e) {
                      throw new IllegalStateException(e);
                    }
                  }
                }
              });
      assertTrue(stopped.get());
      assertSameExploration(one, lost.report());
      assertEquals(1, lost.lost().size(), lost.lost().toString());
      assertTrue(
          lost.lost().get(0).address().equals(cluster.system(2).address().toString()),
          lost.lost().toString());
      assertFalse(lost.report().interrupted());

      // the coordinating node leaves mid-way through an exploration far too big to finish
      // (a million seeds): it ends with Unavailable instead of waiting for ever, and the node left
      // drops the exploration (no batch thread of it stays)
      AtomicBoolean left = new AtomicBoolean();
      Explorer.Plan huge =
          Explorer.Plan.builder("workqueue-kick-cull").seeds(1, 1_000_000).until(UNTIL).build();
      java.util.concurrent.CompletableFuture<Object> ended =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () -> {
                try {
                  return ClusterExplorer.explore(
                      cluster.system(1),
                      huge,
                      new ClusterExplorer.Target(2, 1, Duration.ofSeconds(30)),
                      new ClusterExplorer.Listener() {
                        @Override
                        public void progress(long done) {
                          if (done >= 30 && left.compareAndSet(false, true))
                            cluster.system(1).terminate();
                        }
                      });
                } catch (RuntimeException e) {
                  return e;
                }
              });
      Object end;
      try {
        end = ended.get(120, java.util.concurrent.TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        throw new AssertionError("the exploration did not end after its node left", e);
      }
      assertTrue(left.get());
      assertTrue(end instanceof ClusterExplorer.Unavailable, String.valueOf(end));
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (exploreThreads() > 0 && System.nanoTime() < deadline) Thread.sleep(100);
      assertEquals(0, exploreThreads(), "batch threads left after the coordinator went away");
    }
  }

  /** Live batch threads of any exploration in this JVM (ExploreWorker names them explore-x...). */
  static long exploreThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("explore-x"))
        .count();
  }

  /** Swarm testing on the 2 nodes left of a cluster: the per-subset counts of one node. */
  @Test
  void swarmTestingOverTheClusterCountsEachSubsetAsOneNode() {
    Explorer.Plan plan =
        Explorer.Plan.builder("workqueue-kick-cull")
            .overrides(Ablations.LOST_WAKEUPS_UNTIL_400S)
            .seeds(1, 10) // seed 9 violates (its subset: drop)
            .swarm(true)
            .build();
    Explorer.Report one = Explorer.explore(plan, new Explorer.Listener() {});
    try (LocalCluster cluster = LocalCluster.start(2)) {
      for (int i = 0; i < 2; i++) ExploreWorker.start(cluster.system(i));
      ClusterExplorer.Outcome o =
          ClusterExplorer.explore(
              cluster.system(0),
              plan,
              new ClusterExplorer.Target(2, 1, Duration.ofSeconds(30)),
              new ClusterExplorer.Listener() {});
      assertFalse(one.violatingKept().isEmpty());
      assertEquals(seeds(one), seeds(o.report()));
      assertEquals(one.swarm(), o.report().swarm());
      assertEquals(one.metrics(), o.report().metrics());
      assertEquals(one.replay(), o.report().replay());
    }
  }
}
