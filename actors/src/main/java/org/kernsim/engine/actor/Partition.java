package org.kernsim.engine.actor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.kernsim.engine.Metrics;
import org.kernsim.engine.Placement;
import org.kernsim.engine.WindowQueue;
import org.kernsim.engine.snapshot.StateCodec;
import org.kernsim.protocol.engine.CoordinatorCommand;
import org.kernsim.protocol.engine.EntityCommand;
import org.kernsim.protocol.engine.Event;
import org.kernsim.protocol.engine.PartitionCommand;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.protocol.snapshot.SimSnapshot;

/**
 * A partition: holds the pending events of its entities and runs them one conservative window at a
 * time. In a window it hands each entity that has events before the window's end its events (in
 * canonical order), collects what the entities sent, keeps events for its own entities and sends
 * the rest to their partitions in batches (one per partition, or several of at most {@code
 * batchMaxEvents} events), then reports to the coordinator.
 *
 * <p>In a cluster, a partition's entities are Cluster Sharding entities on the same node: the
 * spawner starts them through sharding and each registers its ActorRef back ({@link
 * EntityActor.EntityAttached}); the partition is ready once all have, and it counts, by payload
 * type, the events it sends to partitions on other nodes.
 */
public final class Partition extends AbstractBehavior<PartitionCommand> {

  /** Creates the entity actors of a partition (children here, sharded entities in a cluster). */
  public interface EntitySpawner {
    /**
     * Starts the entities {@code members} (slot order); returns their refs, or null if they will
     * register themselves with {@link EntityActor.EntityAttached} (sharded entities).
     */
    List<ActorRef<EntityCommand>> spawn(
        ActorContext<PartitionCommand> ctx, int partition, int[] members);
  }

  /**
   * What a partition needs for snapshots of the run (a codec for its entities' state) and to go on
   * from one (its pending events at the snapshot; its entities are restored by the spawner).
   */
  public record Snapshots(Supplier<StateCodec> codec, List<Event> pending) {
    public static final Snapshots NONE = new Snapshots(null, List.of());
  }

  /** The most bytes of entity state in one {@code PartitionSnapshot} message. */
  static final int SNAPSHOT_CHUNK_BYTES = 4 << 20;

  /**
   * How a partition talks to the others.
   *
   * @param batchMaxEvents the most events in one {@code Batch}
   * @param nodeOfPartition the cluster node of each partition (null: all on one node)
   */
  public record Wiring(int batchMaxEvents, int[] nodeOfPartition) {
    public static final Wiring LOCAL = new Wiring(Integer.MAX_VALUE, null);
  }

  private final int index;
  private final Placement placement;
  private final int[] members;
  private final ActorRef<EntityCommand>[] entities;
  private final boolean children;
  private int attached;
  private boolean readySent;
  private final IntFunction<String> names;
  private final int batchMaxEvents;
  private final int[] nodeOf;
  private final Map<Class<?>, long[]> crossNode = new IdentityHashMap<>();

  private List<ActorRef<PartitionCommand>> peers;
  private ActorRef<CoordinatorCommand> coordinator;

  private final WindowQueue queue;
  private int touchedCount;
  private final Map<Long, Integer> batchesReceived = new HashMap<>();
  private PartitionCommand.StartWindow pendingStart;

  // the window in progress
  private long window = -1;
  private int outstanding;
  private List<Event>[] outboxes;
  private final int[] lastOutbox; // last window's outbox sizes: the next outboxes start that big
  private final List<TraceRecord> records = new ArrayList<>();
  private long lastTime;
  private long delivered;
  private final EventList[] perSlot;
  private final int[] touched;

  // a snapshot
  private final Supplier<StateCodec> codec;
  private PartitionCommand.TakeSnapshot pendingSnapshot;
  private long snapshotWindow;
  private int snapshotOutstanding;
  private SimSnapshot.EntityState[] snapshotStates;
  private Metrics snapshotMetrics;

  // collection
  private int collectOutstanding;
  private Map<Integer, Long> counts;
  private Map<Integer, byte[]> digests;
  private Metrics metrics;

  public static Behavior<PartitionCommand> create(
      int index, Placement placement, IntFunction<String> names, EntitySpawner spawner) {
    return create(index, placement, names, spawner, Wiring.LOCAL);
  }

  public static Behavior<PartitionCommand> create(
      int index,
      Placement placement,
      IntFunction<String> names,
      EntitySpawner spawner,
      Wiring wiring) {
    return create(index, placement, names, spawner, wiring, Snapshots.NONE);
  }

