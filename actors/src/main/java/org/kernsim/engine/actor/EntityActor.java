package org.kernsim.engine.actor;

import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.kernsim.engine.EntityRuntime;
import org.kernsim.engine.Metrics;
import org.kernsim.engine.snapshot.StateCodec;
import org.kernsim.protocol.engine.EntityCommand;
import org.kernsim.protocol.engine.Event;
import org.kernsim.protocol.engine.PartitionCommand;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.protocol.snapshot.SimSnapshot;

/**
 * One simulated entity as a Pekko actor: it owns the entity's state and runs the entity's pure
 * logic (its {@link EntityRuntime}) for one window at a time — every event it has before the
 * window's end, its own timers and self-sends included — and hands what it sent back to its
 * partition. On one node it is a child of its partition; in a cluster it is a Cluster Sharding
 * entity that registers itself with its partition ({@link EntityAttached}) when sharding starts it.
 */
public final class EntityActor extends AbstractBehavior<EntityCommand> {

  public sealed interface Command extends EntityCommand.Local, NoSerializationVerificationNeeded
      permits StartEntity, RunWindow, CollectEntity, StopEntity, SnapshotEntity, RestoreEntity {}

  /** Run the entity's {@code start()} at time 0. */
  public record StartEntity() implements Command {}

  /**
   * Deliver {@code events[from..from+count)} (canonical order; a slice of the array the partition's
   * entities share, which it does not touch until every entity of the window has answered) and the
   * entity's own events before end; put what the entity sent into {@code reply} and count the
   * window's entities down ({@link WindowReplies}). With a {@code checkpoint} (a speculative round,
   * ADR 108; null otherwise) the entity first keeps its state, once per round.
   */
  public record RunWindow(
      Event[] events,
      int from,
      int count,
      long end,
      WindowReplies.Reply reply,
      Checkpoint checkpoint)
      implements Command {}

  /**
   * Speculative round {@code round} (ADR 108): an entity keeps its state, written with {@code
   * codec}, before it runs its first window of the round, so that the round can be undone.
   */
  public record Checkpoint(long round, StateCodec codec) {}

  /**
   * Speculative round {@code round} is undone: go back to the state kept before its first window
   * (an entity that ran nothing in it has none and stays as it is); answer {@link EntityRestored}.
   */
  public record RestoreEntity(long round) implements Command {}

  /** Reply to {@link RestoreEntity}. */
  public record EntityRestored(int slot)
      implements PartitionCommand.Local, NoSerializationVerificationNeeded {}

  /** Report the final history digest and metrics. */
  public record CollectEntity() implements Command {}

  /** Report the entity's state at this window boundary, written with {@code codec}. */
  public record SnapshotEntity(StateCodec codec) implements Command {}

  /** Reply: the entity's state and its metrics so far (a snapshot). */
  public record EntitySnapshotted(int slot, SimSnapshot.EntityState state, Metrics metrics)
      implements PartitionCommand.Local, NoSerializationVerificationNeeded {}

  /** The run is over: stop (a sharded entity is not a child of its partition). */
  public enum StopEntity implements Command {
    INSTANCE
  }

  /** Reply to sharding's start: the entity of {@code slot} is {@code entity}. */
  public record EntityAttached(int slot, ActorRef<EntityCommand> entity)
      implements PartitionCommand.Local, NoSerializationVerificationNeeded {}

  /**
   * Reply to {@link StartEntity}: what the entity sent as it started, its trace records, and (when
   * it recorded any) its metrics, whose buffered histogram values the partition records into its
   * own. (A window's answers go through {@link WindowReplies} instead.)
   */
  public record EntityDone(
      int slot,
      List<Event> out,
      List<TraceRecord> records,
      long lastTime,
      long delivered,
      Metrics recorded)
      implements PartitionCommand.Local, NoSerializationVerificationNeeded {}

  /** Reply: the entity's final state. */
  public record EntityCollected(int slot, long delivered, byte[] digest, Metrics metrics)
      implements PartitionCommand.Local, NoSerializationVerificationNeeded {}

  /** Reply: the entity's logic threw; the run cannot go on. */
  public record EntityFailed(int slot, String reason)
      implements PartitionCommand.Local, NoSerializationVerificationNeeded {}

  private EntityRuntime runtime; // replaced when a speculative round is undone
  private final int slot;

  // the state kept at the start of a speculative round (ADR 108): none while savedRound is -1
  private long savedRound = -1;
  private StateCodec.EntityParts saved;
  private java.util.Map<String, Long> savedCounters;
  private final ActorRef<PartitionCommand> partition;

  // where the runtime's sends and records go in the step under way (bound once, not per step)
  private List<Event> out;
  private List<TraceRecord> records;

  public static Behavior<EntityCommand> create(
      EntityRuntime runtime, int slot, ActorRef<PartitionCommand> partition) {
    return Behaviors.setup(ctx -> new EntityActor(ctx, runtime, slot, partition));
  }

