package org.kernsim.engine.actor;

import java.time.Duration;
import java.util.ArrayList;
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
 * Agrees the windows of a run: after every partition reported window {@code k}, the next window
 * starts at the earliest pending event anywhere (idle stretches are skipped) and spans the
 * lookahead. It merges the partitions' records into the canonical stream for the checkers and the
 * trace observers, and decides when the run ends.
 */
public final class Coordinator extends AbstractBehavior<CoordinatorCommand> {

  /** Starts the run once the partitions exist. */
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
   * @param every take a snapshot at the barrier after every {@code every}-th window (0: never)
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

  /** The watchdog's tick: has a window completed since the last one? */
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
   * Options of a coordinator beyond the run's own.
   *
   * @param stallTimeout stop the run if no window completes for this long (null: never)
   * @param crossNodeSink receives, before the result completes, the events sent between cluster
   *     nodes by payload type (null: not wanted)
   */
  public record Extras(Duration stallTimeout, Consumer<Map<String, Long>> crossNodeSink) {
    public static final Extras NONE = new Extras(null, null);
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

    /** One line: what happened and the last completed window with its virtual time. */
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
  private long checkedWindows = -2;
  private final CompletableFuture<RunResult> result;
  private final Observation obs;
  private final long lookahead;
  private final long wallStart = System.nanoTime(); // reported only; the model never sees it

  private List<ActorRef<PartitionCommand>> partitions;
  private int ready;
  private long window;
  private long windowEnd;
  private int reports;
  private CoordinatorCommand.WindowDone[] done;
  private long lastTime;
  private long events;
  private long completedWindows = -1;
  private long completedEnd;
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
  private long snapshotEnd;
  private int[] snapshotExpected;
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
      // the checkers as they were at the snapshot; the windows since are run again
      StateCodec.Observed o = recovery.codec().get().readObservation(base.observation());
      this.obs = new Observation(o.checkers(), options.observers(), sim::entityName);
      obs.restore(o.violations(), o.records());
      this.baseMetrics = Metrics.fromSnapshot(base.metrics());
      for (SimSnapshot.EntityState e : base.entities()) events += e.delivered();
      this.lastTime = base.lastTime();
      this.completedWindows = base.windows();
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
        .onMessage(CoordinatorCommand.WindowDone.class, d -> guarded(() -> onWindowDone(d)))
        .onMessage(Begin.class, this::onBegin)
        .onMessage(CoordinatorCommand.PartitionReady.class, this::onReady)
        .onMessage(CoordinatorCommand.PartitionCollected.class, c -> guarded(() -> onCollected(c)))
        .onMessage(
            CoordinatorCommand.PartitionFailed.class,
            f -> fail("partition " + f.partition() + ": " + f.reason(), Cause.MODEL))
        .onMessage(Fail.class, f -> fail(f.detail(), f.cause()))
        .onMessage(
            CoordinatorCommand.PartitionSnapshot.class, p -> guarded(() -> onPartitionSnapshot(p)))
        .onMessageEquals(Abandon.INSTANCE, this::abandon)
        .onMessageEquals(StallCheck.INSTANCE, this::onStallCheck)
        .build();
  }

  private Behavior<CoordinatorCommand> onStallCheck() {
    if (partitions != null && completedWindows == checkedWindows) {
      String where =
          ready < partitions.size()
              ? "only "
                  + ready
                  + " of "
                  + partitions.size()
                  + " partitions had their entities in place"
              : "window "
                  + window
                  + " is stuck: a message was lost or a node is wedged; see the nodes' logs";
      return fail(
          "no window completed for " + extras.stallTimeout().toSeconds() + " s (" + where + ")",
          Cause.CLUSTER);
    }
    checkedWindows = completedWindows;
    return this;
  }

  private Behavior<CoordinatorCommand> onBegin(Begin b) {
    partitions = b.partitions();
    done = new CoordinatorCommand.WindowDone[partitions.size()];
    PartitionCommand.Peers peers = new PartitionCommand.Peers(partitions, getContext().getSelf());
    for (ActorRef<PartitionCommand> p : partitions) p.tell(peers);
    return this;
  }

