package org.kernsim.engine.actor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.kernsim.engine.EndReason;
import org.kernsim.engine.Metrics;
import org.kernsim.engine.Observation;
import org.kernsim.engine.PartitionCore;
import org.kernsim.engine.Placement;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.TraceHash;
import org.kernsim.engine.snapshot.StateCodec;
import org.kernsim.protocol.engine.CoordinatorCommand;
import org.kernsim.protocol.engine.Event;
import org.kernsim.protocol.engine.PartitionCommand;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.protocol.snapshot.SimSnapshot;

/**
 * Agrees the rounds of a run between its participants — the partitions (each with its entity
 * actors; Cluster Sharding entities in a cluster), or with the extra {@code --driver partitions}
 * one node runner per node ({@link NodeRunner}): the barrier. Each participant's horizon for a
 * round is the earliest time an event from another could still reach it — from every participant's
 * earliest pending event and the lookahead, as a fixed point, since an event sent to an idle one
 * can make it send back — and only those with events before their horizon take part. Inside a round
 * a participant runs window after window up to its horizon on its own; events for the others travel
 * as batches when its round ends. With one participant the first round after the entities' start
 * spans the whole run (ADR 006).
 *
 * <p>With {@code stopAtFirstViolation} every round is one canonical window {@code [T, T+L)} from
 * the earliest pending event anywhere, so a run stops after the same window on every driver.
 *
 * <p>The coordinator merges the participants' trace records into the canonical stream for the
 * checkers and the trace observers as soon as none can produce an earlier one, and decides when the
 * run ends. In a cluster it takes a whole-run snapshot at the barrier after every K-th round (ADR
 * 106), and a restored coordinator goes on from one.
 */
public final class Coordinator extends AbstractBehavior<CoordinatorCommand> {

  /** Starts the run once the participants exist (partitions or node runners, in index order). */
  public record Begin(List<ActorRef<PartitionCommand>> partitions)
      implements CoordinatorCommand.Local, NoSerializationVerificationNeeded {}

  /** The run cannot complete (for example a node left); {@code detail} says why. */
  public record Fail(String detail, Cause cause)
      implements CoordinatorCommand.Local, NoSerializationVerificationNeeded {
    public Fail(String detail) {
      this(detail, Cause.CLUSTER);
    }
  }

  /**
   * Stop the run without a result (the partitions are told to stop): a cluster run that goes on
   * elsewhere, from a snapshot, after a node was lost.
   */
  public enum Abandon implements CoordinatorCommand.Local, NoSerializationVerificationNeeded {
    INSTANCE
  }

  /**
   * Snapshots of a run, and going on from one.
   *
   * @param every take a snapshot at the barrier after every {@code every}-th round (0: never); a
   *     round may span many windows, so a snapshot is always at the end of a round
   * @param codec writes and reads the checkers' state (the partitions write their entities')
   * @param model the model's name, and {@code settings} every effective setting (kept in the
   *     snapshot)
   * @param sink receives each snapshot (on the coordinator's thread)
   * @param resume go on from this snapshot instead of starting the entities (null: a fresh run)
   */
  public record Recovery(
      long every,
      Supplier<StateCodec> codec,
      String model,
      Map<String, String> settings,
      Consumer<SimSnapshot> sink,
      SimSnapshot resume) {}

  /** The watchdog's tick: has the run made progress since the last one? */
  private enum StallCheck implements CoordinatorCommand.Local, NoSerializationVerificationNeeded {
    INSTANCE
  }

  /** Why a run failed. */
  public enum Cause {
    /** An entity's logic threw: a model bug. */
    MODEL,
    /** A node was lost, the cluster did not form, or the run stalled. */
    CLUSTER
  }

