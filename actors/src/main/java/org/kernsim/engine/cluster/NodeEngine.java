package org.kernsim.engine.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.typed.Cluster;
import org.kernsim.engine.Placement;
import org.kernsim.engine.RecordFilter;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.actor.Coordinator;
import org.kernsim.engine.actor.Partition;
import org.kernsim.engine.snapshot.StateCodec;
import org.kernsim.protocol.cluster.ClusterRunCommand;
import org.kernsim.protocol.cluster.NodeCommand;
import org.kernsim.protocol.engine.Event;
import org.kernsim.protocol.engine.PartitionCommand;
import org.kernsim.protocol.snapshot.SimSnapshot;

/**
 * The engine of one cluster node ({@code /system/kernsim-node}, registered with the Receptionist):
 * for each run it is asked to join, it builds the same simulation as every other node (from the
 * model's name and every effective setting), spawns its range of partitions, which start their
 * entities through Cluster Sharding on this node, and answers with the partitions' refs. A run ends
 * when its driver says so, or when its driver is gone.
 */
public final class NodeEngine extends AbstractBehavior<NodeCommand> {

  public static final ServiceKey<NodeCommand> KEY =
      ServiceKey.create(NodeCommand.class, "kernsim-node");
  static final String NAME = "kernsim-node";

  /** The driver of a run stopped (normally, or its node was lost). */
  private record DriverGone(String runId)
      implements NodeCommand.Local, NoSerializationVerificationNeeded {}

  private record Hosted(ActorRef<Void> run, ActorRef<ClusterRunCommand> driver) {}

  private final ShardedEntities.Region region;
  private final SimulationSource source;
  private final Map<String, Hosted> runs = new HashMap<>();

  static Behavior<NodeCommand> create(ShardedEntities.Region region, SimulationSource source) {
    return Behaviors.setup(
        ctx -> {
          ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
          return new NodeEngine(ctx, region, source);
        });
  }

  private NodeEngine(
      ActorContext<NodeCommand> ctx, ShardedEntities.Region region, SimulationSource source) {
    super(ctx);
    this.region = region;
    this.source = source;
  }

  @Override
  public Receive<NodeCommand> createReceive() {
    return newReceiveBuilder()
        .onMessage(NodeCommand.SetupRun.class, s -> host(s, null))
        .onMessage(NodeCommand.RestoreShare.class, this::onRestoreShare)
        .onMessage(
            NodeCommand.ResumeRun.class,
            r -> {
              Share share = shares.remove(r.setup().runId());
              return host(r.setup(), share == null ? new Share() : share);
            })
        .onMessage(NodeCommand.EndRun.class, m -> end(m.runId()))
        .onMessage(DriverGone.class, m -> end(m.runId()))
        .build();
  }

  /** A run that goes on from a snapshot: the states and pending events sent for it so far. */
  private static final class Share {
    final Map<Integer, byte[]> states = new HashMap<>();
    final List<Event> pending = new ArrayList<>();
  }

  private final Map<String, Share> shares = new HashMap<>();

  private Behavior<NodeCommand> onRestoreShare(NodeCommand.RestoreShare r) {
    if (runs.containsKey(r.runId())) return this;
    Share share = shares.computeIfAbsent(r.runId(), k -> new Share());
    for (SimSnapshot.EntityState e : r.entities()) share.states.put(e.id(), e.state());
    share.pending.addAll(r.pending());
    return this;
  }

  /**
   * Builds run {@code s}'s simulation and hosts its partitions here; with {@code share}, its
   * entities are restored and its pending events put in place (a run that goes on from a snapshot).
   */
  private Behavior<NodeCommand> host(NodeCommand.SetupRun s, Share share) {
    if (runs.containsKey(s.runId())) return this;
    String self = Cluster.get(getContext().getSystem()).selfMember().address().toString();
    NodeRuns.RunContext rc;
    try {
      Simulation sim = source.build(s.model(), s.settings());
      Placement placement = new Placement(sim, s.partitions());
      RunOptions o = RunOptions.of(s.seed(), Long.MAX_VALUE).withRecordAll(s.recordAll());
      RecordFilter filter = Coordinator.filterFor(sim, o);
      rc =
          new NodeRuns.RunContext(
              s.runId(),
              sim,
              placement,
              s.seed(),
              filter,
              new ConcurrentHashMap<>(),
              NodeRuns.once(() -> new StateCodec(sim)),
              share == null ? null : share.states);
    } catch (RuntimeException e) {
      s.replyTo()
          .tell(new ClusterRunCommand.SetupFailed(s.runId(), self, String.valueOf(e.getMessage())));
      return this;
    }
    NodeRuns.get(getContext().getSystem()).runs.put(s.runId(), rc);
    ActorRef<Void> run =
        getContext().spawn(hostRun(rc, s, region, share == null ? null : share.pending), s.runId());
    getContext().watchWith(s.replyTo(), new DriverGone(s.runId()));
    runs.put(s.runId(), new Hosted(run, s.replyTo()));
    return this;
  }

  private Behavior<NodeCommand> end(String runId) {
    shares.remove(runId);
    Hosted h = runs.remove(runId);
    if (h != null) {
      getContext().unwatch(h.driver());
      getContext().stop(h.run());
    }
    return this;
  }

  /** One run's share on this node: its partitions, as children. */
  private static Behavior<Void> hostRun(
      NodeRuns.RunContext rc,
      NodeCommand.SetupRun s,
      ShardedEntities.Region region,
      List<Event> pending) {
    return Behaviors.setup(
        ctx -> {
          int[] nodeOf = new int[s.partitions()];
          for (int p = 0; p < nodeOf.length; p++)
            nodeOf[p] = Placement.nodeOfPartition(p, s.partitions(), s.nodes());
          Partition.Wiring wiring = new Partition.Wiring(s.batchMaxEvents(), nodeOf);
          Partition.EntitySpawner spawner =
              (pctx, partition, members) -> {
                rc.partitions().put(partition, pctx.getSelf());
                for (int id : members) region.attach(rc.runId(), partition, id);
                return null; // they register themselves as sharding starts them
              };
          // a resumed run's pending events, by the partition of their destination
          Map<Integer, List<Event>> byPartition = new HashMap<>();
          if (pending != null)
            for (Event e : pending)
              byPartition
                  .computeIfAbsent(rc.placement().partitionOf(e.dst()), k -> new ArrayList<>())
                  .add(e);
          List<ActorRef<PartitionCommand>> refs = new ArrayList<>();
          for (int p = s.firstPartition(); p < s.firstPartition() + s.count(); p++) {
            Partition.Snapshots snapshots =
                new Partition.Snapshots(rc.codec(), byPartition.getOrDefault(p, List.of()));
            refs.add(
                ctx.spawn(
                    Partition.create(
                        p, rc.placement(), rc.sim()::entityName, spawner, wiring, snapshots),
                    "partition-" + p));
          }
          s.replyTo().tell(new ClusterRunCommand.NodeReady(s.runId(), s.node(), List.copyOf(refs)));
          return Behaviors.receive(Void.class)
              .onSignal(
                  PostStop.class,
                  sig -> {
                    NodeRuns.get(ctx.getSystem()).runs.remove(rc.runId());
                    return Behaviors.same();
                  })
              .build();
        });
  }
}