  private Behavior<CoordinatorCommand> onReady(CoordinatorCommand.PartitionReady r) {
    if (++ready == partitions.size()) {
      SimSnapshot base = recovery == null ? null : recovery.resume();
      if (base != null) {
        // every pending event is in its partition already: no batch to wait for
        long start = base.resumeNanos();
        startWindow(
            base.windows() + 1,
            start,
            Math.min(saturatedAdd(start, lookahead), options.until()),
            new int[partitions.size()]);
        return this;
      }
      window = 0;
      windowEnd = 0;
      startWindow(0, 0, 0, new int[partitions.size()]);
    }
    return this;
  }

  private void startWindow(long k, long start, long end, int[] expected) {
    window = k;
    windowEnd = end;
    reports = 0;
    for (int p = 0; p < partitions.size(); p++) {
      partitions.get(p).tell(new PartitionCommand.StartWindow(k, start, end, expected[p]));
    }
  }

  private Behavior<CoordinatorCommand> onWindowDone(CoordinatorCommand.WindowDone d) {
    if (d.window() != window) {
      return fail(
          "partition " + d.partition() + " reported window " + d.window() + " during " + window,
          Cause.MODEL);
    }
    done[d.partition()] = d;
    if (++reports < partitions.size()) return this;

    // every partition finished this window: merge, observe, decide
    mergeRecords();
    long next = Long.MAX_VALUE;
    int[] expected = new int[partitions.size()];
    for (CoordinatorCommand.WindowDone w : done) {
      next = Math.min(next, Math.min(w.localMin(), w.sentMin()));
      for (int p = 0; p < expected.length; p++) expected[p] += w.batchesTo()[p];
      if (w.lastTime() > lastTime) lastTime = w.lastTime();
      events += w.delivered();
    }
    if (window > 0) obs.windowCompleted(windowEnd);
    completedWindows = window;
    completedEnd = windowEnd;
    if (options.stopAtFirstViolation() && obs.violated()) return end(EndReason.VIOLATION);
    if (org.kernsim.engine.StopRequest.requested()) return end(EndReason.INTERRUPTED);
    if (next == Long.MAX_VALUE) return end(EndReason.QUIESCENT);
    if (next >= options.until()) return end(EndReason.LIMIT);
    long end = Math.min(saturatedAdd(next, lookahead), options.until());
    boolean asked = snapshotAsked && next >= options.snapshot().atNanos();
    if (asked
        || (recovery != null
            && recovery.every() > 0
            && window > 0
            && window % recovery.every() == 0)) {
      if (asked) snapshotAsked = false;
      snapshotForRequest = asked;
      takeSnapshot(next, end, expected);
      return this;
    }
    startWindow(window + 1, next, end, expected);
    return this;
  }

  // ------------------------------------------------------------------ snapshots

  /**
   * At this barrier, before the next window: every partition reports its entities' states and its
   * pending events (once the batches of this window have reached it); then the next window starts.
   */
  private void takeSnapshot(long next, long end, int[] expected) {
    snapshotStart = next;
    snapshotEnd = end;
    snapshotExpected = expected;
    snapshotsIn = 0;
    snapshotEntities = new ArrayList<>(sim.entityCount());
    snapshotPending = new ArrayList<>();
    snapshotMetrics = new Metrics();
    if (baseMetrics != null) snapshotMetrics.merge(baseMetrics);
    for (int p = 0; p < partitions.size(); p++)
      partitions.get(p).tell(new PartitionCommand.TakeSnapshot(window, expected[p]));
  }

  private Behavior<CoordinatorCommand> onPartitionSnapshot(CoordinatorCommand.PartitionSnapshot p) {
    if (snapshotEntities == null || p.window() != window) return this;
    snapshotEntities.addAll(p.entities());
    snapshotPending.addAll(p.pending());
    if (!p.last()) return this;
    snapshotMetrics.merge(Metrics.fromSnapshot(p.metrics()));
    if (++snapshotsIn < partitions.size()) return this;
    snapshotEntities.sort(Comparator.comparingInt(SimSnapshot.EntityState::id));
    snapshotPending.sort(
        Comparator.comparingLong(Event::time)
            .thenComparingInt(Event::dst)
            .thenComparingInt(Event::src)
            .thenComparingLong(Event::seq));
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
            window,
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
    startWindow(window + 1, snapshotStart, snapshotEnd, snapshotExpected);
    return this;
  }

