package org.kernsim.engine.actor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.kernsim.engine.Metrics;
import org.kernsim.engine.PartitionCore;
import org.kernsim.engine.Placement;
import org.kernsim.engine.RecordFilter;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.StopRequest;
import org.kernsim.protocol.engine.CoordinatorCommand;
import org.kernsim.protocol.engine.Event;
import org.kernsim.protocol.engine.PartitionCommand;
import org.kernsim.protocol.engine.TraceRecord;

/**
 * One node's share of a run: the node's partitions ({@link PartitionCore}s) and the rounds between
 * them. The coordinator gives the node a horizon (no event can reach it from another node before
 * that time); inside it, the node runs local rounds: each partition runs up to its own horizon (the
 * earliest time an event from another partition of the node could still reach it, from every
 * partition's earliest pending event and the lookahead), then the events that crossed partitions
 * are moved between them — directly, they are in one JVM — and the next local round starts. A local
 * round with little work runs all its partitions on this actor's thread, one after the other; a big
 * one hands each partition to a worker actor (one per dispatcher thread) and they run in parallel.
 * Where the partitions run never changes an entity's history, only the wall time.
 *
 * <p>Events for other nodes wait until the node's round ends and then leave as {@code Batch}
 * messages (at most {@code batchMaxEvents} events each) straight to the node they are for. Trace
 * records go to the coordinator as they are produced, with the time below which this node will
 * produce no more ({@code Progress}), so the checkers and the trace file follow a long round.
 */
public final class NodeRunner extends AbstractBehavior<PartitionCommand> {

  /**
   * What a node runs.
   *
   * @param node this node's index; {@code nodes} how many take part
   * @param firstPartition its partitions are {@code [firstPartition, firstPartition + count)}
   * @param nodeOfPartition the node of every partition of the run
   * @param batchMaxEvents the most events one {@code Batch} carries
   */
  public record Setup(
      int node,
      int nodes,
      Simulation sim,
      Placement placement,
      int firstPartition,
      int count,
      int[] nodeOfPartition,
      int batchMaxEvents,
      long seed,
      RecordFilter filter) {}

  /** A local round with at least this many events last time runs its partitions in parallel. */
  static final long PARALLEL_MIN_EVENTS = 2_000;

  /** A local round ends early (at a window's end) after this much wall time, to report progress. */
  static final long ROUND_BUDGET_NANOS = 100_000_000L;

  /** Send the coordinator the records gathered so far once there are this many. */
  static final int RECORDS_PER_PROGRESS = 8_192;

  /** Worker: run one partition up to its horizon. */
  record RunRound(PartitionCore core, int slot, long horizon, ActorRef<PartitionCommand> replyTo)
      implements NoSerializationVerificationNeeded {}

  /** Worker's answer: the partition in {@code slot} ran (failure: why it could not, or null). */
  record RoundRan(int slot, String failure)
      implements PartitionCommand.Local, NoSerializationVerificationNeeded {}

  private final Setup setup;
  private final PartitionCore[] cores;
  private final List<ActorRef<RunRound>> workers = new ArrayList<>();
  private final long lookahead;
  private final long[] next;
  private final long[] eot;
  private final long[] eit;

  private List<ActorRef<PartitionCommand>> peers;
  private ActorRef<CoordinatorCommand> coordinator;

  private PartitionCommand.StartWindow pendingStart;

  // the node round in progress
  private long window = -1;
  private long horizon;
  private int outstanding;
  private long localRounds;
  private long lastLocalEvents;
  private long roundStartDeliveredLocal;
  private final List<Event>[] nodeOut;
  private final long[] sentMinToNode;
  private final Map<Class<?>, long[]> crossNode = new IdentityHashMap<>();
  private List<TraceRecord> records = new ArrayList<>();
  private long reportedDelivered;
  private long lastProgressWall = System.nanoTime();

  public static Behavior<PartitionCommand> create(Setup setup) {
    return Behaviors.setup(ctx -> new NodeRunner(ctx, setup));
  }

  @SuppressWarnings("unchecked")
  private NodeRunner(ActorContext<PartitionCommand> ctx, Setup s) {
    super(ctx);
    this.setup = s;
    this.lookahead = s.sim().lookahead();
    this.cores = new PartitionCore[s.count()];
    for (int i = 0; i < s.count(); i++) {
      cores[i] =
          new PartitionCore(s.firstPartition() + i, s.sim(), s.placement(), s.seed(), s.filter());
      workers.add(ctx.spawn(worker(), "partition-" + (s.firstPartition() + i)));
    }
    this.next = new long[s.count()];
    this.eot = new long[s.count()];
    this.eit = new long[s.count()];
    this.nodeOut = new List[s.nodes()];
    this.sentMinToNode = new long[s.nodes()];
    java.util.Arrays.fill(sentMinToNode, Long.MAX_VALUE);
  }

  private static Behavior<RunRound> worker() {
    return Behaviors.receive(RunRound.class)
        .onMessage(
            RunRound.class,
            m -> {
              String failure = null;
              try {
                long deadline = System.nanoTime() + ROUND_BUDGET_NANOS;
                m.core().runRound(m.horizon(), end -> goOn(deadline));
              } catch (RuntimeException e) {
                failure = describe(m.core(), e);
              }
              m.replyTo().tell(new RoundRan(m.slot(), failure));
              return Behaviors.same();
            })
        .build();
  }

