package org.kernsim.engine.actor;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.kernsim.engine.Placement;
import org.kernsim.engine.RecordFilter;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.Simulation;
import org.kernsim.protocol.engine.CoordinatorCommand;
import org.kernsim.protocol.engine.PartitionCommand;

/**
 * {@code --driver partitions}: a faster single-JVM driver in which the entities are <em>not</em>
 * actors. One partition per dispatcher thread runs its entities' logic itself, as the sequential
 * driver does ({@link org.kernsim.engine.PartitionCore}); the node's {@link NodeRunner} runs the
 * partitions in local rounds — small ones one after the other on its own thread, big ones on worker
 * actors in parallel — and moves the events between them directly. It gives the same {@code
 * traceSha256} as every other driver. It is never the default of {@code kernsim run} and never runs
 * on a cluster: the product's actor driver is {@link ActorDriver} (every entity an actor). See
 * {@code docs/decisions/006-rounds-and-horizons.md}.
 */
public final class PartitionsDriver {

  private PartitionsDriver() {}

  /** Runs in a fresh ActorSystem whose default dispatcher has {@code threads} threads. */
  public static RunResult run(Simulation sim, RunOptions options, int threads) {
    ActorSystem<Void> system = ActorDriver.newSystem("kernsim", config(threads));
    try {
      return run(system, sim, options, threads);
    } finally {
      system.terminate();
      try {
        system.getWhenTerminated().toCompletableFuture().get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException e) {
        // shutting down: nothing more to report
      }
    }
  }

  /**
   * Runs inside an existing system (a test kit's, for example) with {@code partitions} partitions.
   */
  public static RunResult run(
      ActorSystem<?> system, Simulation sim, RunOptions options, int partitions) {
    return run(system, sim, options, 1, partitions);
  }

  /**
   * Runs inside an existing system as {@code nodes} nodes of {@code partitionsPerNode} partitions
   * each: the cluster's protocol between nodes (rounds, batches from node to node) inside one
   * ActorSystem, without a network — for tests of the protocol itself.
   */
  public static RunResult run(
      ActorSystem<?> system, Simulation sim, RunOptions options, int nodes, int partitionsPerNode) {
    CompletableFuture<RunResult> result = new CompletableFuture<>();
    int partitions = nodes * partitionsPerNode;
    Placement placement = new Placement(sim, partitions);
    RecordFilter filter = Coordinator.filterFor(sim, options);
    int[] nodeOf = new int[partitions];
    for (int p = 0; p < partitions; p++)
      nodeOf[p] = Placement.nodeOfPartition(p, partitions, nodes);
    Behavior<Void> root =
        Behaviors.setup(
            ctx -> {
              ActorRef<CoordinatorCommand> coordinator =
                  ctx.spawn(
                      FatalErrors.guard(Coordinator.create(sim, options, result), result),
                      "coordinator");
              ctx.watch(coordinator);
              List<ActorRef<PartitionCommand>> runners = new ArrayList<>();
              for (int node = 0; node < nodes; node++) {
                NodeRunner.Setup setup =
                    new NodeRunner.Setup(
                        node,
                        nodes,
                        sim,
                        placement,
                        node * partitionsPerNode,
                        partitionsPerNode,
                        nodeOf,
                        Integer.MAX_VALUE,
                        options.seed(),
                        filter);
                ActorRef<PartitionCommand> runner =
                    ctx.spawn(FatalErrors.guard(NodeRunner.create(setup), result), "node-" + node);
                ctx.watch(runner);
                runners.add(runner);
              }
              coordinator.tell(new Coordinator.Begin(runners));
              // every way the run's actors can end without a result ends the wait
              return ActorDriver.untilEnded(result);
            });
    return ActorDriver.await(system, root, options.seed(), result);
  }

  static Config config(int threads) {
    return ActorDriver.config(threads);
  }

  static Duration timeout() {
    return Duration.ofMinutes(30);
  }
}