  public static Behavior<PartitionCommand> create(
      int index,
      Placement placement,
      IntFunction<String> names,
      EntitySpawner spawner,
      Wiring wiring,
      Snapshots snapshots) {
    return Behaviors.setup(
        ctx -> new Partition(ctx, index, placement, names, spawner, wiring, snapshots));
  }

  @SuppressWarnings("unchecked")
  private Partition(
      ActorContext<PartitionCommand> ctx,
      int index,
      Placement placement,
      IntFunction<String> names,
      EntitySpawner spawner,
      Wiring wiring,
      Snapshots snapshots) {
    super(ctx);
    this.codec = snapshots.codec();
    this.index = index;
    this.placement = placement;
    this.names = names;
    this.members = placement.members(index);
    this.batchMaxEvents = wiring.batchMaxEvents();
    this.nodeOf = wiring.nodeOfPartition();
    this.entities = new ActorRef[members.length];
    List<ActorRef<EntityCommand>> spawned = spawner.spawn(ctx, index, members);
    this.children = spawned != null;
    if (spawned != null) {
      for (int i = 0; i < members.length; i++) entities[i] = spawned.get(i);
      attached = members.length;
    }
    this.perSlot = new EventList[members.length];
    this.queue = new WindowQueue(placement.lookahead());
    for (Event e : snapshots.pending()) queue.add(e); // going on from a snapshot
    this.touched = new int[members.length];
    this.outboxes = new List[placement.partitions()];
    this.lastOutbox = new int[placement.partitions()];
  }

  @Override
  public Receive<PartitionCommand> createReceive() {
    return newReceiveBuilder()
        .onMessage(EntityActor.EntityDone.class, this::onEntityDone)
        .onMessage(PartitionCommand.Batch.class, this::onBatch)
        .onMessage(PartitionCommand.StartWindow.class, this::onStartWindow)
        .onMessage(PartitionCommand.Peers.class, this::onPeers)
        .onMessage(EntityActor.EntityCollected.class, this::onEntityCollected)
        .onMessage(EntityActor.EntityFailed.class, this::onEntityFailed)
        .onMessageEquals(PartitionCommand.Collect.INSTANCE, this::onCollect)
        .onMessage(EntityActor.EntityAttached.class, this::onAttached)
        .onMessage(PartitionCommand.TakeSnapshot.class, this::onTakeSnapshot)
        .onMessage(EntityActor.EntitySnapshotted.class, this::onEntitySnapshotted)
        .onMessage(PartitionCommand.Abort.class, m -> Behaviors.stopped())
        .onSignal(PostStop.class, s -> onPostStop())
        .build();
  }

  private Behavior<PartitionCommand> onPeers(PartitionCommand.Peers m) {
    peers = m.partitions();
    coordinator = m.coordinator();
    maybeReady();
    return this;
  }

  private Behavior<PartitionCommand> onAttached(EntityActor.EntityAttached a) {
    if (entities[a.slot()] == null) {
      entities[a.slot()] = a.entity();
      attached++;
      maybeReady();
    }
    return this;
  }

  private void maybeReady() {
    if (readySent || peers == null || attached < members.length) return;
    readySent = true;
    coordinator.tell(new CoordinatorCommand.PartitionReady(index, members.length));
  }

  private Behavior<PartitionCommand> onPostStop() {
    // children stop with their parent; sharded entities must be told
    if (!children) {
      for (ActorRef<EntityCommand> e : entities)
        if (e != null) e.tell(EntityActor.StopEntity.INSTANCE);
    }
    return this;
  }

  private Behavior<PartitionCommand> onBatch(PartitionCommand.Batch b) {
    for (Event e : b.events()) queue.add(e);
    batchesReceived.merge(b.window(), 1, Integer::sum);
    maybeSnapshot();
    maybeBegin();
    return this;
  }

  // ------------------------------------------------------------------ snapshots

  private Behavior<PartitionCommand> onTakeSnapshot(PartitionCommand.TakeSnapshot m) {
    if (codec == null) {
      coordinator.tell(
          new CoordinatorCommand.PartitionFailed(index, "this run cannot take snapshots"));
      return this;
    }
    pendingSnapshot = m;
    maybeSnapshot();
    return this;
  }

