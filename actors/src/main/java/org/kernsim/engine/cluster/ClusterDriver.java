package org.kernsim.engine.cluster;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.kernsim.config.KernsimSettings;
import org.kernsim.engine.Await;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.actor.Coordinator;
import org.kernsim.protocol.cluster.ClusterRunCommand;

/**
 * Runs a simulation on a Pekko cluster: the calling node coordinates (windows, checkers, trace),
 * and every participating node runs its share of partitions and sharded entities. The result —
 * {@code traceSha256} included — is the same as on one node.
 */
public final class ClusterDriver {
  private ClusterDriver() {}

  /**
   * Where and how to run.
   *
   * @param nodes how many worker nodes to run on (0: every worker that is Up when the run starts)
   * @param partitionsPerNode partitions each node hosts
   * @param freeRounds the most rounds the partitions agree among themselves between two sync points
   *     with the coordinator (ADR 107; 0: the coordinator starts every round)
   * @param speculate run rounds speculatively past their horizons (ADR 108)
   * @param snapshotMaxShare the most of the run's wall time its recovery snapshots may take (a due
   *     snapshot waits until it keeps to it; 1: every {@code snapshotEvery} rounds exactly)
   */
  public record Target(
      int nodes,
      int partitionsPerNode,
      Duration formTimeout,
      Duration setupTimeout,
      Duration stallTimeout,
      int batchMaxEvents,
      long snapshotEvery,
      double snapshotMaxShare,
      boolean recover,
      int freeRounds,
      Coordinator.Speculation speculate) {

    public static Target of(int nodes, int partitionsPerNode, KernsimSettings.Cluster c) {
      return new Target(
          nodes,
          partitionsPerNode,
          c.formTimeout(),
          c.setupTimeout(),
          c.stallTimeout(),
          c.batchMaxEvents(),
          c.snapshotEvery(),
          c.snapshotMaxShare(),
          c.recover(),
          c.freeRounds(),
          Coordinator.Speculation.of(c.speculate()));
    }

    /**
     * Takes a snapshot every {@code every} windows (0: never) and, if {@code recover}, goes on from
     * the last one when a node is lost (otherwise the run fails, exit code 4).
     */
    public Target withRecovery(long every, boolean recover) {
      return withRecovery(every, snapshotMaxShare, recover);
    }

    /**
     * As {@link #withRecovery(long, boolean)}, the snapshots taking at most {@code maxShare} of the
     * wall time (1: every {@code every} rounds exactly).
     */
    public Target withRecovery(long every, double maxShare, boolean recover) {
      return new Target(
          nodes,
          partitionsPerNode,
          formTimeout,
          setupTimeout,
          stallTimeout,
          batchMaxEvents,
          every,
          maxShare,
          recover,
          freeRounds,
          speculate);
    }

    /** At most {@code rounds} free rounds between two sync points (0: none; ADR 107). */
    public Target withFreeRounds(int rounds) {
      return new Target(
          nodes,
          partitionsPerNode,
          formTimeout,
          setupTimeout,
          stallTimeout,
          batchMaxEvents,
          snapshotEvery,
          snapshotMaxShare,
          recover,
          rounds,
          speculate);
    }

    /** Speculative rounds off, where they pay, or always (ADR 108). */
    public Target withSpeculation(Coordinator.Speculation on) {
      return new Target(
          nodes,
          partitionsPerNode,
          formTimeout,
          setupTimeout,
          stallTimeout,
          batchMaxEvents,
          snapshotEvery,
          snapshotMaxShare,
          recover,
          freeRounds,
          on);
    }

    public static Target of(int nodes, KernsimSettings.Cluster c) {
      return of(nodes, c.partitionsPerNode(), c);
    }
  }