  /** Whether a round goes on after a window: within its wall-time budget, and no stop asked. */
  private static boolean goOn(long deadline) {
    return System.nanoTime() < deadline && !StopRequest.requested();
  }

  private static String describe(PartitionCore core, RuntimeException e) {
    return (core.running() >= 0 ? core.entityName(core.running()) + ": " : "") + e;
  }

  @Override
  public Receive<PartitionCommand> createReceive() {
    return newReceiveBuilder()
        .onMessage(RoundRan.class, m -> guarded(() -> onRoundRan(m)))
        .onMessage(PartitionCommand.Batch.class, m -> guarded(() -> onBatch(m)))
        .onMessage(PartitionCommand.StartWindow.class, m -> guarded(() -> onStartWindow(m)))
        .onMessage(PartitionCommand.Peers.class, this::onPeers)
        .onMessageEquals(PartitionCommand.Collect.INSTANCE, this::onCollect)
        .onMessage(PartitionCommand.Abort.class, m -> Behaviors.stopped())
        .build();
  }

  /** An engine error (not a model's: those are caught where entities run) fails the run, named. */
  private Behavior<PartitionCommand> guarded(
      java.util.function.Supplier<Behavior<PartitionCommand>> h) {
    try {
      return h.get();
    } catch (RuntimeException e) {
      fail("node " + setup.node() + " (round " + window + "): " + e);
      return this;
    }
  }

  private Behavior<PartitionCommand> onPeers(PartitionCommand.Peers m) {
    peers = m.partitions();
    coordinator = m.coordinator();
    int entities = 0;
    for (int i = 0; i < cores.length; i++)
      entities += setup.placement().members(setup.firstPartition() + i).length;
    coordinator.tell(new CoordinatorCommand.PartitionReady(setup.node(), entities));
    return this;
  }

  /**
   * A batch from another node: kept until this node's next round begins (its partitions may be
   * running on workers now; the events are due after this round's horizon anyway).
   */
  private Behavior<PartitionCommand> onBatch(PartitionCommand.Batch b) {
    arrived.add(b.events());
    if (b.window() < prunedBelow) countedBelow++;
    else received.merge(b.window(), 1, Integer::sum);
    maybeBegin();
    return this;
  }

  /** Batches received, by the round in which they were sent. */
  private final java.util.TreeMap<Long, Integer> received = new java.util.TreeMap<>();

  private long countedBelow; // batches of rounds before prunedBelow (no longer in 'received')
  private long prunedBelow;

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

  private final List<List<Event>> arrived = new ArrayList<>();

  private Behavior<PartitionCommand> onStartWindow(PartitionCommand.StartWindow m) {
    pendingStart = m;
    maybeBegin();
    return this;
  }

  private void maybeBegin() {
    PartitionCommand.StartWindow m = pendingStart;
    if (m == null || receivedBefore(m.window()) < m.expectedBatches()) return;
    pendingStart = null;
    int first = setup.firstPartition();
    for (List<Event> events : arrived) {
      for (Event e : events) cores[setup.placement().partitionOf(e.dst()) - first].add(e);
    }
    arrived.clear();
    window = m.window();
    horizon = m.end();
    localRounds = 0;
    if (window == 0) {
      for (PartitionCore c : cores) {
        try {
          c.start();
        } catch (RuntimeException e) {
          fail(describe(c, e));
          return;
        }
      }
      afterLocalRound();
      if (horizon <= 0) {
        finishRound();
        return;
      }
    }
    localLoop();
  }

  /** Runs local rounds until every partition reached the node's horizon (or hands them out). */
  private void localLoop() {
    while (true) {
      int active = 0;
      for (int i = 0; i < cores.length; i++) next[i] = cores[i].minTime();
      localHorizons();
      for (int i = 0; i < cores.length; i++) if (next[i] < eit[i]) active++;
      if (active == 0 || StopRequest.requested()) { // a stop: the round ends here, between windows
        finishRound();
        return;
      }
      if (active > 1 && lastLocalEvents >= PARALLEL_MIN_EVENTS) {
        outstanding = active;
        roundStartDeliveredLocal = delivered();
        for (int i = 0; i < cores.length; i++) {
          if (next[i] < eit[i])
            workers.get(i).tell(new RunRound(cores[i], i, eit[i], getContext().getSelf()));
        }
        return; // RoundRan answers continue the loop
      }
      long before = delivered();
      long deadline = System.nanoTime() + ROUND_BUDGET_NANOS;
      for (int i = 0; i < cores.length; i++) {
        if (next[i] >= eit[i]) continue;
        try {
          cores[i].runRound(eit[i], end -> goOn(deadline));
        } catch (RuntimeException e) {
          fail(describe(cores[i], e));
          return;
        }
      }
      lastLocalEvents = delivered() - before;
      afterLocalRound();
    }
  }

