package org.kernsim.protocol.engine;

import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.kernsim.protocol.WireMessage;

/**
 * The protocol of a partition: the engine's unit of parallelism, which holds the pending events of
 * its entities and runs their windows. Partitions may live on different nodes, so these messages
 * cross the wire (Kryo); {@link Local} messages never leave their node.
 */
public sealed interface PartitionCommand extends WireMessage
    permits PartitionCommand.Peers,
        PartitionCommand.StartWindow,
        PartitionCommand.Batch,
        PartitionCommand.Collect,
        PartitionCommand.Abort,
        PartitionCommand.TakeSnapshot,
        PartitionCommand.Local {

  /** All partitions of the run, in index order, and the coordinator to report to. */
  record Peers(
      List<ActorRef<PartitionCommand>> partitions, ActorRef<CoordinatorCommand> coordinator)
      implements PartitionCommand {}

  /**
   * Run window {@code window} = {@code [start, end)} once {@code expectedBatches} batches produced
   * in the previous window have arrived. Window 0 runs every entity's {@code start()}.
   */
  record StartWindow(long window, long start, long end, int expectedBatches)
      implements PartitionCommand {}

  /** The events partition {@code from} produced in {@code window} for this partition's entities. */
  record Batch(long window, int from, List<Event> events) implements PartitionCommand {}

  /** Report the entities' history digests and metrics: the run is over. */
  enum Collect implements PartitionCommand {
    INSTANCE
  }

  /** The run is being abandoned (a node was lost, or an entity failed). */
  record Abort(String reason) implements PartitionCommand {}

  /**
   * At the barrier after {@code window}, once the {@code expectedBatches} batches produced in it
   * have arrived: report every entity's state and every pending event ({@link
   * CoordinatorCommand.PartitionSnapshot}) for a snapshot of the whole run. The next window starts
   * as usual afterwards.
   */
  record TakeSnapshot(long window, int expectedBatches) implements PartitionCommand {}

  /** Messages between a partition and the entity actors of its own node. */
  non-sealed interface Local extends PartitionCommand {}
}
