package org.kernsim.engine.cluster;

import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.kernsim.engine.EntityRuntime;
import org.kernsim.engine.Placement;
import org.kernsim.engine.RecordFilter;
import org.kernsim.engine.Simulation;
import org.kernsim.protocol.engine.PartitionCommand;

/**
 * The runs a node hosts, per ActorSystem: a sharded entity that sharding starts finds its run
 * (simulation, placement, seed, record filter) and its partition here.
 */
final class NodeRuns implements Extension {

  /** One run on this node. */
  record RunContext(
      String runId,
      Simulation sim,
      Placement placement,
      long seed,
      RecordFilter filter,
      ConcurrentHashMap<Integer, ActorRef<PartitionCommand>> partitions) {

    EntityRuntime runtime(int id) {
      return new EntityRuntime(
          id, sim.createEntity(id), seed, sim.lookahead(), sim::entityName, filter, sim.faults());
    }
  }

  final ConcurrentHashMap<String, RunContext> runs = new ConcurrentHashMap<>();

  static final ExtensionId<NodeRuns> ID =
      new ExtensionId<>() {
        @Override
        public NodeRuns createExtension(ActorSystem<?> system) {
          return new NodeRuns();
        }
      };

  static NodeRuns get(ActorSystem<?> system) {
    return ID.apply(system);
  }
}