  private Behavior<PartitionCommand> onRoundRan(RoundRan r) {
    if (r.failure() != null) {
      fail(r.failure());
      return this;
    }
    if (--outstanding > 0) return this;
    lastLocalEvents = delivered() - roundStartDeliveredLocal;
    afterLocalRound();
    localLoop();
    return this;
  }

  /**
   * Each partition's horizon: the earliest time an event could still reach it, from the node's
   * horizon (events from other nodes) and from the other partitions of the node — each can send no
   * sooner than the lookahead after its earliest pending event, or after the earliest event that
   * could reach it (a fixed point: an event sent to an idle partition can make it send back).
   */
  private void localHorizons() {
    org.kernsim.engine.Horizons.compute(next, lookahead, horizon, eit, eot);
  }

  /** Moves the events that crossed partitions, and gathers the records. */
  private void afterLocalRound() {
    int first = setup.firstPartition();
    int[] nodeOf = setup.nodeOfPartition();
    int partitions = setup.placement().partitions();
    for (PartitionCore c : cores) {
      for (int p = 0; p < partitions; p++) {
        PartitionCore.EventBuffer box = c.outbox(p);
        if (box == null || box.size() == 0) continue;
        int n = nodeOf[p];
        if (n == setup.node()) {
          PartitionCore dest = cores[p - first];
          for (int j = 0; j < box.size(); j++) dest.add(box.get(j));
        } else {
          List<Event> out = nodeOut[n];
          if (out == null) out = nodeOut[n] = new ArrayList<>(Math.max(16, box.size()));
          for (int j = 0; j < box.size(); j++) {
            Event e = box.get(j);
            out.add(e);
            crossNode.computeIfAbsent(e.payload().getClass(), x -> new long[1])[0]++;
          }
          sentMinToNode[n] = Math.min(sentMinToNode[n], c.sentMinTo(p));
        }
        c.clearOutbox(p);
      }
      if (c.hasRecords()) c.drainRecords(records);
    }
    localRounds++;
    long now = System.nanoTime();
    if (records.size() >= RECORDS_PER_PROGRESS || now - lastProgressWall >= ROUND_BUDGET_NANOS) {
      lastProgressWall = now;
      long floor = horizon;
      for (PartitionCore c : cores) floor = Math.min(floor, c.minTime());
      long d = delivered();
      coordinator.tell(
          new CoordinatorCommand.Progress(
              setup.node(), window, floor, records, d - reportedDelivered));
      reportedDelivered = d;
      records = new ArrayList<>();
    }
  }

  private void finishRound() {
    int[] batchesTo = new int[setup.nodes()];
    for (int n = 0; n < setup.nodes(); n++) {
      List<Event> out = nodeOut[n];
      if (out == null || out.isEmpty()) continue;
      int max = setup.batchMaxEvents();
      if (out.size() <= max) {
        peers.get(n).tell(new PartitionCommand.Batch(window, setup.node(), out));
        batchesTo[n] = 1;
      } else {
        for (int from = 0; from < out.size(); from += max) {
          List<Event> chunk = new ArrayList<>(out.subList(from, Math.min(out.size(), from + max)));
          peers.get(n).tell(new PartitionCommand.Batch(window, setup.node(), chunk));
          batchesTo[n]++;
        }
      }
      nodeOut[n] = null;
    }
    long localMin = Long.MAX_VALUE;
    long lastTime = -1;
    for (PartitionCore c : cores) {
      localMin = Math.min(localMin, c.minTime());
      lastTime = Math.max(lastTime, c.lastTime());
    }
    long[] sentMin = sentMinToNode.clone();
    java.util.Arrays.fill(sentMinToNode, Long.MAX_VALUE);
    long d = delivered();
    coordinator.tell(
        new CoordinatorCommand.WindowDone(
            setup.node(),
            window,
            localMin,
            sentMin,
            batchesTo,
            records,
            lastTime,
            d - reportedDelivered,
            localRounds));
    reportedDelivered = d;
    records = new ArrayList<>();
  }

  private long delivered() {
    long d = 0;
    for (PartitionCore c : cores) d += c.delivered();
    return d;
  }

  private void fail(String reason) {
    coordinator.tell(new CoordinatorCommand.PartitionFailed(setup.node(), reason));
  }

  private Behavior<PartitionCommand> onCollect() {
    Map<Integer, Long> counts = new HashMap<>();
    Map<Integer, byte[]> digests = new HashMap<>();
    Metrics metrics = cores[0].metrics(); // the run is over: the first partition's take the rest
    for (PartitionCore c : cores) {
      c.forEachEntity(
          rt -> {
            byte[] digest = rt.historyDigest();
            if (rt.delivered() > 0 && digest != null) {
              counts.put(rt.id(), rt.delivered());
              digests.put(rt.id(), digest);
            }
          });
      if (c != cores[0]) metrics.merge(c.metrics());
    }
    Map<String, Long> cross = new java.util.TreeMap<>();
    crossNode.forEach((k, v) -> cross.merge(typeName(k), v[0], Long::sum));
    coordinator.tell(
        new CoordinatorCommand.PartitionCollected(
            setup.node(), counts, digests, metrics.snapshot(), cross));
    return this;
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