  /**
   * Once the batches sent to this partition in the snapshot's window have arrived (they are pending
   * events too), asks every entity for its state. The batch count stays for the next window's
   * start.
   */
  private void maybeSnapshot() {
    PartitionCommand.TakeSnapshot m = pendingSnapshot;
    if (m == null || batchesReceived.getOrDefault(m.window(), 0) < m.expectedBatches()) return;
    pendingSnapshot = null;
    snapshotWindow = m.window();
    snapshotStates = new SimSnapshot.EntityState[entities.length];
    snapshotMetrics = new Metrics();
    snapshotOutstanding = entities.length;
    EntityActor.SnapshotEntity ask = new EntityActor.SnapshotEntity(codec.get());
    for (ActorRef<EntityCommand> e : entities) e.tell(ask);
    if (snapshotOutstanding == 0) sendSnapshot();
  }

  private Behavior<PartitionCommand> onEntitySnapshotted(EntityActor.EntitySnapshotted s) {
    snapshotStates[s.slot()] = s.state();
    snapshotMetrics.merge(s.metrics());
    if (--snapshotOutstanding == 0) sendSnapshot();
    return this;
  }

  /** This partition's part of the snapshot, in pieces that fit Artery's large frames. */
  private void sendSnapshot() {
    List<Event> pending = new ArrayList<>(queue.size());
    queue.forEach(pending::add);
    List<SimSnapshot.EntityState> chunk = new ArrayList<>();
    long bytes = 0;
    for (SimSnapshot.EntityState st : snapshotStates) {
      int size = st.state().length + 64;
      if (!chunk.isEmpty() && bytes + size > SNAPSHOT_CHUNK_BYTES) {
        coordinator.tell(
            new CoordinatorCommand.PartitionSnapshot(
                index, snapshotWindow, chunk, List.of(), null, false));
        chunk = new ArrayList<>();
        bytes = 0;
      }
      chunk.add(st);
      bytes += size;
    }
    int perMessage = Math.max(1, Math.min(batchMaxEvents, 1 << 16));
    for (int from = 0; from < pending.size(); from += perMessage) {
      List<Event> events =
          new ArrayList<>(pending.subList(from, Math.min(pending.size(), from + perMessage)));
      boolean lastEvents = from + perMessage >= pending.size();
      if (lastEvents) break; // goes with the last piece
      coordinator.tell(
          new CoordinatorCommand.PartitionSnapshot(
              index, snapshotWindow, List.of(), events, null, false));
    }
    int tail = pending.isEmpty() ? 0 : ((pending.size() - 1) / perMessage) * perMessage;
    coordinator.tell(
        new CoordinatorCommand.PartitionSnapshot(
            index,
            snapshotWindow,
            chunk,
            new ArrayList<>(pending.subList(tail, pending.size())),
            snapshotMetrics.snapshot(),
            true));
    snapshotStates = null;
    snapshotMetrics = null;
  }

  private Behavior<PartitionCommand> onStartWindow(PartitionCommand.StartWindow m) {
    pendingStart = m;
    maybeBegin();
    return this;
  }

  private void maybeBegin() {
    PartitionCommand.StartWindow m = pendingStart;
    if (m == null) return;
    int have = batchesReceived.getOrDefault(m.window() - 1, 0);
    if (have < m.expectedBatches()) return;
    pendingStart = null;
    batchesReceived.remove(m.window() - 1);
    begin(m);
  }

  private void begin(PartitionCommand.StartWindow m) {
    window = m.window();
    lastTime = -1;
    delivered = 0;
    outstanding = 0;
    if (window == 0) {
      EntityActor.StartEntity start = new EntityActor.StartEntity();
      for (ActorRef<EntityCommand> e : entities) e.tell(start);
      outstanding = entities.length;
    } else {
      long end = m.end();
      touchedCount = 0;
      queue.drainWindow(m.start(), end, this::collect);
      for (int i = 0; i < touchedCount; i++) {
        int slot = touched[i];
        EventList l = perSlot[slot];
        l.sortCanonically();
        entities[slot].tell(new EntityActor.RunWindow(l.take(), l.size, end));
        l.size = 0;
      }
      outstanding = touchedCount;
    }
    if (outstanding == 0) finishWindow();
  }

  /** Files an event of the window under its entity. */
  private void collect(Event e) {
    int slot = placement.slotOf(e.dst());
    EventList l = perSlot[slot];
    if (l == null) l = perSlot[slot] = new EventList();
    if (l.size == 0) touched[touchedCount++] = slot;
    l.add(e);
  }

  private Behavior<PartitionCommand> onEntityDone(EntityActor.EntityDone d) {
    for (Event e : d.out()) {
      int p = placement.partitionOf(e.dst());
      if (p == index) {
        queue.add(e);
      } else {
        List<Event> box = outboxes[p];
        if (box == null) box = outboxes[p] = new ArrayList<>(Math.max(16, lastOutbox[p]));
        box.add(e);
        if (nodeOf != null && nodeOf[p] != nodeOf[index]) {
          crossNode.computeIfAbsent(e.payload().getClass(), k -> new long[1])[0]++;
        }
      }
    }
    if (!d.records().isEmpty()) records.addAll(d.records());
    if (d.lastTime() > lastTime) lastTime = d.lastTime();
    delivered += d.delivered();
    if (--outstanding == 0) finishWindow();
    return this;
  }

