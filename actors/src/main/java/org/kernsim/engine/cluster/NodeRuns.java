package org.kernsim.engine.cluster;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.kernsim.engine.EntityRuntime;
import org.kernsim.engine.Placement;
import org.kernsim.engine.RecordFilter;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.snapshot.StateCodec;
import org.kernsim.protocol.engine.PartitionCommand;

/**
 * The runs a node hosts, per ActorSystem: a sharded entity that sharding starts finds its run
 * (simulation, placement, seed, record filter) and its partition here.
 */
final class NodeRuns implements Extension {

  /**
   * One run on this node.
   *
   * @param codec the run's state codec, made on first use (snapshots, restores)
   * @param restore the state of each entity this node hosts, by id, when the run goes on from a
   *     snapshot (null: a fresh run)
   */
  record RunContext(
      String runId,
      Simulation sim,
      Placement placement,
      long seed,
      RecordFilter filter,
      ConcurrentHashMap<Integer, ActorRef<PartitionCommand>> partitions,
      Supplier<StateCodec> codec,
      Map<Integer, byte[]> restore) {

    EntityRuntime runtime(int id) {
      byte[] state = restore == null ? null : restore.get(id);
      if (state != null) {
        StateCodec.EntityParts p = codec.get().readEntity(state);
        return EntityRuntime.restore(
            id,
            p.logic(),
            p.saved(),
            sim.lookahead(),
            sim::entityName,
            filter,
            sim.faults(),
            org.kernsim.engine.Metrics.buffered(),
            new org.kernsim.engine.RecordCodec.Bytes());
      }
      return org.kernsim.engine.actor.ActorDriver.runtime(sim, seed, filter, id);
    }
  }

  /** {@code make}, called once, on first use. */
  static <T> Supplier<T> once(Supplier<T> make) {
    return new Supplier<>() {
      private T value;

      @Override
      public synchronized T get() {
        if (value == null) value = make.get();
        return value;
      }
    };
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