  /**
   * A cluster run's result and how it was spread.
   *
   * @param nodes the addresses of the nodes, in node order (node 0 hosts partitions 0..k-1)
   * @param crossNodeEvents events that crossed cluster nodes, by payload type
   * @param rounds rounds the coordinator agreed with the partitions (cluster-wide barriers; after a
   *     recovery, counted from the snapshot's round)
   * @param recoveries nodes lost during the run and how the run went on without them
   * @param syncPoints rounds the coordinator started itself; the others were free rounds, agreed
   *     among the partitions (ADR 107)
   * @param speculatedRounds rounds run speculatively (ADR 108)
   * @param undoneRounds speculative rounds undone in part (an event crossed partitions before the
   *     round's end)
   * @param snapshots recovery snapshots taken (since the last recovery, if any)
   */
  public record Outcome(
      RunResult result,
      List<String> nodes,
      int partitionsPerNode,
      Map<String, Long> crossNodeEvents,
      long rounds,
      List<Recovery> recoveries,
      long syncPoints,
      long speculatedRounds,
      long undoneRounds,
      long snapshots) {}

  /**
   * A node lost during the run, and the run going on without it from the last snapshot.
   *
   * @param lost the lost node's address
   * @param snapshotWindow the round after which the snapshot was taken
   * @param nodes the nodes the run went on with
   * @param noticedNanos when the loss was noticed ({@link System#nanoTime()})
   */
  public static final class Recovery {
    private final String lost;
    private final long snapshotWindow;
    private final int nodes;
    private final long noticedNanos;
    private volatile long resumedNanos = -1;

    Recovery(String lost, long snapshotWindow, int nodes, long noticedNanos) {
      this.lost = lost;
      this.snapshotWindow = snapshotWindow;
      this.nodes = nodes;
      this.noticedNanos = noticedNanos;
    }

    void resumed(long nanos) {
      resumedNanos = nanos;
    }

    public String lost() {
      return lost;
    }

    public long snapshotWindow() {
      return snapshotWindow;
    }

    public int nodes() {
      return nodes;
    }

    /** When the loss was noticed ({@link System#nanoTime()}). */
    public long noticedNanos() {
      return noticedNanos;
    }

    /** When the run, restored on the survivors, completed its first window (-1: not yet). */
    public long resumedNanos() {
      return resumedNanos;
    }
  }

  /** Progress a run reports to whoever waits for it. */
  static final class Holder {
    volatile List<String> nodes = List.of();
    volatile Coordinator.Sync sync = new Coordinator.Sync(0, 0, Map.of(), 0);
    final List<Recovery> recoveries = new java.util.concurrent.CopyOnWriteArrayList<>();
  }

  /**
   * What to run: the model's name and every effective setting (as text, so that every node builds
   * the same simulation with its {@link SimulationSource}), and the simulation built from them
   * here.
   */
  public record Job(String model, Map<String, String> settings, Simulation sim) {
    public Job {
      settings = new TreeMap<>(settings);
    }
  }

  /**
   * Runs {@code job} on the cluster {@code system} belongs to; if this node is a worker, its node
   * engine builds its share with {@code source}.
   */
  public static Outcome run(
      ActorSystem<?> system, SimulationSource source, Job job, RunOptions options, Target target) {
    ClusterNode.start(system, source);
    Simulation sim = job.sim();
    String runId =
        "r"
            + Long.toHexString(System.currentTimeMillis())
            + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 20));
    CompletableFuture<RunResult> result = new CompletableFuture<>();
    Holder holder = new Holder();
    ActorRef<ClusterRunCommand> run =
        system.systemActorOf(
            ClusterRun.create(
                runId, job.model(), job.settings(), sim, options, target, result, holder),
            "kernsim-run-" + runId,
            Props.empty());
    try {
      RunResult r = Await.result(result);
      Coordinator.Sync sync = holder.sync;
      return new Outcome(
          r,
          holder.nodes,
          target.partitionsPerNode(),
          sync.crossNodeEvents(),
          sync.rounds(),
          List.copyOf(holder.recoveries),
          sync.syncPoints(),
          sync.speculated(),
          sync.undone(),
          sync.snapshots());
    } finally {
      Adapter.toClassic(system).stop(Adapter.toClassic(run));
    }
  }
}
