package org.kernsim.engine.cluster;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.ShardCoordinator;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.ShardingMessageExtractor;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.dispatch.Futures;
import org.kernsim.engine.actor.EntityActor;
import org.kernsim.protocol.engine.EntityCommand;
import org.kernsim.protocol.engine.PartitionCommand;
import scala.collection.immutable.IndexedSeq;
import scala.concurrent.Future;

/**
 * Simulated entities (CPUs, pools, workers, the kprobe manager, the optimizer...) as Cluster
 * Sharding entities. The entity id is {@code <run>-<partition>-<entity id>}, the shard is the run's
 * partition ({@code <run>-<partition>}), and a shard is allocated on the node whose region asked
 * for it first — the node hosting the partition, which starts its entities — so an entity always
 * lives with its partition. Shards never move (no rebalancing during a run).
 */
public final class ShardedEntities {
  private ShardedEntities() {}

  public static final EntityTypeKey<EntityCommand> KEY =
      EntityTypeKey.create(EntityCommand.class, "kernsim-entity");

  static String entityId(String runId, int partition, int id) {
    return runId + "-" + partition + "-" + id;
  }

  /** Starts this node's sharding region (or a proxy, on a node without {@code role}). */
  static Region init(ActorSystem<?> system, String role) {
    return new Region(
        ClusterSharding.get(system)
            .init(
                Entity.of(KEY, ctx -> create(system, ctx.getEntityId()))
                    .withMessageExtractor(new Extractor())
                    .withAllocationStrategy(new WithItsPartition())
                    .withStopMessage(EntityActor.StopEntity.INSTANCE)
                    .withRole(role)));
  }

  /** The region, typed. */
  record Region(org.apache.pekko.actor.typed.ActorRef<ShardingEnvelope<EntityCommand>> region) {
    void attach(String runId, int partition, int id) {
      region.tell(
          new ShardingEnvelope<>(entityId(runId, partition, id), EntityCommand.Attach.INSTANCE));
    }
  }

  private static Behavior<EntityCommand> create(ActorSystem<?> system, String entityId) {
    int b = entityId.lastIndexOf('-');
    int a = entityId.lastIndexOf('-', b - 1);
    String runId = entityId.substring(0, a);
    int partition = Integer.parseInt(entityId.substring(a + 1, b));
    int id = Integer.parseInt(entityId.substring(b + 1));
    NodeRuns.RunContext run = NodeRuns.get(system).runs.get(runId);
    org.apache.pekko.actor.typed.ActorRef<PartitionCommand> p =
        run == null ? null : run.partitions().get(partition);
    if (p == null) {
      // a message for a run that ended (or an entity started away from its partition): refuse
      return Behaviors.setup(
          ctx -> {
            ctx.getLog().warn("kernsim: entity {} has no run or partition on this node", entityId);
            return Behaviors.stopped();
          });
    }
    return EntityActor.attached(run.runtime(id), run.placement().slotOf(id), p);
  }

  /** Shard = the entity's run and partition. */
  static final class Extractor
      extends ShardingMessageExtractor<ShardingEnvelope<EntityCommand>, EntityCommand> {
    @Override
    public String entityId(ShardingEnvelope<EntityCommand> envelope) {
      return envelope.entityId();
    }

    @Override
    public String shardId(String entityId) {
      return entityId.substring(0, entityId.lastIndexOf('-'));
    }

    @Override
    public EntityCommand unwrapMessage(ShardingEnvelope<EntityCommand> envelope) {
      return envelope.message();
    }
  }

  /**
   * A shard lives where it was first asked for: a partition starts its own entities through its
   * node's region, so that region asks first. Never rebalances.
   */
  static final class WithItsPartition extends ShardCoordinator.AbstractShardAllocationStrategy {
    @Override
    public Future<ActorRef> allocateShard(
        ActorRef requester, String shardId, Map<ActorRef, IndexedSeq<String>> current) {
      if (current.containsKey(requester) || current.isEmpty()) return Futures.successful(requester);
      return Futures.successful(current.keySet().iterator().next());
    }

    @Override
    public Future<Set<String>> rebalance(
        Map<ActorRef, IndexedSeq<String>> current, Set<String> rebalanceInProgress) {
      return Futures.successful(Collections.emptySet());
    }
  }
}
