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
   * @param maxShare the most of the run's wall time the snapshots may take, in (0, 1]: a due
   *     snapshot waits until it keeps to it ({@link SnapshotPacing}); 1: every due one at once
   * @param codec writes and reads the checkers' state (the partitions write their entities')
   * @param model the model's name, and {@code settings} every effective setting (kept in the
   *     snapshot)
   * @param sink receives each snapshot (on the coordinator's thread)
   * @param resume go on from this snapshot instead of starting the entities (null: a fresh run)
   */
  public record Recovery(
      long every,
      double maxShare,
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
   * @param speculated rounds run speculatively (ADR 108)
   * @param undone speculative rounds undone in part: an event crossed partitions before their end
   * @param snapshots recovery snapshots taken ({@link SnapshotPacing}; and the one asked for)
   */
  public record Sync(
      long rounds,
      long localRounds,
      Map<String, Long> crossNodeEvents,
      long syncPoints,
      long speculated,
      long undone,
      long snapshots) {
    public Sync(long rounds, long localRounds, Map<String, Long> crossNodeEvents, long syncPoints) {
      this(rounds, localRounds, crossNodeEvents, syncPoints, 0, 0, 0);
    }
  }

  /**
   * Options of a coordinator beyond the run's own.
   *
   * @param stallTimeout stop the run if it makes no progress for this long (null: never)
   * @param syncSink receives, before the result completes, how the run was synchronised (null: not
   *     wanted)
   * @param freeRounds the most rounds the partitions run between two sync points with the
   *     coordinator, agreeing each round among themselves (ADR 107); 0: the coordinator starts
   *     every round. Only for participants that are {@link Partition}s.
   * @param speculate whether rounds run speculatively past their horizons (ADR 108): only for
   *     {@link Partition}s with a state codec, more than one of them, no free rounds, and runs that
   *     neither stop at their first violation nor take a snapshot at a time
   */
  public record Extras(
      Duration stallTimeout, Consumer<Sync> syncSink, int freeRounds, Speculation speculate) {
    public static final Extras NONE = new Extras(null, null, 0, Speculation.OFF);

    public Extras(Duration stallTimeout, Consumer<Sync> syncSink) {
      this(stallTimeout, syncSink, 0, Speculation.OFF);
    }

    public Extras(Duration stallTimeout, Consumer<Sync> syncSink, int freeRounds) {
      this(stallTimeout, syncSink, freeRounds, Speculation.OFF);
    }
  }

  /** Whether a run's rounds are speculative (ADR 108). */
  public enum Speculation {
    /** Never: every round ends at its horizons. */
    OFF,
    /**
     * Where it pays: a run starts with plain rounds, then speculates for as long as a speculative
     * round costs less wall time per virtual time than plain ones do, and goes back to plain ones
     * for a while (longer each time) when it does not. The default.
     */
    AUTO,
    /** Every round that can reach further than its plain horizons (tests; measurements). */
    ALWAYS;

    /** The setting's value ({@code off}, {@code auto} or {@code always}: checked as it is read). */
    public static Speculation of(String value) {
      return valueOf(value.toUpperCase(java.util.Locale.ROOT));
    }
  }

  /** A speculative round's first width, in lookaheads (ADR 108). */
  static final long SPECULATE_FIRST = 64;

  /** The narrowest speculative round, in lookaheads: narrower ones do not pay for their restore. */
  static final long SPECULATE_MIN = 4;

  /** The widest speculative round, in lookaheads. */
  static final long SPECULATE_MAX = 1L << 20;

  /**
   * After a speculative round that did not pay, plain rounds follow: 8 at first, twice as many
   * after each one that did not pay again, at most this many.
   */
  static final int SPECULATE_BACKOFF_MAX = 1024;

  /** The plain rounds a run starts with, to measure what a plain round costs. */
  static final int SPECULATE_BACKOFF_FIRST = 8;

  /** How much of its past a round's cost keeps per round of the same kind (a decaying sum). */
  static final double COST_DECAY = 0.5;

  /**
   * After this many speculative rounds in a row that paid, 2 plain rounds measure again what a
   * plain round costs (the first ones of a run pay for the JIT's warm-up, and would flatter
   * speculation for the rest of it).
   */
  static final int SPECULATE_REMEASURE = 16;

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

  // speculative rounds (ADR 108)
  private boolean speculation; // this run may speculate
  private boolean adaptive; // ... where it pays (Speculation.AUTO)
  private boolean speculating; // the round under way is speculative: waiting for Speculated
  private long specStart;
  private long specEnd;
  private long specPlain; // the earliest horizon the plain round would have given
  private long specWidth;
  private long specMin;
  private int specReports;
  private int specBackoff; // plain rounds still to run before speculating again
  private int specLastBackoff;
  private int specStreak; // speculative rounds in a row that paid
  private long speculatedRounds;
  private long undoneRounds;
  // what rounds of each kind cost: wall time per virtual time they advanced (decaying sums; the
  // choice never changes a run's trace, only how fast it goes)
  private boolean roundSpeculative;
  private long roundWall; // System.nanoTime() at the round's start
  private long roundFrom; // the virtual time it started from
  private double plainWall;
  private double plainAdvance;
  private double specWall;
  private double specAdvance;
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
  private final SnapshotPacing pacing; // null: no recovery snapshots
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
    this.pacing =
        recovery == null ? null : new SnapshotPacing(recovery.every(), recovery.maxShare());
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
        .onMessage(CoordinatorCommand.Speculated.class, d -> guarded(() -> onSpeculated(d)))
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
    speculation =
        extras.speculate() != Speculation.OFF
            && !free
            && n > 1
            && !options.stopAtFirstViolation()
            && !snapshotAsked;
    adaptive = extras.speculate() == Speculation.AUTO;
    specWidth = SPECULATE_FIRST * Math.max(1, lookahead);
    if (adaptive) {
      specBackoff = SPECULATE_BACKOFF_FIRST;
      specLastBackoff = SPECULATE_BACKOFF_FIRST / 2;
    }
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
    roundWall = System.nanoTime();
    roundFrom = t;
    roundSpeculative = speculation && speculate(t);
    if (roundSpeculative) return;
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
   * Starts round {@code round} speculatively (ADR 108) if that may reach further than its plain
   * horizons: every partition with an event before {@code t + width} runs up to there as if no
   * event could reach it, and reports the earliest event it sent to another partition. False: a
   * plain round instead (after a speculation that gained nothing, for a while; or when the plain
   * horizons reach as far).
   */
  private boolean speculate(long t) {
    if (specBackoff > 0) {
      specBackoff--;
      return false;
    }
    long end = Math.min(options.until(), PartitionCore.saturatedAdd(t, specWidth));
    long plain = Long.MAX_VALUE;
    for (int i = 0; i < n; i++) if (next[i] < end) plain = Math.min(plain, horizon[i]);
    if (plain >= end) return false; // the plain round reaches as far
    speculating = true;
    specStart = t;
    specEnd = end;
    specPlain = plain;
    specMin = Long.MAX_VALUE;
    specReports = 0;
    speculatedRounds++;
    for (int i = 0; i < n; i++) {
      floor[i] = Math.min(next[i], end);
      if (next[i] < end) {
        specReports++;
        nodes.get(i).tell(new PartitionCommand.Speculate(round, t, end, expected[i]));
      }
    }
    return true;
  }

  /**
   * Every partition of the speculative round reported: each event before the earliest one sent
   * between partitions ran as it would have in plain rounds (no event from another partition could
   * reach anyone before it). The partitions keep what they ran before it, undo the rest and end the
   * round there; the round then ends as a plain one does ({@code WindowDone}).
   */
  private Behavior<CoordinatorCommand> onSpeculated(CoordinatorCommand.Speculated d) {
    if (!speculating || d.window() != round)
      return fail(
          nodeName(d.partition())
              + " reported speculative round "
              + d.window()
              + " during "
              + round,
          Cause.MODEL);
    specMin = Math.min(specMin, d.sentMin());
    progress++;
    if (--specReports > 0) return this;
    speculating = false;
    long commit = Math.min(specMin, specEnd);
    long unit = Math.max(1, lookahead);
    if (commit >= specEnd) {
      specWidth = Math.min(SPECULATE_MAX * unit, specWidth * 2);
    } else {
      undoneRounds++;
      specWidth = Math.max(SPECULATE_MIN * unit, Math.min(specWidth, 2 * (commit - specStart)));
      // a speculative round costs two round trips: one that kept less than twice what a plain
      // round would have run did not pay
      if (adaptive && commit - specStart < 2 * (specPlain - specStart)) backOff();
    }
    PartitionCommand.Settle settle = new PartitionCommand.Settle(round, commit);
    reports = 0;
    for (int i = 0; i < n; i++) {
      if (next[i] < specEnd) {
        horizon[i] = commit;
        floor[i] = Math.min(next[i], commit);
        reports++;
        nodes.get(i).tell(settle);
      }
    }
    return this;
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

  /** Plain rounds for a while, twice as long as last time (ADR 108). */
  private void backOff() {
    specLastBackoff = Math.min(SPECULATE_BACKOFF_MAX, Math.max(1, 2 * specLastBackoff));
    specBackoff = specLastBackoff;
  }

  /**
   * A round started by {@link #startRound} ended with every partition's earliest event at {@code t}
   * or later: what it cost, in wall time per virtual time it advanced, goes into its kind's
   * decaying sums. A speculative round that cost more than plain rounds do makes the next rounds
   * plain for a while (ADR 108): speculation pays where events seldom cross partitions, and not
   * where they cross all the time and each undo restores big entities.
   */
  private void roundCost(long t) {
    double wall = System.nanoTime() - roundWall;
    double advance = Math.max(1, Math.min(t, options.until()) - roundFrom);
    if (!roundSpeculative) {
      plainWall = plainWall * COST_DECAY + wall;
      plainAdvance = plainAdvance * COST_DECAY + advance;
      return;
    }
    specWall = specWall * COST_DECAY + wall;
    specAdvance = specAdvance * COST_DECAY + advance;
    if (specBackoff > 0) return; // backing off already
    if (plainAdvance > 0 && specWall / specAdvance > plainWall / plainAdvance) {
      backOff();
      specStreak = 0;
      return;
    }
    // it paid: the next back-off is shorter again
    specLastBackoff = Math.max(SPECULATE_BACKOFF_FIRST / 2, specLastBackoff / 2);
    if (++specStreak >= SPECULATE_REMEASURE) {
      specStreak = 0;
      specBackoff = 2; // plain rounds again for a moment, to compare with
    }
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
    if (adaptive) roundCost(t);
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
    // the recovery snapshots: due every recovery.every() rounds, taken when their cost allows
    boolean paced = pacing != null && pacing.takeAt(round, System.nanoTime());
    if (asked || paced) {
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
    if (pacing != null) pacing.started(System.nanoTime());
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
    if (pacing != null) pacing.ended(System.nanoTime());
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
      extras
          .syncSink()
          .accept(
              new Sync(
                  round,
                  localRounds,
                  Map.copyOf(crossNode),
                  syncPoints,
                  speculatedRounds,
                  undoneRounds,
                  pacing == null ? 0 : pacing.taken()));
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
