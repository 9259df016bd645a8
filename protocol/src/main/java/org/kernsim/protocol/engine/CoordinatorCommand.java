package org.kernsim.protocol.engine;

import java.util.List;
import java.util.Map;
import org.kernsim.protocol.WireMessage;
import org.kernsim.protocol.snapshot.SimSnapshot;

/**
 * The protocol of the run coordinator, which agrees the rounds between partitions and feeds the
 * checkers. (With the extra {@code --driver partitions}, a node's runner reports for all its
 * partitions as one {@code partition}: the node's index.)
 */
public sealed interface CoordinatorCommand extends WireMessage
    permits CoordinatorCommand.PartitionReady,
        CoordinatorCommand.WindowDone,
        CoordinatorCommand.Progress,
        CoordinatorCommand.PartitionCollected,
        CoordinatorCommand.PartitionFailed,
        CoordinatorCommand.PartitionSnapshot,
        CoordinatorCommand.Speculated,
        CoordinatorCommand.Local {

  /** Partition {@code partition} has its {@code entities} entities in place. */
  record PartitionReady(int partition, int entities) implements CoordinatorCommand {}

  /**
   * Partition {@code partition} finished round {@code window} (it ran its entities up to the
   * horizon it was given, window after window).
   *
   * @param localMin earliest event it still holds ({@code Long.MAX_VALUE}: none)
   * @param sentMinTo for each partition, the earliest event among the batches it sent there
   * @param batchesTo for each partition, how many batches it sent there (a round's events for one
   *     partition are cut into batches of at most a configured number of events)
   * @param records trace records not yet sent with a {@link Progress}, in no particular order
   * @param lastTime virtual time of the last event it delivered so far (-1: none)
   * @param delivered events delivered since its last report
   * @param rounds windows it ran in this round (a node runner: local rounds between its partitions)
   */
  record WindowDone(
      int partition,
      long window,
      long localMin,
      long[] sentMinTo,
      int[] batchesTo,
      List<TraceRecord> records,
      long lastTime,
      long delivered,
      long rounds)
      implements CoordinatorCommand {}

  /**
   * Node {@code partition}, during round {@code window}: trace records produced so far (in no
   * particular order) and the time below which it will produce no more ({@code floor}); sent while
   * a long round runs so that the checkers, the trace file and the progress follow it.
   */
  record Progress(int partition, long window, long floor, List<TraceRecord> records, long delivered)
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

  /**
   * Partition {@code partition} ran speculative round {@code window} ({@link
   * PartitionCommand.Speculate}) to its end: the earliest event it sent to another partition in it
   * ({@code Long.MAX_VALUE}: none), which bounds what every partition ran correctly.
   */
  record Speculated(int partition, long window, long sentMin) implements CoordinatorCommand {}

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
