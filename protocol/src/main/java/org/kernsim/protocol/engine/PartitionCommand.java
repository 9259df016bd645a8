package org.kernsim.protocol.engine;

import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.kernsim.protocol.WireMessage;

/**
 * The protocol of a partition: the engine's unit of parallelism, which holds the pending events of
 * its entities (each a Pekko actor; Cluster Sharding entities in a cluster) and runs them in rounds
 * up to the horizon the coordinator gives it. Partitions may live on different nodes, so these
 * messages cross the wire (Kryo); {@link Local} messages never leave their node. (The extra {@code
 * --driver partitions} speaks it with one node runner per node in the partitions' place.)
 */
public sealed interface PartitionCommand extends WireMessage
    permits PartitionCommand.Peers,
        PartitionCommand.StartWindow,
        PartitionCommand.Batch,
        PartitionCommand.Collect,
        PartitionCommand.Abort,
        PartitionCommand.TakeSnapshot,
        PartitionCommand.RunFree,
        PartitionCommand.RoundSummary,
        PartitionCommand.Speculate,
        PartitionCommand.Settle,
        PartitionCommand.Local {

  /** All partitions of the run, in index order, and the coordinator to report to. */
  record Peers(
      List<ActorRef<PartitionCommand>> partitions, ActorRef<CoordinatorCommand> coordinator)
      implements PartitionCommand {}

  /**
   * Run round {@code window}: every event due before the horizon {@code end} (no event from another
   * partition can arrive before it), once {@code expectedBatches} batches in all (counted since the
   * run began) have arrived. {@code start} is the earliest pending event of the whole run. Round 0
   * runs every entity's {@code start()}.
   */
  record StartWindow(long window, long start, long end, int expectedBatches)
      implements PartitionCommand {}

  /** The events partition {@code from} produced in round {@code window} for this one's entities. */
  record Batch(long window, int from, List<Event> events) implements PartitionCommand {}

  /** Report the entities' history digests and metrics: the run is over. */
  enum Collect implements PartitionCommand {
    INSTANCE
  }

  /** The run is being abandoned (a node was lost, or an entity failed). */
  record Abort(String reason) implements PartitionCommand {}

  /**
   * At the barrier after round {@code window}, once {@code expectedBatches} batches in all (counted
   * since the run began, as {@link StartWindow} counts them) have arrived: report every entity's
   * state and every pending event ({@link CoordinatorCommand.PartitionSnapshot}) for a snapshot of
   * the whole run. The next round starts as usual afterwards.
   */
  record TakeSnapshot(long window, int expectedBatches) implements PartitionCommand {}

  /**
   * Run rounds {@code round} to {@code lastRound} without the coordinator (ADR 007). For each round
   * every partition computes the horizons from the partitions' earliest pending events at the
   * round's start (for {@code round}: {@code next}) as the coordinator would ({@code
   * org.kernsim.engine.Horizons}, capped at {@code until}); a partition with events before its
   * horizon runs the round (once {@code expectedBatches} batches in all have arrived, counted as
   * {@link StartWindow} counts them) and then tells every other partition what it holds and sent
   * ({@link RoundSummary}); the round is over for every partition once each that took part has told
   * it, and each updates the earliest pending events the same way. The run stops by itself when no
   * event is left before {@code until}; after {@code lastRound} the partitions wait for the
   * coordinator.
   */
  record RunFree(long round, long[] next, int expectedBatches, long lastRound, long until)
      implements PartitionCommand {}

  /**
   * Partition {@code from} finished free round {@code round} (see {@link RunFree}): its earliest
   * pending event ({@code Long.MAX_VALUE}: none), and for each partition the earliest event and the
   * number of batches it sent there in the round — what its {@code WindowDone} tells the
   * coordinator.
   */
  record RoundSummary(long round, int from, long localMin, long[] sentMinTo, int[] batchesTo)
      implements PartitionCommand {}

  /**
   * Run round {@code window} speculatively (ADR 108) up to {@code end}, once {@code
   * expectedBatches} batches in all have arrived, as {@link StartWindow} would — though an event
   * from another partition may still arrive before {@code end}: keep the state at the round's
   * start, hold the round's batches, records and metrics, and report the earliest event sent to
   * another partition ({@link CoordinatorCommand.Speculated}); then wait for {@link Settle}.
   */
  record Speculate(long window, long start, long end, int expectedBatches)
      implements PartitionCommand {}

  /**
   * How speculative round {@code window} ends: every event before {@code commitBelow} ran as it
   * would have with every other partition's events in hand (none arrives before it). A partition
   * that ran nothing at or after it keeps its round as it is and ends it as a {@link StartWindow}
   * round ends; any other goes back to the round's start and runs it again up to {@code
   * commitBelow}, no longer speculatively.
   */
  record Settle(long window, long commitBelow) implements PartitionCommand {}

  /** Messages that never leave the node (a partition and its entity actors). */
  non-sealed interface Local extends PartitionCommand {}
}