  /** The run's state codec: the recovery's, or made here when first needed. */
  private StateCodec codec() {
    if (recovery != null) return recovery.codec().get();
    if (ownCodec == null) ownCodec = new StateCodec(sim);
    return ownCodec;
  }

  private Behavior<CoordinatorCommand> abandon() {
    if (partitions != null) {
      for (ActorRef<PartitionCommand> p : partitions)
        p.tell(new PartitionCommand.Abort("the run goes on from a snapshot"));
    }
    return Behaviors.stopped();
  }

  private void mergeRecords() {
    int total = 0;
    for (CoordinatorCommand.WindowDone w : done) total += w.records().size();
    if (total == 0) return;
    int n = done.length;
    int[] pos = new int[n];
    for (int i = 0; i < total; i++) {
      int best = -1;
      TraceRecord bestRec = null;
      for (int p = 0; p < n; p++) {
        List<TraceRecord> l = done[p].records();
        if (pos[p] < l.size()) {
          TraceRecord r = l.get(pos[p]);
          if (bestRec == null || TraceRecord.compare(r, bestRec) < 0) {
            best = p;
            bestRec = r;
          }
        }
      }
      pos[best]++;
      obs.accept(bestRec);
    }
  }

  private Behavior<CoordinatorCommand> end(EndReason r) {
    reason = r;
    long endNanos = r == EndReason.LIMIT ? options.until() : lastTime;
    obs.finish(endNanos, r);
    collected = 0;
    for (ActorRef<PartitionCommand> p : partitions) p.tell(PartitionCommand.Collect.INSTANCE);
    return this;
  }

  private Behavior<CoordinatorCommand> onCollected(CoordinatorCommand.PartitionCollected c) {
    hash.addAll(c.counts(), c.digests());
    metrics.merge(Metrics.fromSnapshot(c.metrics()));
    if (baseMetrics != null && collected == 0) metrics.merge(baseMetrics);
    c.crossNode().forEach((k, v) -> crossNode.merge(k, v, Long::sum));
    if (++collected < partitions.size()) return this;
    if (extras.crossNodeSink() != null) extras.crossNodeSink().accept(Map.copyOf(crossNode));
    result.complete(
        new RunResult(
            events,
            Math.max(0, lastTime),
            hash.sha256(),
            obs.violations(),
            org.kernsim.engine.Simulations.report(sim, metrics, obs.checkers()),
            reason,
            Math.max(0, completedWindows),
            (System.nanoTime() - wallStart) / 1_000_000,
            metrics.histograms(),
            metrics.counters()));
    return Behaviors.stopped();
  }

  /**
   * Runs a step that calls checkers, trace observers or the model's metrics. If one of them throws
   * — a trace file on a full disk, a checker's bug, the heap exhausted — the run ends with that
   * failure: the partitions are told to stop and the caller gets the error as it was, instead of
   * waiting for a coordinator that is gone.
   */
  private Behavior<CoordinatorCommand> guarded(
      java.util.function.Supplier<Behavior<CoordinatorCommand>> step) {
    try {
      return step.get();
    } catch (RuntimeException | VirtualMachineError e) {
      result.completeExceptionally(e); // first: the partitions' ends must not be taken for it
      if (partitions != null) {
        String detail = "the coordinator failed: " + e;
        for (ActorRef<PartitionCommand> p : partitions) p.tell(new PartitionCommand.Abort(detail));
      }
      return Behaviors.stopped();
    }
  }

  private Behavior<CoordinatorCommand> fail(String detail, Cause cause) {
    result.completeExceptionally(new RunFailed(detail, completedWindows, completedEnd, cause));
    if (partitions != null) {
      for (ActorRef<PartitionCommand> p : partitions) p.tell(new PartitionCommand.Abort(detail));
    }
    return Behaviors.stopped();
  }

  public long lastCompletedWindow() {
    return completedWindows;
  }

  static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }
}