  /**
   * How a run was synchronised.
   *
   * @param rounds rounds agreed between nodes (cluster-wide barriers)
   * @param localRounds local rounds on the critical path (per round, the most any node ran)
   * @param crossNodeEvents events sent between nodes, by payload type
   * @param syncPoints rounds the coordinator started itself (every round without free rounds; with
   *     them, ADR 107, only the sync points: the first round, after snapshots, every {@code
   *     freeRounds} rounds)
   */
  public record Sync(
      long rounds, long localRounds, Map<String, Long> crossNodeEvents, long syncPoints) {}

  /**
   * Options of a coordinator beyond the run's own.
   *
   * @param stallTimeout stop the run if it makes no progress for this long (null: never)
   * @param syncSink receives, before the result completes, how the run was synchronised (null: not
   *     wanted)
   * @param freeRounds the most rounds the partitions run between two sync points with the
   *     coordinator, agreeing each round among themselves (ADR 107); 0: the coordinator starts
   *     every round. Only for participants that are {@link Partition}s.
   */
  public record Extras(Duration stallTimeout, Consumer<Sync> syncSink, int freeRounds) {
    public static final Extras NONE = new Extras(null, null, 0);

    public Extras(Duration stallTimeout, Consumer<Sync> syncSink) {
      this(stallTimeout, syncSink, 0);
    }
  }

  /** How the run ended when it did not produce a result. */
  public static final class RunFailed extends RuntimeException {
    private final long lastCompletedWindow;
    private final long lastCompletedNanos;
    private final Cause cause;

    public RunFailed(String message, long lastCompletedWindow, long lastCompletedNanos) {
      this(message, lastCompletedWindow, lastCompletedNanos, Cause.MODEL);
    }

    public RunFailed(
        String message, long lastCompletedWindow, long lastCompletedNanos, Cause cause) {
      super(message);
      this.lastCompletedWindow = lastCompletedWindow;
      this.lastCompletedNanos = lastCompletedNanos;
      this.cause = cause;
    }

    /** CLUSTER: a node was lost, the cluster did not form or the run stalled (exit code 4). */
    public Cause failure() {
      return cause;
    }

    /** One line: what happened and the last completed round with its virtual time. */
    public String describe() {
      if (lastCompletedWindow < 0) return getMessage() + "; no window had completed";
      return getMessage()
          + "; last completed window "
          + lastCompletedWindow
          + " (virtual time "
          + lastCompletedNanos
          + " ns)";
    }

    public long lastCompletedWindow() {
      return lastCompletedWindow;
    }

    public long lastCompletedNanos() {
      return lastCompletedNanos;
    }
  }

  private final Simulation sim;
  private final RunOptions options;
  private final Extras extras;
  private final Map<String, Long> crossNode = new TreeMap<>();
  private final CompletableFuture<RunResult> result;
  private final Observation obs;
  private final long lookahead;
  private final long wallStart = System.nanoTime(); // reported only; the model never sees it

  private List<ActorRef<PartitionCommand>> nodes;
  private int n;
  private int ready;
  private long round = -1;
  private int reports;
  private long[] next;
  private long[] floor;
  private int[] expected;
  private long[] horizon;
  private long[] eot;
  private long[] reportedMin;
  private boolean[] reported;
  private long[] inbound;
  // free rounds (ADR 107): the partitions go on by themselves up to lastFree
  private boolean free;
  private long syncPoints;
  private long lastFree;
  private final TreeMap<Long, List<CoordinatorCommand.WindowDone>> early = new TreeMap<>();
  private long roundLocalMax;
  private long localRounds;
  private long lastTime = -1;
  private long events;
  private long completedRounds = -1;
  private long completedEnd;
  private long released = Long.MIN_VALUE;
  private long completedShown; // the last end the observers were given (each end once)
  private long progress;
  private long checkedProgress = -1;
  private final List<TraceRecord> pending = new ArrayList<>();
  private EndReason reason;
  private int collected;
  private final TraceHash hash = new TraceHash();
  private final Metrics metrics = new Metrics();

