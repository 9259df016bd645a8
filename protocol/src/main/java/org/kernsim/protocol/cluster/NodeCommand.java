package org.kernsim.protocol.cluster;

import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.kernsim.protocol.WireMessage;
import org.kernsim.protocol.engine.Event;
import org.kernsim.protocol.snapshot.SimSnapshot;

/**
 * The protocol of a node engine: the per-node actor (registered with the Receptionist) that runs
 * its node's share of a cluster run. Every node builds the same simulation from the same settings
 * (a model is deterministic in its settings) and hosts a contiguous range of partitions.
 */
public sealed interface NodeCommand extends WireMessage
    permits NodeCommand.SetupRun,
        NodeCommand.EndRun,
        NodeCommand.RestoreShare,
        NodeCommand.ResumeRun,
        NodeCommand.Local {

  /**
   * Build the simulation and host partitions {@code [firstPartition, firstPartition + count)} of
   * {@code partitions}; answer {@link ClusterRunCommand.NodeReady} (or {@link
   * ClusterRunCommand.SetupFailed}) to {@code replyTo}.
   *
   * @param runId unique per run on the cluster (names the run's sharded entities)
   * @param model the scenario's model name
   * @param settings every effective setting as {@code key -> text} (rebuilds the scenario anywhere)
   * @param recordAll every delivered message and note becomes a trace record (a trace file)
   * @param node this node's index in the run
   * @param nodes how many nodes the run spans
   * @param batchMaxEvents the most events one {@code Batch} message carries
   */
  record SetupRun(
      String runId,
      String model,
      Map<String, String> settings,
      long seed,
      boolean recordAll,
      int partitions,
      int firstPartition,
      int count,
      int node,
      int nodes,
      int batchMaxEvents,
      ActorRef<ClusterRunCommand> replyTo)
      implements NodeCommand {}

  /** The run is over (or abandoned): stop its partitions and entities. */
  record EndRun(String runId) implements NodeCommand {}

  /**
   * A piece of this node's share of a run that goes on from a snapshot (after a node was lost): the
   * states of entities it will host and the pending events for them. Sent before {@link ResumeRun},
   * on the same lane (so in order).
   */
  record RestoreShare(String runId, List<SimSnapshot.EntityState> entities, List<Event> pending)
      implements NodeCommand {}

  /**
   * Host {@code setup}'s partitions as {@link SetupRun} does, but with the entities restored from
   * the {@link RestoreShare}s received for the run and its pending events in place: the run goes on
   * at the window after {@code window}.
   */
  record ResumeRun(SetupRun setup, long window) implements NodeCommand {}

  /** Messages that never leave the node engine's node. */
  non-sealed interface Local extends NodeCommand {}
}
