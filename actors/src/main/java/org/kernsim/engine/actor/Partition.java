package org.kernsim.engine.actor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
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
import org.kernsim.engine.PartitionCore;
import org.kernsim.engine.Placement;
import org.kernsim.engine.StopRequest;
import org.kernsim.engine.WindowQueue;
import org.kernsim.engine.WindowSlices;
import org.kernsim.engine.snapshot.StateCodec;
import org.kernsim.protocol.engine.CoordinatorCommand;
import org.kernsim.protocol.engine.EntityCommand;
import org.kernsim.protocol.engine.Event;
import org.kernsim.protocol.engine.PartitionCommand;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.protocol.snapshot.SimSnapshot;

/**
 * A partition: holds the pending events of its entities — each entity a Pekko actor that owns its
 * state and runs its own logic — and runs them up to the horizon the coordinator gives it for a
 * round: window after window, each from the partition's earliest pending event and at most the
 * lookahead wide, it hands each entity that has events in the window all of them (in canonical
 * order) with one {@code RunWindow}, collects what the entities sent (their {@link WindowReplies},
 * once the last of them tells {@code WindowRan}; {@code EntityDone} answers a start), keeps events
 * for its own entities and goes on to the next window without asking the coordinator. Events for
 * other partitions wait until the round ends and leave as batches (one per partition, or several of
 * at most {@code batchMaxEvents} events); then the partition reports {@code WindowDone} (its
 * earliest pending event, the earliest event and the number of batches it sent to each partition).
 * While a round runs, the records go to the coordinator now and then ({@code Progress}, with the
 * time below which the partition will produce no more).
 *
 * <p>Entities with no events in a window get no message. An entity the model makes on demand
 * ({@code Simulation.startsIdle}: kworker slots) is spawned when its first event arrives. On one
 * node the entities spawned at the start run their {@code start()} as they are created and answer
 * it before the partition reports ready, so round 0 sends them nothing ({@link
 * EntitySpawner#startsAtSpawn}); sharded entities are told to start at round 0. The entities'
 * histogram values are recorded once per partition.
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
     * Starts the entities {@code members} (slot order); returns their refs — null for an entity
     * made on demand later ({@link #spawnLater}) — or null if they will register themselves with
     * {@link EntityActor.EntityAttached} (sharded entities).
     */
    List<ActorRef<EntityCommand>> spawn(
        ActorContext<PartitionCommand> ctx, int partition, int[] members);

    /**
     * Whether the entities {@link #spawn} returns run their {@code start()} as they are created and
     * each answers it with {@link EntityActor.EntityDone} (or {@link EntityActor.EntityFailed}):
     * the partition is ready once all have answered, and round 0 sends them no {@link
     * EntityActor.StartEntity}. False: round 0 tells each to start.
     */
    default boolean startsAtSpawn() {
      return false;
    }

    /** {@code n} more of the entities started at spawn have answered (a display's count). */
    default void started(int n) {}

    /** Starts entity {@code id} in {@code slot} now, on its first event. */
    default ActorRef<EntityCommand> spawnLater(
        ActorContext<PartitionCommand> ctx, int partition, int slot, int id) {
      throw new IllegalStateException("entity " + id + " was not started");
    }
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

  /** Send the coordinator the records gathered so far once there are this many. */
  static final int RECORDS_PER_PROGRESS = 8_192;

  /**
   * ... or once this much wall time passed since the last report (progress, the stall watchdog).
   */
  static final long PROGRESS_NANOS = 100_000_000L;

  /**
   * ... which it reads once the windows since the last read and their events number this many: the
   * clock costs ~28 ns on the development machine (kvm-clock) and a kernel model's window of one or
   * two events ~0.5 µs, so it is read every ~30 such windows (~15 µs), and after every PHOLD window
   * (thousands of events).
   */
  static final int CLOCK_EVERY = 64;

  private final int index;
  private final Placement placement;
  private final int[] members;
  private final ActorRef<EntityCommand>[] entities;
  private final EntitySpawner spawner;
  private final boolean children;
  private final boolean startedAtSpawn; // the entities ran start() as they were created
  private int startsPending; // ... and these have not answered yet
  private int startsUnreported; // answers not yet counted for the display
  private String earlyFailure; // an entity failed at its start before the coordinator was known
  private int attached;
  private boolean readySent;
  private final IntFunction<String> names;
  private final int batchMaxEvents;
  private final int[] nodeOf;
  private final long lookahead;
  private final Map<Class<?>, long[]> crossNode = new IdentityHashMap<>();
  private final Metrics metrics = new Metrics(); // the entities' histograms, once per partition

  private List<ActorRef<PartitionCommand>> peers;
  private ActorRef<CoordinatorCommand> coordinator;

  private WindowQueue queue; // replaced when a speculative round is undone
  private final TreeMap<Long, Integer> received = new TreeMap<>();
  private long countedBelow; // batches of rounds before prunedBelow (no longer in 'received')
  private long prunedBelow;
  private PartitionCommand.StartWindow pendingStart;

  // the round in progress
  private long round = -1;
  private long horizon;
  private boolean running;
  private int outstanding;
  private long windowEnd;
  private long windows; // this round's
  private final List<Event>[] outboxes;
  private final long[] sentMinTo;
  private final int[] lastOutbox; // last round's outbox sizes: the next outboxes start that big
  private List<TraceRecord> records = new ArrayList<>();
  private long lastTime = -1;
  private long delivered; // since the last report
  private long lastReportWall = System.nanoTime();
  private long unclocked; // windows and events since maybeProgress last read the clock
  private final WindowSlices slices; // the window's events, one array for all entities
  private final Consumer<Event> collector = this::collect;
  private final WindowReplies replies = new WindowReplies(); // the entities' answers to a window
  private long windowSeq; // windows started in this run (names a WindowRan)
  private boolean sliced; // entities may still read the slices: cleared before the next window

  // a speculative round (ADR 108): what it changed, to keep or undo at its Settle
  private boolean pendingSpeculative; // pendingStart is a Speculate
  private boolean speculating; // the round under way is speculative
  private boolean awaitingSettle; // ... it ran to its end and waits for its Settle
  private EntityActor.Checkpoint checkpoint;
  private long specReach; // the end of the last window it ran: nothing at or after it ran
  private List<Event> specQueue; // the pending events at its start
  private List<Event> specArrived; // events of batches that arrived since its start
  private int specRecords; // records.size() at its start
  private long specLastTime;
  private long specDelivered;
  private Metrics specMetrics; // the histogram values its windows recorded
  private boolean[] specTouched; // by slot: the entity ran a window of it (and kept its state)
  private int[] specTouchedSlots;
  private int specTouchedCount;
  private int restoresOutstanding;

  // free rounds (ADR 107): rounds agreed among the partitions, up to the coordinator's lastRound
  private boolean free; // in a stretch of free rounds
  private boolean freeStarted; // freeRound's horizons are computed (and this partition started it)
  private boolean stepping;
  private PartitionCommand.RunFree pendingFree;
  private long freeRound;
  private long lastFree;
  private long freeCap;
  private int freeExpected; // batches sent to this partition before freeRound
  private long[] freeNext; // every partition's earliest pending event at freeRound's start
  private long[] freeHorizon;
  private long[] freeEot;
  private boolean[] freeActive;
  private boolean[] freeReported;
  private long[] freeMin;
  private long[] freeInbound;
  private int freeWaiting; // summaries of freeRound still to come (this partition's own too)
  private int freeBatchesIn;
  private final TreeMap<Long, List<PartitionCommand.RoundSummary>> summaries = new TreeMap<>();

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
    this.spawner = spawner;
    this.members = placement.members(index);
    this.batchMaxEvents = wiring.batchMaxEvents();
    this.nodeOf = wiring.nodeOfPartition();
    this.lookahead = placement.lookahead();
    this.entities = new ActorRef[members.length];
    List<ActorRef<EntityCommand>> spawned = spawner.spawn(ctx, index, members);
    this.children = spawned != null;
    if (spawned != null) {
      for (int i = 0; i < members.length; i++) entities[i] = spawned.get(i);
      attached = members.length;
    }
    this.startedAtSpawn = spawned != null && spawner.startsAtSpawn();
    if (startedAtSpawn) for (ActorRef<EntityCommand> e : entities) if (e != null) startsPending++;
    this.slices = new WindowSlices(members.length);
    this.queue = new WindowQueue(lookahead);
    for (Event e : snapshots.pending()) queue.add(e); // going on from a snapshot
    this.outboxes = new List[placement.partitions()];
    this.sentMinTo = new long[placement.partitions()];
    Arrays.fill(sentMinTo, Long.MAX_VALUE);
    this.lastOutbox = new int[placement.partitions()];
  }

  @Override
  public Receive<PartitionCommand> createReceive() {
    return newReceiveBuilder()
        .onMessage(WindowReplies.WindowRan.class, d -> guarded(() -> onWindowRan(d)))
        .onMessage(EntityActor.EntityDone.class, d -> guarded(() -> onEntityDone(d)))
        .onMessage(PartitionCommand.Batch.class, b -> guarded(() -> onBatch(b)))
        .onMessage(PartitionCommand.StartWindow.class, m -> guarded(() -> onStartWindow(m)))
        .onMessage(PartitionCommand.RoundSummary.class, m -> guarded(() -> onRoundSummary(m)))
        .onMessage(PartitionCommand.RunFree.class, m -> guarded(() -> onRunFree(m)))
        .onMessage(PartitionCommand.Speculate.class, m -> guarded(() -> onSpeculate(m)))
        .onMessage(PartitionCommand.Settle.class, m -> guarded(() -> onSettle(m)))
        .onMessage(EntityActor.EntityRestored.class, m -> guarded(() -> onEntityRestored(m)))
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

  /** An engine error (a model's is reported by its entity) fails the run, named. */
  private Behavior<PartitionCommand> guarded(Supplier<Behavior<PartitionCommand>> step) {
    try {
      Behavior<PartitionCommand> b = step.get();
      // Behaviors.same(), not this: FatalErrors' interceptor re-wraps any other behaviour
      // returned, an allocation and a walk of the behaviour stack per message
      return b == this ? Behaviors.same() : b;
    } catch (RuntimeException e) {
      String why = "round " + round + ": " + e;
      if (coordinator == null) { // at the start, before the coordinator introduced itself
        if (earlyFailure == null) earlyFailure = why;
      } else {
        coordinator.tell(new CoordinatorCommand.PartitionFailed(index, why));
      }
      return this;
    }
  }

  private Behavior<PartitionCommand> onPeers(PartitionCommand.Peers m) {
    peers = m.partitions();
    coordinator = m.coordinator();
    if (earlyFailure != null)
      coordinator.tell(new CoordinatorCommand.PartitionFailed(index, earlyFailure));
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
    if (readySent || peers == null || attached < members.length || startsPending > 0) return;
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

  /**
   * Events from another partition: due at or after this partition's horizon for the round they were
   * sent in, so they can join the queue even while a round runs.
   */
  private Behavior<PartitionCommand> onBatch(PartitionCommand.Batch b) {
    // during a speculative round (until its Settle) another partition's events wait aside: the
    // queue may have run past them, and the round may be undone
    if (specArrived != null) specArrived.addAll(b.events());
    else for (Event e : b.events()) queue.add(e);
    if (b.window() < prunedBelow) countedBelow++;
    else received.merge(b.window(), 1, Integer::sum);
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
   * Once the batches sent to this partition up to the snapshot's round have arrived (they are
   * pending events too), asks every entity for its state (an entity made on demand that has not
   * been needed yet is made now, as it would start). The batch count stays for the next round's
   * start.
   */
  private void maybeSnapshot() {
    PartitionCommand.TakeSnapshot m = pendingSnapshot;
    if (m == null || running || receivedBefore(m.window() + 1) < m.expectedBatches()) return;
    pendingSnapshot = null;
    snapshotWindow = m.window();
    snapshotStates = new SimSnapshot.EntityState[entities.length];
    snapshotMetrics = new Metrics();
    snapshotMetrics.merge(metrics); // the histograms this partition recorded for its entities
    snapshotOutstanding = entities.length;
    EntityActor.SnapshotEntity ask = new EntityActor.SnapshotEntity(codec.get());
    for (int slot = 0; slot < entities.length; slot++) {
      if (entities[slot] == null)
        entities[slot] = spawner.spawnLater(getContext(), index, slot, members[slot]);
      entities[slot].tell(ask);
    }
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

  /** Batches received that were sent before round {@code r}: what {@code StartWindow(r)} counts. */
  private long receivedBefore(long r) {
    // asked for rounds that never go back: rounds below r are folded into one count, so that a
    // run of many rounds does not walk them all again for every round
    if (r < prunedBelow)
      throw new IllegalStateException(
          "batches counted before round " + r + " after " + prunedBelow);
    while (!received.isEmpty() && received.firstKey() < r)
      countedBelow += received.pollFirstEntry().getValue();
    prunedBelow = r;
    return countedBelow;
  }

  // ------------------------------------------------------------------ free rounds (ADR 107)

  private Behavior<PartitionCommand> onRunFree(PartitionCommand.RunFree m) {
    pendingFree = m; // taken once this partition is through its previous stretch
    freeStep();
    return this;
  }

  private Behavior<PartitionCommand> onRoundSummary(PartitionCommand.RoundSummary m) {
    if (nodeOf != null && nodeOf[m.from()] != nodeOf[index] && firstOfNode(index)) {
      // one summary crosses to each node: its first partition hands it to the others there
      for (int p = index + 1; p < nodeOf.length && nodeOf[p] == nodeOf[index]; p++)
        peers.get(p).tell(m);
    }
    summaries.computeIfAbsent(m.round(), k -> new ArrayList<>(peers.size())).add(m);
    freeStep();
    return this;
  }

  /**
   * Goes on with the free rounds as far as the summaries received allow: starts a round (this
   * partition runs it if it has events before its horizon), takes in the round's summaries, and
   * once every partition that took part has told, computes every partition's earliest pending event
   * the way the coordinator does and starts the next. Stops after {@code lastFree} (the
   * coordinator's sync point) or when no event is left before the run's end.
   */
  private void freeStep() {
    if (stepping) return; // called back from this partition's own round end: the loop goes on
    stepping = true;
    try {
      while (true) {
        if (!free) {
          PartitionCommand.RunFree m = pendingFree;
          if (m == null) return;
          pendingFree = null;
          free = true;
          freeStarted = false;
          freeRound = m.round();
          lastFree = m.lastRound();
          freeCap = m.until();
          freeExpected = m.expectedBatches();
          freeNext = m.next().clone();
          int n = freeNext.length;
          if (freeHorizon == null || freeHorizon.length != n) {
            freeHorizon = new long[n];
            freeEot = new long[n];
            freeActive = new boolean[n];
            freeReported = new boolean[n];
            freeMin = new long[n];
            freeInbound = new long[n];
          }
        }
        if (!freeStarted && !startFreeRound()) {
          free = false; // the run is over: the coordinator says Collect
          return;
        }
        List<PartitionCommand.RoundSummary> got = summaries.remove(freeRound);
        if (got != null) for (PartitionCommand.RoundSummary x : got) absorb(x);
        if (freeWaiting > 0) return;
        for (int m = 0; m < freeNext.length; m++) {
          if (freeReported[m]) freeNext[m] = freeMin[m];
          freeNext[m] = Math.min(freeNext[m], freeInbound[m]);
        }
        freeExpected += freeBatchesIn;
        freeStarted = false;
        if (freeRound >= lastFree) {
          free = false; // the coordinator's sync point: wait for it
          continue; // its RunFree may be here already
        }
        freeRound++;
      }
    } finally {
      stepping = false;
    }
  }

  /** Computes freeRound's horizons and starts this partition's share; false: the run is over. */
  private boolean startFreeRound() {
    long t = org.kernsim.engine.Horizons.earliest(freeNext);
    if (t == Long.MAX_VALUE || t >= freeCap) return false;
    org.kernsim.engine.Horizons.compute(freeNext, lookahead, freeCap, freeHorizon, freeEot);
    freeWaiting = 0;
    freeBatchesIn = 0;
    for (int m = 0; m < freeNext.length; m++) {
      freeActive[m] = freeNext[m] < freeHorizon[m];
      if (freeActive[m]) freeWaiting++;
      freeReported[m] = false;
      freeInbound[m] = Long.MAX_VALUE;
    }
    freeStarted = true;
    if (freeActive[index]) {
      pendingStart =
          new PartitionCommand.StartWindow(freeRound, t, freeHorizon[index], freeExpected);
      maybeBegin();
    }
    return true;
  }

  /**
   * Whether partition {@code p} is the first of its cluster node (nodes hold contiguous ranges).
   */
  private boolean firstOfNode(int p) {
    return p == 0 || nodeOf[p - 1] != nodeOf[p];
  }

  private void absorb(PartitionCommand.RoundSummary x) {
    if (!freeActive[x.from()] || freeReported[x.from()])
      throw new IllegalStateException(
          "free round " + freeRound + ": an unexpected summary from partition " + x.from());
    freeReported[x.from()] = true;
    freeMin[x.from()] = x.localMin();
    long[] sent = x.sentMinTo();
    for (int m = 0; m < sent.length; m++) freeInbound[m] = Math.min(freeInbound[m], sent[m]);
    freeBatchesIn += x.batchesTo()[index];
    freeWaiting--;
  }

  private Behavior<PartitionCommand> onStartWindow(PartitionCommand.StartWindow m) {
    pendingStart = m;
    pendingSpeculative = false;
    maybeBegin();
    return this;
  }

  // ------------------------------------------------------------------ speculative rounds (ADR 108)

  private Behavior<PartitionCommand> onSpeculate(PartitionCommand.Speculate m) {
    if (codec == null) throw new IllegalStateException("a speculative round without a state codec");
    pendingStart =
        new PartitionCommand.StartWindow(m.window(), m.start(), m.end(), m.expectedBatches());
    pendingSpeculative = true;
    maybeBegin();
    return this;
  }

  /** Keeps what a speculative round may change, before its first window. */
  private void beginSpeculation() {
    speculating = true;
    checkpoint = new EntityActor.Checkpoint(round, codec.get());
    specReach = Long.MIN_VALUE;
    specQueue = new ArrayList<>(queue.size());
    queue.forEach(specQueue::add);
    specArrived = new ArrayList<>();
    specRecords = records.size();
    specLastTime = lastTime;
    specDelivered = delivered;
    specMetrics = new Metrics();
    if (specTouched == null) {
      specTouched = new boolean[members.length];
      specTouchedSlots = new int[members.length];
    }
    specTouchedCount = 0;
  }

  /** The speculative round ran to its end: the earliest event it sent to another partition. */
  private void speculated() {
    running = false;
    speculating = false;
    awaitingSettle = true;
    long sentMin = Long.MAX_VALUE;
    for (long x : sentMinTo) sentMin = Math.min(sentMin, x);
    coordinator.tell(new CoordinatorCommand.Speculated(index, round, sentMin));
  }

  /**
   * Ends the speculative round: kept as it is if it ran nothing at or after {@code commitBelow};
   * otherwise undone — the pending events, records, metrics and outboxes of its start (with the
   * batches that arrived since), every entity that ran in it restored — and run again up to {@code
   * commitBelow}. Either way it then ends as any round does.
   */
  private Behavior<PartitionCommand> onSettle(PartitionCommand.Settle m) {
    if (!awaitingSettle || m.window() != round)
      throw new IllegalStateException("settle of round " + m.window() + " in round " + round);
    awaitingSettle = false;
    checkpoint = null;
    List<Event> arrived = specArrived;
    specArrived = null;
    for (int i = 0; i < specTouchedCount; i++) specTouched[specTouchedSlots[i]] = false;
    if (specReach <= m.commitBelow()) {
      for (Event e : arrived) queue.add(e); // at or after commitBelow: after all it ran
      metrics.merge(specMetrics);
      specMetrics = null;
      specQueue = null;
      finishRound();
      return this;
    }
    queue = new WindowQueue(lookahead);
    for (Event e : specQueue) queue.add(e);
    for (Event e : arrived) queue.add(e);
    specQueue = null;
    specMetrics = null;
    for (int p = 0; p < outboxes.length; p++) outboxes[p] = null;
    Arrays.fill(sentMinTo, Long.MAX_VALUE);
    if (records.size() > specRecords) records.subList(specRecords, records.size()).clear();
    lastTime = specLastTime;
    delivered = specDelivered;
    horizon = m.commitBelow();
    restoresOutstanding = specTouchedCount;
    EntityActor.RestoreEntity restore = new EntityActor.RestoreEntity(round);
    for (int i = 0; i < specTouchedCount; i++) entities[specTouchedSlots[i]].tell(restore);
    specTouchedCount = 0;
    if (restoresOutstanding == 0) rerun();
    return this;
  }

  private Behavior<PartitionCommand> onEntityRestored(EntityActor.EntityRestored m) {
    if (--restoresOutstanding == 0) rerun();
    return this;
  }

  /** The undone round again, up to the settled horizon, not speculatively. */
  private void rerun() {
    running = true;
    nextWindow();
  }

  private void maybeBegin() {
    PartitionCommand.StartWindow m = pendingStart;
    if (m == null || running || receivedBefore(m.window()) < m.expectedBatches()) return;
    pendingStart = null;
    round = m.window();
    horizon = m.end();
    windows = 0;
    running = true;
    if (pendingSpeculative) {
      pendingSpeculative = false;
      beginSpeculation();
    }
    if (round == 0 && !startedAtSpawn) {
      EntityActor.StartEntity start = new EntityActor.StartEntity();
      outstanding = 0;
      for (ActorRef<EntityCommand> e : entities) {
        if (e == null) continue; // made on demand
        e.tell(start);
        outstanding++;
      }
      windowEnd = 0;
      if (outstanding == 0) nextWindow();
    } else {
      nextWindow();
    }
  }

  /** Runs the next window of the round, or ends the round at its horizon. */
  private void nextWindow() {
    while (true) {
      if (sliced) { // every entity of the last window has answered
        slices.clear();
        sliced = false;
      }
      long t = queue.minTime();
      if (t >= horizon || StopRequest.requested()) {
        if (speculating) speculated();
        else finishRound();
        return;
      }
      long end = Math.min(PartitionCore.saturatedAdd(t, lookahead), horizon);
      windowEnd = end;
      if (speculating && end > specReach) specReach = end;
      windows++;
      queue.drainWindow(t, end, collector);
      int touched = slices.seal();
      sliced = true;
      Event[] events = slices.events();
      if (touched == 0) continue;
      outstanding = touched;
      replies.start(++windowSeq, touched);
      for (int i = 0; i < touched; i++) {
        int slot = slices.touched(i);
        ActorRef<EntityCommand> e = entities[slot];
        if (e == null)
          e = entities[slot] = spawner.spawnLater(getContext(), index, slot, members[slot]);
        if (speculating && !specTouched[slot]) {
          specTouched[slot] = true;
          specTouchedSlots[specTouchedCount++] = slot;
        }
        e.tell(
            new EntityActor.RunWindow(
                events,
                slices.from(slot),
                slices.count(slot),
                end,
                replies.reply(i, slot),
                speculating ? checkpoint : null));
      }
      return; // the last entity's WindowRan goes on
    }
  }

  /**
   * Every entity of the window has answered: takes what they sent, in the order they were told (the
   * order of their first event in the window), and goes on with the next window.
   */
  private Behavior<PartitionCommand> onWindowRan(WindowReplies.WindowRan m) {
    if (m.window() != windowSeq || outstanding != replies.size())
      throw new IllegalStateException(
          "window " + m.window() + " answered during window " + windowSeq);
    long events = 0;
    for (int i = 0, n = replies.size(); i < n; i++) {
      WindowReplies.Reply r = replies.get(i);
      route(r.out);
      if (r.records != null) records.addAll(r.records);
      if (r.recorded != null) r.recorded.drainRecordedInto(speculating ? specMetrics : metrics);
      if (r.lastTime > lastTime) lastTime = r.lastTime;
      delivered += r.delivered;
      events += r.delivered;
    }
    replies.clear();
    outstanding = 0;
    maybeProgress(events);
    nextWindow();
    return this;
  }

  /** Keeps the events for this partition's entities; the others wait in the outboxes. */
  private void route(List<Event> out) {
    for (int i = 0, n = out.size(); i < n; i++) {
      Event e = out.get(i);
      int p = placement.partitionOf(e.dst());
      if (p == index) {
        queue.add(e);
      } else {
        List<Event> box = outboxes[p];
        if (box == null) box = outboxes[p] = new ArrayList<>(Math.max(16, lastOutbox[p]));
        box.add(e);
        if (e.time() < sentMinTo[p]) sentMinTo[p] = e.time();
      }
    }
  }

  /** Files an event of the window under its entity. */
  private void collect(Event e) {
    slices.add(placement.slotOf(e.dst()), e);
  }

  /** An entity's answer to its start (round 0). */
  private Behavior<PartitionCommand> onEntityDone(EntityActor.EntityDone d) {
    route(d.out());
    if (!d.records().isEmpty()) records.addAll(d.records());
    if (d.recorded() != null) d.recorded().drainRecordedInto(metrics);
    if (d.lastTime() > lastTime) lastTime = d.lastTime();
    delivered += d.delivered();
    if (startsPending > 0) {
      // an entity's answer to its start at spawn: before round 0, which needs them all
      startsPending--;
      if (++startsUnreported == StartStages.STEP || startsPending == 0) {
        spawner.started(startsUnreported);
        startsUnreported = 0;
      }
      if (startsPending == 0) maybeReady();
      return this;
    }
    if (--outstanding == 0) {
      maybeProgress(CLOCK_EVERY); // the starts of round 0: read the clock
      nextWindow();
    }
    return this;
  }

  /** Now and then during a round: the records so far, and how far this partition got. */
  private void maybeProgress(long events) {
    if (speculating) return; // its records may yet be undone
    if (records.size() < RECORDS_PER_PROGRESS && (unclocked += 1 + events) < CLOCK_EVERY) return;
    unclocked = 0;
    long now = System.nanoTime();
    if (records.size() < RECORDS_PER_PROGRESS && now - lastReportWall < PROGRESS_NANOS) return;
    lastReportWall = now;
    long floor = Math.min(queue.minTime(), horizon);
    coordinator.tell(new CoordinatorCommand.Progress(index, round, floor, records, delivered));
    records = new ArrayList<>();
    delivered = 0;
  }

  private void finishRound() {
    running = false;
    int[] batchesTo = new int[placement.partitions()];
    for (int p = 0; p < outboxes.length; p++) {
      List<Event> box = outboxes[p];
      if (box == null || box.isEmpty()) continue;
      if (nodeOf != null && nodeOf[p] != nodeOf[index]) {
        for (int i = 0, k = box.size(); i < k; i++)
          crossNode.computeIfAbsent(box.get(i).payload().getClass(), c -> new long[1])[0]++;
      }
      if (box.size() <= batchMaxEvents) {
        peers.get(p).tell(new PartitionCommand.Batch(round, index, box));
        batchesTo[p] = 1;
      } else {
        for (int from = 0; from < box.size(); from += batchMaxEvents) {
          List<Event> chunk =
              new ArrayList<>(box.subList(from, Math.min(box.size(), from + batchMaxEvents)));
          peers.get(p).tell(new PartitionCommand.Batch(round, index, chunk));
          batchesTo[p]++;
        }
      }
      lastOutbox[p] = box.size();
      outboxes[p] = null;
    }
    long[] sent = sentMinTo.clone();
    Arrays.fill(sentMinTo, Long.MAX_VALUE);
    lastReportWall = System.nanoTime();
    long localMin = queue.minTime();
    coordinator.tell(
        new CoordinatorCommand.WindowDone(
            index, round, localMin, sent, batchesTo, records, lastTime, delivered, windows));
    records = new ArrayList<>();
    delivered = 0;
    if (free && round == freeRound) {
      // the other partitions agree the next round from it without the coordinator
      PartitionCommand.RoundSummary s =
          new PartitionCommand.RoundSummary(round, index, localMin, sent, batchesTo);
      for (int p = 0; p < peers.size(); p++) {
        // the partitions of this node each get it; another node's get it from its first one
        boolean here = nodeOf == null || nodeOf[p] == nodeOf[index];
        if (p != index && (here || firstOfNode(p))) peers.get(p).tell(s);
      }
      absorb(s);
      freeStep();
    }
  }

  private Behavior<PartitionCommand> onEntityFailed(EntityActor.EntityFailed f) {
    if (coordinator == null) { // at its start at spawn, before the coordinator introduced itself
      if (earlyFailure == null) earlyFailure = f.reason();
      return this;
    }
    coordinator.tell(new CoordinatorCommand.PartitionFailed(index, f.reason()));
    return this;
  }

  private Behavior<PartitionCommand> onCollect() {
    counts = new HashMap<>();
    digests = new HashMap<>();
    collectOutstanding = 0;
    EntityActor.CollectEntity c = new EntityActor.CollectEntity();
    for (ActorRef<EntityCommand> e : entities) {
      if (e == null) continue; // never needed
      e.tell(c);
      collectOutstanding++;
    }
    if (collectOutstanding == 0) sendCollected();
    return this;
  }

  private Behavior<PartitionCommand> onEntityCollected(EntityActor.EntityCollected c) {
    int id = members[c.slot()];
    if (c.delivered() > 0 && c.digest() != null) {
      counts.put(id, c.delivered());
      digests.put(id, c.digest());
    }
    c.metrics().drainRecordedInto(metrics);
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
}