  // snapshots
  private final Recovery recovery;
  private StateCodec ownCodec; // without a recovery: for a snapshot asked for by the options
  private boolean snapshotAsked; // options.snapshot(): not taken yet
  private boolean snapshotForRequest; // the snapshot being taken is the one asked for

  private Metrics baseMetrics; // the metrics of the snapshot this run went on from
  private long snapshotStart;
  private int snapshotsIn;
  private List<SimSnapshot.EntityState> snapshotEntities;
  private List<Event> snapshotPending;
  private Metrics snapshotMetrics;

  public static Behavior<CoordinatorCommand> create(
      Simulation sim, RunOptions options, CompletableFuture<RunResult> result) {
    return create(sim, options, result, Extras.NONE);
  }

  public static Behavior<CoordinatorCommand> create(
      Simulation sim, RunOptions options, CompletableFuture<RunResult> result, Extras extras) {
    return create(sim, options, result, extras, null);
  }

  /** A coordinator that takes snapshots and may go on from one ({@code recovery}, or null). */
  public static Behavior<CoordinatorCommand> create(
      Simulation sim,
      RunOptions options,
      CompletableFuture<RunResult> result,
      Extras extras,
      Recovery recovery) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> new Coordinator(ctx, timers, sim, options, result, extras, recovery)));
  }

  private Coordinator(
      ActorContext<CoordinatorCommand> ctx,
      TimerScheduler<CoordinatorCommand> timers,
      Simulation sim,
      RunOptions options,
      CompletableFuture<RunResult> result,
      Extras extras,
      Recovery recovery) {
    super(ctx);
    this.sim = sim;
    this.options = options;
    this.extras = extras;
    this.recovery = recovery;
    this.snapshotAsked = options.snapshot() != null;
    if (extras.stallTimeout() != null) {
      timers.startTimerWithFixedDelay(StallCheck.INSTANCE, extras.stallTimeout());
    }
    this.result = result;
    this.lookahead = sim.lookahead();
    SimSnapshot base = recovery == null ? null : recovery.resume();
    if (base == null) {
      this.obs = new Observation(sim.checkers(), options.observers(), sim::entityName);
    } else {
      // the checkers as they were at the snapshot; the rounds since are run again
      StateCodec.Observed o = recovery.codec().get().readObservation(base.observation());
      this.obs = new Observation(o.checkers(), options.observers(), sim::entityName);
      obs.restore(o.violations(), o.records());
      this.baseMetrics = Metrics.fromSnapshot(base.metrics());
      for (SimSnapshot.EntityState e : base.entities()) events += e.delivered();
      this.lastTime = base.lastTime();
      this.round = base.windows();
      this.completedRounds = base.windows();
      this.completedEnd = base.resumeNanos();
    }
  }

  /** The record filter the entities must apply for this run's checkers and observers. */
  public static org.kernsim.engine.RecordFilter filterFor(Simulation sim, RunOptions options) {
    return new Observation(sim.checkers(), options.observers(), sim::entityName)
        .filter(options.recordAll());
  }

  @Override
  public Receive<CoordinatorCommand> createReceive() {
    return newReceiveBuilder()
        .onMessage(CoordinatorCommand.Progress.class, p -> guarded(() -> onProgress(p)))
        .onMessage(CoordinatorCommand.WindowDone.class, d -> guarded(() -> onWindowDone(d)))
        .onMessage(Begin.class, this::onBegin)
        .onMessage(CoordinatorCommand.PartitionReady.class, this::onReady)
        .onMessage(CoordinatorCommand.PartitionCollected.class, c -> guarded(() -> onCollected(c)))
        .onMessage(
            CoordinatorCommand.PartitionFailed.class,
            f -> fail(nodeName(f.partition()) + ": " + f.reason(), Cause.MODEL))
        .onMessage(Fail.class, f -> fail(f.detail(), f.cause()))
        .onMessage(
            CoordinatorCommand.PartitionSnapshot.class, p -> guarded(() -> onPartitionSnapshot(p)))
        .onMessageEquals(Abandon.INSTANCE, this::abandon)
        .onMessageEquals(StallCheck.INSTANCE, this::onStallCheck)
        .build();
  }

  private String nodeName(int node) {
    return n > 1 ? "node " + node : "partition";
  }

  private Behavior<CoordinatorCommand> onStallCheck() {
    if (nodes != null && progress == checkedProgress) {
      String where =
          ready < n
              ? "only " + ready + " of " + n + " nodes had their partitions in place"
              : "round "
                  + round
                  + " is stuck: a message was lost or a node is wedged; see the nodes' logs";
      return fail(
          "no window completed for " + extras.stallTimeout().toSeconds() + " s (" + where + ")",
          Cause.CLUSTER);
    }
    checkedProgress = progress;
    return this;
  }

  private Behavior<CoordinatorCommand> onBegin(Begin b) {
    nodes = b.partitions();
    n = nodes.size();
    next = new long[n];
    floor = new long[n];
    expected = new int[n];
    horizon = new long[n];
    eot = new long[n];
    reportedMin = new long[n];
    reported = new boolean[n];
    inbound = new long[n];
    Arrays.fill(inbound, Long.MAX_VALUE);
    free = extras.freeRounds() > 0 && n > 1 && !options.stopAtFirstViolation() && !snapshotAsked;
    PartitionCommand.Peers peers = new PartitionCommand.Peers(nodes, getContext().getSelf());
    for (ActorRef<PartitionCommand> p : nodes) p.tell(peers);
    return this;
  }

  private Behavior<CoordinatorCommand> onReady(CoordinatorCommand.PartitionReady r) {
    SimSnapshot base = recovery == null ? null : recovery.resume();
    if (++ready == n && base != null) {
      // every pending event is in its partition already (none in flight): each partition's
      // earliest is that of the snapshot's pending events placed on it
      Placement placement = new Placement(sim, n);
      Arrays.fill(next, Long.MAX_VALUE);
      for (Event e : base.pending()) {
        int p = placement.partitionOf(e.dst());
        next[p] = Math.min(next[p], e.time());
      }
      startRound();
      return this;
    }
    if (ready == n) {
      // round 0: every node runs its entities' start(); a lone node goes on to the end at once
      // (no other node can send it anything), unless the run stops at its first violation
      round = 0;
      reports = n;
      roundLocalMax = 0;
      Arrays.fill(floor, 0);
      long end = n == 1 && !options.stopAtFirstViolation() && !snapshotAsked ? options.until() : 0;
      for (int i = 0; i < n; i++)
        nodes.get(i).tell(new PartitionCommand.StartWindow(0, 0, end, expected[i]));
    }
    return this;
  }

  private void startRound() {
    round++;
    syncPoints++;
    long t = Long.MAX_VALUE;
    for (long x : next) t = Math.min(t, x);
    horizons(t);
    reports = 0;
    roundLocalMax = 0;
    if (free) {
      // a sync point: every partition (those that sit the round out too) gets the state to go on
      // from, and runs up to lastFree rounds by itself; the coordinator follows them silently
      lastFree = round + extras.freeRounds() - 1;
      if (recovery != null && recovery.every() > 0) {
        long every = recovery.every();
        lastFree = Math.min(lastFree, ((round + every - 1) / every) * every);
      }
      for (int i = 0; i < n; i++)
        nodes
            .get(i)
            .tell(
                new PartitionCommand.RunFree(
                    round, next.clone(), expected[i], lastFree, options.until()));
    }
    for (int i = 0; i < n; i++) {
      floor[i] = Math.min(next[i], horizon[i]);
      if (next[i] < horizon[i]) {
        reports++;
        if (!free)
          nodes.get(i).tell(new PartitionCommand.StartWindow(round, t, horizon[i], expected[i]));
      }
    }
  }

  /**
   * The next free round (ADR 107): the partitions started it by themselves, from the same state;
   * the coordinator only follows (floors, the reports to wait for).
   */
  private void followRound() {
    round++;
    long t = Long.MAX_VALUE;
    for (long x : next) t = Math.min(t, x);
    horizons(t);
    reports = 0;
    roundLocalMax = 0;
    for (int i = 0; i < n; i++) {
      floor[i] = Math.min(next[i], horizon[i]);
      if (next[i] < horizon[i]) reports++;
    }
  }

  /**
   * Each node's horizon: the earliest time an event from another node could reach it. A node can
   * send no sooner than the lookahead after its earliest pending event, or after the earliest event
   * that could reach it (fixed point over the nodes). With {@code stopAtFirstViolation}: the
   * canonical window's end {@code t + L}.
   */
  private void horizons(long t) {
    long cap = options.until();
    // run --snapshot-at: canonical windows until the snapshot is taken, so that it is taken at the
    // same boundary as on the sequential driver (the first window start at or after T)
    if (options.stopAtFirstViolation() || snapshotAsked)
      cap = Math.min(cap, PartitionCore.saturatedAdd(t, lookahead));
    org.kernsim.engine.Horizons.compute(next, lookahead, cap, horizon, eot);
  }

  private Behavior<CoordinatorCommand> onProgress(CoordinatorCommand.Progress p) {
    if (p.window() < round) return this;
    pending.addAll(p.records());
    events += p.delivered();
    progress++;
    // with free rounds a partition can be a round ahead of the coordinator: its records wait in
    // 'pending' (they are after this round's end), its floor is taken once the round is this one
    if (p.window() != round) return this;
    floor[p.partition()] = Math.max(floor[p.partition()], p.floor());
    long f = Long.MAX_VALUE;
    for (long x : floor) f = Math.min(f, x);
    release(f);
    return this;
  }

  private Behavior<CoordinatorCommand> onWindowDone(CoordinatorCommand.WindowDone d) {
    if (free && d.window() > round) {
      // free rounds: a partition that has the previous round's summaries went on before this
      // coordinator had every report of it
      early.computeIfAbsent(d.window(), k -> new ArrayList<>()).add(d);
      return this;
    }
    Behavior<CoordinatorCommand> b = windowDone(d);
    while (b == this && reports > 0 && !early.isEmpty() && early.firstKey() == round) {
      for (CoordinatorCommand.WindowDone x : early.pollFirstEntry().getValue()) {
        b = windowDone(x);
        if (b != this) return b;
      }
    }
    return b;
  }

  private Behavior<CoordinatorCommand> windowDone(CoordinatorCommand.WindowDone d) {
    if (d.window() != round) {
      return fail(
          nodeName(d.partition()) + " reported round " + d.window() + " during " + round,
          Cause.MODEL);
    }
    int node = d.partition();
    reportedMin[node] = d.localMin();
    reported[node] = true;
    for (int m = 0; m < n; m++) {
      inbound[m] = Math.min(inbound[m], d.sentMinTo()[m]);
      expected[m] += d.batchesTo()[m];
    }
    pending.addAll(d.records());
    if (d.lastTime() > lastTime) lastTime = d.lastTime();
    events += d.delivered();
    roundLocalMax = Math.max(roundLocalMax, d.rounds());
    progress++;
    if (--reports > 0) return this;

    // every node that took part finished this round: a node's earliest event is the earlier of
    // what it holds and what was sent to it in the round (it takes those in when it next runs)
    for (int m = 0; m < n; m++) {
      if (reported[m]) next[m] = reportedMin[m];
      next[m] = Math.min(next[m], inbound[m]);
      reported[m] = false;
      inbound[m] = Long.MAX_VALUE;
    }
    localRounds += roundLocalMax;
    long t = Long.MAX_VALUE;
    for (long x : next) t = Math.min(t, x);
    release(t);
    completedRounds = round;
    completedEnd = Math.min(t, options.until());
    boolean goingOn = free && round < lastFree; // the partitions go on by themselves
    if (options.stopAtFirstViolation() && obs.violated()) return end(EndReason.VIOLATION);
    // an interrupt is taken at a sync point (free partitions are not idle between them)
    if (!goingOn && org.kernsim.engine.StopRequest.requested()) return end(EndReason.INTERRUPTED);
    if (t == Long.MAX_VALUE) return end(EndReason.QUIESCENT); // the partitions stop there too
    if (t >= options.until()) return end(EndReason.LIMIT);
    if (goingOn) {
      followRound();
      return this;
    }
    // run --snapshot-at T: at the first barrier at or after T (rounds are capped at T until then)
    boolean asked = snapshotAsked && t >= options.snapshot().atNanos();
    if (asked
        || (recovery != null
            && recovery.every() > 0
            && round > 0
            && round % recovery.every() == 0)) {
      if (asked) snapshotAsked = false;
      snapshotForRequest = asked;
      takeSnapshot(t);
      return this;
    }
    startRound();
    return this;
  }

  // ------------------------------------------------------------------ snapshots

  /**
   * At this barrier, before the next round (every participant idle, its round reported): every
   * partition reports its entities' states and its pending events once the batches sent to it up to
   * this round have reached it; then the next round starts.
   */
  private void takeSnapshot(long t) {
    snapshotStart = t;
    snapshotsIn = 0;
    snapshotEntities = new ArrayList<>(sim.entityCount());
    snapshotPending = new ArrayList<>();
    snapshotMetrics = new Metrics();
    if (baseMetrics != null) snapshotMetrics.merge(baseMetrics);
    for (int p = 0; p < n; p++)
      nodes.get(p).tell(new PartitionCommand.TakeSnapshot(round, expected[p]));
  }

  private Behavior<CoordinatorCommand> onPartitionSnapshot(CoordinatorCommand.PartitionSnapshot p) {
    if (snapshotEntities == null || p.window() != round) return this;
    progress++;
    snapshotEntities.addAll(p.entities());
    snapshotPending.addAll(p.pending());
    if (!p.last()) return this;
    snapshotMetrics.merge(Metrics.fromSnapshot(p.metrics()));
    if (++snapshotsIn < n) return this;
    snapshotEntities.sort(Comparator.comparingInt(SimSnapshot.EntityState::id));
    snapshotPending.sort(Event::compareGlobal);
    StateCodec codec = codec();
    byte[] observed =
        codec.writeObservation(
            new StateCodec.Observed(obs.checkers(), obs.violations(), obs.records()));
    SimSnapshot s =
        new SimSnapshot(
            SimSnapshot.FORMAT,
            recovery == null ? sim.model() : recovery.model(),
            recovery == null ? Map.of() : recovery.settings(),
            options.seed(),
            snapshotStart,
            snapshotStart,
            round,
            lastTime,
            codec.fingerprint(),
            List.copyOf(snapshotEntities),
            List.copyOf(snapshotPending),
            snapshotMetrics.snapshot(),
            observed);
    snapshotEntities = null;
    snapshotPending = null;
    snapshotMetrics = null;
    if (recovery != null && recovery.every() > 0) recovery.sink().accept(s);
    if (snapshotForRequest) {
      // run --snapshot-at: the snapshot as asked for (its time, the scenario's settings)
      RunOptions.Snapshots req = options.snapshot();
      req.sink()
          .accept(
              new SimSnapshot(
                  s.format(),
                  sim.model(),
                  req.settings() == null ? Map.of() : req.settings(),
                  s.seed(),
                  req.atNanos(),
                  s.resumeNanos(),
                  s.windows(),
                  s.lastTime(),
                  s.environment(),
                  s.entities(),
                  s.pending(),
                  s.metrics(),
                  s.observation()));
      if (req.stopAfter()) return end(EndReason.SNAPSHOT);
    }
    startRound();
    return this;
  }

  /** The run's state codec: the recovery's, or made here when first needed. */
  private StateCodec codec() {
    if (recovery != null) return recovery.codec().get();
    if (ownCodec == null) ownCodec = new StateCodec(sim);
    return ownCodec;
  }

  private Behavior<CoordinatorCommand> abandon() {
    if (nodes != null) {
      for (ActorRef<PartitionCommand> p : nodes)
        p.tell(new PartitionCommand.Abort("the run goes on from a snapshot"));
    }
    return Behaviors.stopped();
  }

  /** Hands the checkers and observers every record before {@code f}, in canonical order. */
  private void release(long f) {
    if (f <= released) return;
    released = f;
    if (!pending.isEmpty()) {
      pending.sort(TraceRecord::compare);
      int i = 0;
      while (i < pending.size() && pending.get(i).time() < f) obs.accept(pending.get(i++));
      if (i == pending.size()) pending.clear();
      else if (i > 0) pending.subList(0, i).clear();
    }
    long shown = Math.min(f, options.until());
    if (shown > completedShown) {
      completedShown = shown;
      obs.windowCompleted(shown);
    }
  }

  private Behavior<CoordinatorCommand> end(EndReason r) {
    reason = r;
    release(Long.MAX_VALUE);
    long endNanos = r == EndReason.LIMIT ? options.until() : lastTime;
    obs.finish(endNanos, r);
    collected = 0;
    for (ActorRef<PartitionCommand> p : nodes) p.tell(PartitionCommand.Collect.INSTANCE);
    return this;
  }

  private Behavior<CoordinatorCommand> onCollected(CoordinatorCommand.PartitionCollected c) {
    hash.addAll(c.counts(), c.digests());
    metrics.merge(Metrics.fromSnapshot(c.metrics()));
    if (baseMetrics != null && collected == 0) metrics.merge(baseMetrics);
    c.crossNode().forEach((k, v) -> crossNode.merge(k, v, Long::sum));
    if (++collected < n) return this;
    if (extras.syncSink() != null)
      extras.syncSink().accept(new Sync(round, localRounds, Map.copyOf(crossNode), syncPoints));
    result.complete(
        new RunResult(
            events,
            Math.max(0, lastTime),
            hash.sha256(),
            obs.violations(),
            org.kernsim.engine.Simulations.report(sim, metrics, obs.checkers()),
            reason,
            localRounds,
            (System.nanoTime() - wallStart) / 1_000_000,
            metrics.histograms(),
            metrics.counters()));
    return Behaviors.stopped();
  }

  /**
   * Runs a step that calls checkers, trace observers or the model's metrics. If one of them throws
   * — a trace file on a full disk, a checker's bug, the heap exhausted — the run ends with that
   * failure: the nodes are told to stop and the caller gets the error as it was, instead of waiting
   * for a coordinator that is gone.
   */
  private Behavior<CoordinatorCommand> guarded(
      java.util.function.Supplier<Behavior<CoordinatorCommand>> step) {
    try {
      return step.get();
    } catch (RuntimeException | VirtualMachineError e) {
      result.completeExceptionally(e); // first: the nodes' ends must not be taken for it
      if (nodes != null) {
        String detail = "the coordinator failed: " + e;
        for (ActorRef<PartitionCommand> p : nodes) p.tell(new PartitionCommand.Abort(detail));
      }
      return Behaviors.stopped();
    }
  }

  private Behavior<CoordinatorCommand> fail(String detail, Cause cause) {
    result.completeExceptionally(new RunFailed(detail, completedRounds, completedEnd, cause));
    if (nodes != null) {
      for (ActorRef<PartitionCommand> p : nodes) p.tell(new PartitionCommand.Abort(detail));
    }
    return Behaviors.stopped();
  }

  public long lastCompletedWindow() {
    return completedRounds;
  }
}
