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
import org.kernsim.protocol.engine.Event;
import org.kernsim.protocol.engine.PartitionCommand;
import org.kernsim.protocol.engine.TraceRecord;

/**
 * One simulated entity as a Pekko actor: a thin adapter that runs the entity's pure logic (its
 * {@link EntityRuntime}) for one window at a time and hands what it sent back to its partition.
 */
public final class EntityActor extends AbstractBehavior<EntityActor.Command> {

  public sealed interface Command extends NoSerializationVerificationNeeded
      permits StartEntity, RunWindow, CollectEntity {}

  /** Run the entity's {@code start()} at time 0. */
  public record StartEntity() implements Command {}

  /** Deliver {@code events[0..count)} (canonical order) and the entity's own events before end. */
  public record RunWindow(Event[] events, int count, long end) implements Command {}

  /** Report the final history digest and metrics. */
  public record CollectEntity() implements Command {}

  /** Reply: what the entity sent during the window, and its trace records. */
  public record EntityDone(int slot, List<Event> out, List<TraceRecord> records, long lastTime, long delivered)
      implements PartitionCommand.Local, NoSerializationVerificationNeeded {}

  /** Reply: the entity's final state. */
  public record EntityCollected(int slot, long delivered, byte[] digest, Metrics metrics)
      implements PartitionCommand.Local, NoSerializationVerificationNeeded {}

  /** Reply: the entity's logic threw; the run cannot go on. */
  public record EntityFailed(int slot, String reason)
      implements PartitionCommand.Local, NoSerializationVerificationNeeded {}

  private final EntityRuntime runtime;
  private final int slot;
  private final ActorRef<PartitionCommand> partition;

  public static Behavior<Command> create(EntityRuntime runtime, int slot, ActorRef<PartitionCommand> partition) {
    return Behaviors.setup(ctx -> new EntityActor(ctx, runtime, slot, partition));
  }

  private EntityActor(
      ActorContext<Command> ctx, EntityRuntime runtime, int slot, ActorRef<PartitionCommand> partition) {
    super(ctx);
    this.runtime = runtime;
    this.slot = slot;
    this.partition = partition;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(RunWindow.class, this::onRunWindow)
        .onMessage(StartEntity.class, this::onStart)
        .onMessage(CollectEntity.class, this::onCollect)
        .build();
  }

  private Behavior<Command> onStart(StartEntity m) {
    return step(null, 0, Long.MIN_VALUE, true);
  }

  private Behavior<Command> onRunWindow(RunWindow m) {
    return step(m.events(), m.count(), m.end(), false);
  }

  private Behavior<Command> step(Event[] events, int count, long end, boolean start) {
    List<Event> out = new ArrayList<>();
    List<TraceRecord> records = new ArrayList<>(0);
    runtime.bind(out::add, records::add);
    long before = runtime.delivered();
    try {
      if (start) runtime.start();
      else runtime.runWindow(events, count, end);
    } catch (RuntimeException e) {
      partition.tell(new EntityFailed(slot, runtime.name(runtime.id()) + ": " + e));
      return this;
    }
    long delivered = runtime.delivered() - before;
    partition.tell(new EntityDone(slot, out, records, delivered > 0 ? runtime.now() : -1, delivered));
    return this;
  }

  private Behavior<Command> onCollect(CollectEntity m) {
    partition.tell(
        new EntityCollected(slot, runtime.delivered(), runtime.historyDigest(), runtime.metrics()));
    return this;
  }
}