  /**
   * An entity that runs its {@code start()} as it is created and answers {@link EntityDone} (or
   * {@link EntityFailed}) for it: the partition counts these answers before it reports ready, and
   * needs no {@link StartEntity} round trip per entity at round 0 (at 65,536 CPUs, 196,614 entity
   * actors, that round trip was seconds of the start).
   */
  public static Behavior<EntityCommand> started(
      EntityRuntime runtime, int slot, ActorRef<PartitionCommand> partition) {
    return Behaviors.setup(
        ctx -> {
          EntityActor a = new EntityActor(ctx, runtime, slot, partition);
          a.onStart(null);
          return a;
        });
  }

  /** A sharded entity: it registers its own ActorRef with its partition as it starts. */
  public static Behavior<EntityCommand> attached(
      EntityRuntime runtime, int slot, ActorRef<PartitionCommand> partition) {
    return Behaviors.setup(
        ctx -> {
          partition.tell(new EntityAttached(slot, ctx.getSelf()));
          return new EntityActor(ctx, runtime, slot, partition);
        });
  }

  private EntityActor(
      ActorContext<EntityCommand> ctx,
      EntityRuntime runtime,
      int slot,
      ActorRef<PartitionCommand> partition) {
    super(ctx);
    this.runtime = runtime;
    this.slot = slot;
    this.partition = partition;
    runtime.bind(this::emit, this::record);
  }

  private void emit(Event e) {
    out.add(e);
  }

  private void record(TraceRecord r) {
    if (records == null) records = new ArrayList<>(4);
    records.add(r);
  }

  @Override
  public Receive<EntityCommand> createReceive() {
    return newReceiveBuilder()
        .onMessage(RunWindow.class, this::onRunWindow)
        .onMessage(StartEntity.class, this::onStart)
        .onMessage(CollectEntity.class, this::onCollect)
        .onMessage(SnapshotEntity.class, this::onSnapshot)
        .onMessage(RestoreEntity.class, this::onRestore)
        .onMessageEquals(EntityCommand.Attach.INSTANCE, () -> this) // sharding's start: done
        .onMessageEquals(StopEntity.INSTANCE, Behaviors::stopped)
        .build();
  }

  private Behavior<EntityCommand> onStart(StartEntity m) {
    out = new ArrayList<>(4);
    records = null;
    try {
      runtime.start();
    } catch (RuntimeException e) {
      partition.tell(new EntityFailed(slot, runtime.name(runtime.id()) + ": " + e));
      return this;
    }
    Metrics metrics = runtime.metrics();
    partition.tell(
        new EntityDone(
            slot,
            out,
            records == null ? List.of() : records,
            -1,
            0,
            metrics.hasRecorded() ? metrics : null));
    out = null;
    records = null;
    return this;
  }

  /**
   * Runs the window and answers in its {@link WindowReplies.Reply}; the last entity of the window
   * to finish tells the partition ({@link WindowReplies#done}), so a window costs the partition one
   * message however many entities ran in it.
   */
  private Behavior<EntityCommand> onRunWindow(RunWindow m) {
    WindowReplies.Reply reply = m.reply();
    out = reply.out;
    records = null;
    long before = runtime.delivered();
    try {
      Checkpoint cp = m.checkpoint();
      if (cp != null && savedRound != cp.round()) {
        saved = cp.codec().copyEntity(runtime);
        savedCounters = runtime.metrics().counters();
        savedRound = cp.round();
      }
      runtime.runWindow(m.events(), m.from(), m.from() + m.count(), m.end());
    } catch (RuntimeException e) {
      out = null;
      partition.tell(new EntityFailed(slot, runtime.name(runtime.id()) + ": " + e));
      return this;
    }
    long delivered = runtime.delivered() - before;
    Metrics metrics = runtime.metrics();
    reply.records = records;
    reply.lastTime = delivered > 0 ? runtime.now() : -1;
    reply.delivered = delivered;
    reply.recorded = metrics.hasRecorded() ? metrics : null;
    out = null;
    records = null;
    reply.done(partition);
    // Behaviors.same(), not this: FatalErrors' interceptor re-wraps any other behaviour returned,
    // an allocation and a walk of the behaviour stack per message
    return Behaviors.same();
  }

  private Behavior<EntityCommand> onRestore(RestoreEntity m) {
    if (savedRound == m.round()) {
      try {
        runtime = runtime.restored(saved.saved(), saved.logic());
        runtime.metrics().restoreCounters(savedCounters);
      } catch (RuntimeException e) {
        partition.tell(new EntityFailed(slot, runtime.name(runtime.id()) + ": " + e));
        return this;
      }
    }
    savedRound = -1;
    saved = null;
    savedCounters = null;
    partition.tell(new EntityRestored(slot));
    return this;
  }

  private Behavior<EntityCommand> onSnapshot(SnapshotEntity m) {
    SimSnapshot.EntityState state;
    try {
      state =
          new SimSnapshot.EntityState(
              runtime.id(),
              runtime.delivered(),
              runtime.historyDigest(),
              m.codec().writeEntity(runtime));
    } catch (RuntimeException e) {
      partition.tell(new EntityFailed(slot, runtime.name(runtime.id()) + ": " + e.getMessage()));
      return this;
    }
    partition.tell(new EntitySnapshotted(slot, state, runtime.metrics()));
    return this;
  }

  private Behavior<EntityCommand> onCollect(CollectEntity m) {
    partition.tell(
        new EntityCollected(slot, runtime.delivered(), runtime.historyDigest(), runtime.metrics()));
    return this;
  }
}
