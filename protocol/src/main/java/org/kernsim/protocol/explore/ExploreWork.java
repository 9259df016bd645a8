package org.kernsim.protocol.explore;

import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.kernsim.protocol.WireMessage;

/**
 * The protocol of an explore worker: the per-node actor (registered with the Receptionist) that
 * runs batches of an exploration's schedules for the node that coordinates it ({@code explore
 * --cluster-nodes N} or {@code --join}). A schedule always runs whole on one node, with the
 * sequential driver; only its folded results travel ({@link ExploreResult.BatchDone}).
 */
public sealed interface ExploreWork extends WireMessage
    permits ExploreWork.Open, ExploreWork.Batch, ExploreWork.StopAbove, ExploreWork.Close {

  /**
   * Get ready for exploration {@code exploreId}: rebuild its scenario from {@code model} and every
   * effective setting (a model is deterministic in its settings), and answer {@link
   * ExploreResult.Ready} (or {@link ExploreResult.Failed}) to {@code replyTo}.
   *
   * @param scenario the scenario's name (reports only)
   * @param untilNanos the virtual-time limit of every schedule
   * @param forkAt the fork time of forked schedules, or -1 (each seed is one schedule)
   * @param forks perturbations per seed (1 without forking)
   * @param strategy the strategy's flag ({@code random}, {@code pct}, {@code delay-bound})
   * @param threads batches this node runs at once (0: its cores)
   * @param stopAtFirst a batch stops after its first violating schedule
   * @param swarm swarm testing: each schedule switches a subset of the fault plan on (a function of
   *     its seed)
   */
  record Open(
      String exploreId,
      String model,
      Map<String, String> settings,
      String scenario,
      long first,
      long last,
      long untilNanos,
      long forkAt,
      long forks,
      String strategy,
      int pctDepth,
      int delayBound,
      boolean coverage,
      boolean stopAtFirst,
      boolean swarm,
      int threads,
      ActorRef<ExploreResult> replyTo)
      implements ExploreWork {}

  /** Run schedules {@code [from, to)} (0-based, seed-major) and answer one BatchDone. */
  record Batch(String exploreId, long from, long to) implements ExploreWork {}

  /**
   * Schedule {@code index} violated and the exploration stops at the first: skip every schedule
   * after it (those before it still run, so the first violation is exact).
   */
  record StopAbove(String exploreId, long index) implements ExploreWork {}

  /** The exploration is over: drop its state (batches still running are abandoned). */
  record Close(String exploreId) implements ExploreWork {}

  /** One violating schedule, as a node found it. */
  record Violating(
      long index,
      long seed,
      long perturbation,
      List<String> checkers,
      String checker,
      long atNanos,
      String entity,
      String message) {}
}
