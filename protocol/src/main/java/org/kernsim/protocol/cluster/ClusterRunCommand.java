package org.kernsim.protocol.cluster;

import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.kernsim.protocol.WireMessage;
import org.kernsim.protocol.engine.PartitionCommand;

/** The protocol of a cluster run's driver (on the node that started the run). */
public sealed interface ClusterRunCommand extends WireMessage
    permits ClusterRunCommand.NodeReady, ClusterRunCommand.SetupFailed, ClusterRunCommand.Local {

  /** Node {@code node} hosts {@code partitions} (in partition order) for run {@code runId}. */
  record NodeReady(String runId, int node, List<ActorRef<PartitionCommand>> partitions)
      implements ClusterRunCommand {}

  /** Node {@code address} could not build the run (for example an unknown model). */
  record SetupFailed(String runId, String address, String reason) implements ClusterRunCommand {}

  /** Messages that never leave the driver's node. */
  non-sealed interface Local extends ClusterRunCommand {}
}