  private void finishWindow() {
    int[] batchesTo = new int[placement.partitions()];
    long sentMin = Long.MAX_VALUE;
    for (int p = 0; p < outboxes.length; p++) {
      List<Event> box = outboxes[p];
      if (box == null || box.isEmpty()) continue;
      for (Event e : box) sentMin = Math.min(sentMin, e.time());
      if (box.size() <= batchMaxEvents) {
        peers.get(p).tell(new PartitionCommand.Batch(window, index, box));
        batchesTo[p] = 1;
      } else {
        for (int from = 0; from < box.size(); from += batchMaxEvents) {
          List<Event> chunk =
              new ArrayList<>(box.subList(from, Math.min(box.size(), from + batchMaxEvents)));
          peers.get(p).tell(new PartitionCommand.Batch(window, index, chunk));
          batchesTo[p]++;
        }
      }
      lastOutbox[p] = box.size();
      outboxes[p] = null;
    }
    List<TraceRecord> out = List.of();
    if (!records.isEmpty()) {
      TraceRecord[] a = records.toArray(new TraceRecord[0]);
      Arrays.sort(a, TraceRecord::compare);
      out = Arrays.asList(a);
      records.clear();
    }
    long localMin = queue.minTime();
    coordinator.tell(
        new CoordinatorCommand.WindowDone(
            index, window, localMin, sentMin, batchesTo, out, lastTime, delivered));
  }

  private Behavior<PartitionCommand> onEntityFailed(EntityActor.EntityFailed f) {
    coordinator.tell(new CoordinatorCommand.PartitionFailed(index, f.reason()));
    return this;
  }

  private Behavior<PartitionCommand> onCollect() {
    counts = new HashMap<>();
    digests = new HashMap<>();
    metrics = new Metrics();
    collectOutstanding = entities.length;
    EntityActor.CollectEntity c = new EntityActor.CollectEntity();
    for (ActorRef<EntityCommand> e : entities) e.tell(c);
    if (collectOutstanding == 0) sendCollected();
    return this;
  }

  private Behavior<PartitionCommand> onEntityCollected(EntityActor.EntityCollected c) {
    int id = members[c.slot()];
    if (c.delivered() > 0 && c.digest() != null) {
      counts.put(id, c.delivered());
      digests.put(id, c.digest());
    }
    metrics.merge(c.metrics());
    if (--collectOutstanding == 0) sendCollected();
    return this;
  }

  private void sendCollected() {
    Map<String, Long> cross = new java.util.TreeMap<>();
    crossNode.forEach((k, v) -> cross.merge(typeName(k), v[0], Long::sum));
    coordinator.tell(
        new CoordinatorCommand.PartitionCollected(
            index, counts, digests, metrics.snapshot(), cross));
  }

  /** The trace's short name of a payload class ({@code StopMachineMessage.PhaseAcked}). */
  static String typeName(Class<?> c) {
    Class<?> k =
        c.isAnonymousClass() && c.getSuperclass() != null && c.getSuperclass().isEnum()
            ? c.getSuperclass()
            : c;
    String n = k.getName();
    return n.substring(n.lastIndexOf('.') + 1).replace('$', '.');
  }

  /** A growable array of events, reused across windows for one entity. */
  static final class EventList {
    Event[] a = new Event[4];
    int size;

    void add(Event e) {
      if (size == a.length) a = Arrays.copyOf(a, size * 2);
      a[size++] = e;
    }

    /** The canonical order at one destination: (time, source, source sequence). */
    void sortCanonically() {
      if (size > 16) {
        Arrays.sort(a, 0, size, Event::compareAtDestination);
        return;
      }
      for (int i = 1; i < size; i++) { // few events per entity and window: insertion sort
        Event e = a[i];
        int j = i - 1;
        while (j >= 0 && Event.compareAtDestination(a[j], e) > 0) {
          a[j + 1] = a[j];
          j--;
        }
        a[j + 1] = e;
      }
    }

    /** Hands the array over (the entity reads it later) and starts a fresh one. */
    Event[] take() {
      Event[] out = a;
      a = new Event[a.length]; // the capacity this entity needed, so that it rarely grows again
      return out;
    }
  }
}
