package org.kernsim.protocol.engine;

import java.util.List;
import java.util.Map;
import org.kernsim.protocol.WireMessage;
import org.kernsim.protocol.snapshot.SimSnapshot;

/** The protocol of the run coordinator, which agrees the windows and feeds the checkers. */
public sealed interface CoordinatorCommand extends WireMessage
    permits CoordinatorCommand.PartitionReady,
        CoordinatorCommand.WindowDone,
        CoordinatorCommand.PartitionCollected,
        CoordinatorCommand.PartitionFailed,
        CoordinatorCommand.PartitionSnapshot,
        CoordinatorCommand.Local {

  /** Partition {@code partition} has its entities in place. */
  record PartitionReady(int partition, int entities) implements CoordinatorCommand {}

  /**
   * Partition {@code partition} finished {@code window}.
   *
   * @param localMin earliest event it still holds ({@code Long.MAX_VALUE}: none)
   * @param sentMin earliest event among the batches it sent to other partitions
   * @param batchesTo for each partition, how many batches it sent there (a window's events for one
   *     partition are cut into batches of at most a configured number of events)
   * @param records the window's trace records of its entities, in canonical order
   * @param lastTime virtual time of the last event it delivered in the window (-1: none)
   * @param delivered events delivered in the window
   */
  record WindowDone(
      int partition,
      long window,
      long localMin,
      long sentMin,
      int[] batchesTo,
      List<TraceRecord> records,
      long lastTime,
      long delivered)
      implements CoordinatorCommand {}

  /**
   * The final state of a partition's entities: per-entity event counts and history digests, and how
   * many events (by payload type) it sent to partitions on other cluster nodes.
   */
  record PartitionCollected(
      int partition,
      Map<Integer, Long> counts,
      Map<Integer, byte[]> digests,
      MetricsSnapshot metrics,
      Map<String, Long> crossNode)
      implements CoordinatorCommand {}

  /** A partition could not continue (an entity threw: a model bug). */
  record PartitionFailed(int partition, String reason) implements CoordinatorCommand {}

  /**
   * Part of partition {@code partition}'s state at the barrier after {@code window} (an answer to
   * {@link PartitionCommand.TakeSnapshot}), cut into pieces that fit a frame: some of its entities'
   * states and pending events; the {@code last} piece also carries the entities' metrics so far.
   */
  record PartitionSnapshot(
      int partition,
      long window,
      List<SimSnapshot.EntityState> entities,
      List<Event> pending,
      MetricsSnapshot metrics,
      boolean last)
      implements CoordinatorCommand {}

  /** Messages that never leave the coordinator's node. */
  non-sealed interface Local extends CoordinatorCommand {}
}
