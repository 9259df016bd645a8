package org.kernsim.engine;

import java.util.ArrayList;
import java.util.List;
import org.kernsim.engine.snapshot.StateCodec;
import org.kernsim.protocol.engine.Event;
import org.kernsim.protocol.snapshot.SimSnapshot;

/**
 * Runs a simulation on the calling thread: one global queue in canonical order {@code (time, dst,
 * src, seq)}. It is the explorer's driver (thousands of seeds, one per core) and the reference the
 * actor drivers are held to: it emulates the same windows, so a run that stops at a violation stops
 * at the same place and produces the same {@code traceSha256}.
 *
 * <p>It can take a snapshot at a window boundary ({@link RunOptions#snapshot()}) and go on from one
 * ({@link RunOptions#resume()}). A resumed run restores an entity only when its first event after
 * the snapshot arrives: entities that stay idle are never deserialized (their digest and count come
 * from the snapshot), which is what makes forking many schedules from one snapshot cheap. A forked
 * run may itself take a snapshot (a coverage-guided schedule's chain of forks): its entities'
 * streams are saved where the fork's draws left them; the fork's source order is not saved (the
 * next fork brings its own).
 */
public final class SequentialDriver {

  private final Simulation sim;
  private final RunOptions options;
  private final long lookahead;
  private final Observation obs;
  private final RecordFilter filter;
  private final CalendarHeap queue;
  private final EntityRuntime[] runtimes;
  private final EntityRuntime.Outbox outbox;
  private final EntityRuntime.Recorder recorder;
  private final LinkFaults faults;
  private final Fork fork;
  private final int[] ranks;
  private final Coverage coverage;

  /** The run's counters and histograms, and the trace hash's encoding buffer: one partition's. */
  private final Metrics metrics = new Metrics();

  private final RecordCodec.Bytes scratch = new RecordCodec.Bytes();

  private StateCodec codec;
  private StateCodec.Restorer restorer; // resumed: the entities' restores from the snapshot
  private final SimSnapshot base; // resumed from (null: a fresh run)
  private final Metrics baseMetrics;
  private boolean snapshotPending;

  /**
   * Whether to read the next event's data ahead ({@link EntityRuntime#warm}): with this many
   * entities their state does not stay in the cache (PHOLD, paired runs: 1.2x events per CPU second
   * at 10,000 entities, 1.1x at 1,000; at 100 it only costs).
   */
  public static final int LOOK_AHEAD_ENTITIES = 512;

  private final boolean lookAhead;

  /** What {@link EntityRuntime#warm} read ahead: kept, so that the loads are made. */
  private int warmth;

  /** The calendar's bucket moves already read ahead ({@link CalendarHeap#moves}). */
  private int moves;

  private long windowEnd = Long.MIN_VALUE;
  private long windows;
  private long lastTime;
  private boolean resumedBoundary;

  /**
   * What happens to an entity restored from the snapshot in a forked schedule (its random streams
   * are replaced, for example) before it handles its first event.
   */
  public interface Fork {
    void restored(EntityRuntime rt);

    /**
     * The order of sources among same-time events at a destination, {@code ranks[src]} (null: by
     * source id, the canonical order). Events of one source keep their order.
     */
    default int[] ranks() {
      return null;
    }
  }

  /**
   * Puts what entities send into the queue as fields (no {@link Event} object for a message),
   * ordered at its destination by its source, or by a forked schedule's {@code ranks[src]}.
   */
  private static final class QueueOutbox implements EntityRuntime.Outbox {
    private final CalendarHeap queue;
    private final int[] ranks;

    QueueOutbox(CalendarHeap queue, int[] ranks) {
      this.queue = queue;
      this.ranks = ranks;
    }

    @Override
    public void emit(Event e) {
      queue.add(e, ranks == null ? e.src() : ranks[e.src()]);
    }

    @Override
    public void emit(
        long time, int src, long seq, int dst, Object payload, Object timerKey, int timerGen) {
      queue.add(time, src, seq, dst, payload, timerKey, timerGen, ranks == null ? src : ranks[src]);
    }
  }

  private SequentialDriver(
      Simulation sim, RunOptions options, StateCodec codec, Fork fork, Coverage coverage) {
    this.sim = sim;
    this.coverage = coverage;
    this.options = options;
    this.codec = codec;
    this.fork = fork;
    this.lookahead = sim.lookahead();
    int n = sim.entityCount();
    this.base = options.resume();
    this.faults = sim.faults();
    this.queue = new CalendarHeap();
    this.runtimes = new EntityRuntime[n];
    this.lookAhead = n >= LOOK_AHEAD_ENTITIES;
    int[] ranks = fork == null ? null : fork.ranks();
    this.ranks = ranks;
    this.outbox = new QueueOutbox(queue, ranks);
    if (base == null) {
      this.obs = new Observation(sim.checkers(), options.observers(), sim::entityName);
      this.baseMetrics = null;
    } else {
      check(sim, base);
      StateCodec.Observed o = codec().readObservation(base.observation());
      this.obs = new Observation(o.checkers(), options.observers(), sim::entityName);
      obs.restore(o.violations(), o.records());
      this.baseMetrics = codec().metrics(base); // read only
      for (Event e : base.pending()) outbox.emit(e);
      this.windows = base.windows();
      this.lastTime = Math.max(0, base.lastTime());
      this.resumedBoundary = true;
    }
    this.filter = obs.filter(options.recordAll());
    this.recorder = obs::accept;
    this.snapshotPending = options.snapshot() != null;
    if (snapshotPending && !options.traceHash())
      throw new IllegalArgumentException("a snapshot needs the trace hash (it holds the digests)");
  }

  /** A snapshot fits this simulation: same model, same entities, same configuration graph. */
  private void check(Simulation sim, SimSnapshot s) {
    if (s.format() != SimSnapshot.FORMAT)
      throw new IllegalArgumentException("snapshot format " + s.format() + ", expected 1");
    if (!s.model().equals(sim.model()) || s.entities().size() != sim.entityCount())
      throw new IllegalArgumentException(
          "snapshot of model "
              + s.model()
              + " with "
              + s.entities().size()
              + " entities does not fit "
              + sim.model()
              + " with "
              + sim.entityCount());
    if (s.environment() != codec().fingerprint())
      throw new IllegalArgumentException(
          "snapshot of a differently configured "
              + s.model()
              + " (its configuration graph differs from this build's)");
  }

  private StateCodec codec() {
    if (codec == null) codec = new StateCodec(sim);
    return codec;
  }

  public static RunResult run(Simulation sim, RunOptions options) {
    return run(sim, options, null, null);
  }

  /**
   * Runs with {@code codec} for snapshots (null: made when needed) and {@code fork} applied to each
   * entity restored from {@code options.resume()} (null: none).
   */
  public static RunResult run(Simulation sim, RunOptions options, StateCodec codec, Fork fork) {
    return run(sim, options, codec, fork, null);
  }

  /** As {@link #run(Simulation, RunOptions, StateCodec, Fork)}, feeding {@code coverage}. */
  public static RunResult run(
      Simulation sim, RunOptions options, StateCodec codec, Fork fork, Coverage coverage) {
    long wallStart = System.nanoTime(); // wall time is reported, never read by the model
    SequentialDriver d = new SequentialDriver(sim, options, codec, fork, coverage);
    return d.go(wallStart);
  }

  private EntityRuntime runtime(int id) {
    EntityRuntime rt = runtimes[id];
    if (rt != null) return rt;
    if (restorer == null) restorer = codec().restorer(base);
    StateCodec.EntityParts p = restorer.read(id, options.traceHash());
    rt =
        EntityRuntime.restore(
            id, p.logic(), p.saved(), lookahead, sim::entityName, filter, faults, metrics, scratch);
    rt.bind(outbox, recorder);
    if (!options.traceHash()) rt.skipTraceHash();
    if (ranks != null) rt.ranks(ranks);
    if (fork != null) fork.restored(rt);
    if (coverage != null) coverage.init(id, rt.logic(), base.resumeNanos());
    return runtimes[id] = rt;
  }

  private RunResult go(long wallStart) {
    int n = runtimes.length;
    if (base == null) {
      for (int id = 0; id < n; id++) {
        runtimes[id] =
            new EntityRuntime(
                id,
                sim.createEntity(id),
                options.seed(),
                lookahead,
                sim::entityName,
                filter,
                faults,
                metrics,
                scratch);
        runtimes[id].bind(outbox, recorder);
        if (!options.traceHash()) runtimes[id].skipTraceHash();
      }
      for (EntityRuntime rt : runtimes) rt.start();
      if (coverage != null) for (EntityRuntime rt : runtimes) coverage.init(rt.id(), rt.logic(), 0);
    }

    long until = options.until();
    EndReason reason;
    while (true) {
      // the next event's time and destination come from the heap's keys: the event object is read
      // only when delivered, and the destination's runtime is loaded alongside it
      long t = queue.minTime();
      if (t >= windowEnd) {
        if (windows > 0 && !resumedBoundary) obs.windowCompleted(windowEnd);
        resumedBoundary = false;
        if (options.stopAtFirstViolation() && obs.violated()) {
          reason = EndReason.VIOLATION;
          break;
        }
        if (StopRequest.requested()) {
          reason = EndReason.INTERRUPTED;
          break;
        }
        if (queue.isEmpty()) {
          reason = EndReason.QUIESCENT;
          break;
        }
        if (t >= until) {
          reason = EndReason.LIMIT;
          break;
        }
        if (snapshotPending && t >= options.snapshot().atNanos()) {
          snapshotPending = false;
          options.snapshot().sink().accept(snapshot(t));
          if (options.snapshot().stopAfter()) {
            reason = EndReason.SNAPSHOT;
            break;
          }
        }
        windowEnd = Math.min(saturatedAdd(t, lookahead), until);
        windows++;
      }
      // the event is its keys and one reference (payload, or a timer's or ranked source's fields)
      int dst = queue.minDst();
      EntityRuntime rt = runtimes[dst];
      int srcKey = queue.minSrcKey();
      long seq = queue.minSeq();
      Object ref = queue.minRef();
      queue.remove();
      if (rt == null) rt = runtime(dst);
      if (lookAhead && queue.moves() != moves) {
        // a new bucket became current: read all its events' data ahead in one loop, whose misses
        // (independent of each other) overlap, instead of one event ahead at a time
        moves = queue.moves();
        for (int i = 0, k = queue.currentSize(); i < k; i++) {
          EntityRuntime r = runtimes[queue.currentDst(i)];
          if (r != null) warmth += r.warm(queue.currentRef(i));
        }
      }
      if (lookAhead && !queue.isEmpty()) {
        // start loading what the next event will read (its object and payload, its entity's
        // runtime, history buffer and channels) while this one is delivered: with many entities
        // each of them is a cache miss, and they overlap with this event's work
        EntityRuntime next = runtimes[queue.minDst()];
        if (next != null) warmth += next.warm(queue.minRef());
      }
      long before = rt.delivered();
      rt.deliver(t, srcKey, seq, ref);
      if (rt.delivered() != before) {
        lastTime = t;
        if (coverage != null) coverage.visit(dst, rt.logic(), t);
      }
    }
    long end = reason == EndReason.LIMIT ? until : lastTime;
    obs.finish(end, reason);

    TraceHash hash = options.traceHash() ? new TraceHash() : null;
    Metrics merged = metrics;
    if (baseMetrics != null) {
      merged = new Metrics();
      merged.merge(baseMetrics);
      merged.merge(metrics);
    }
    long events = 0;
    for (int id = 0; id < n; id++) {
      EntityRuntime rt = runtimes[id];
      if (rt != null) {
        if (hash != null) hash.add(id, rt.delivered(), rt.historyDigest());
        events += rt.delivered();
      } else {
        SimSnapshot.EntityState s = base.entities().get(id);
        if (hash != null) hash.add(id, s.delivered(), s.digest());
        events += s.delivered();
      }
    }
    return new RunResult(
        events,
        lastTime,
        hash == null ? null : hash.sha256(),
        obs.violations(),
        Simulations.report(sim, merged, obs.checkers()),
        reason,
        windows,
        (System.nanoTime() - wallStart) / 1_000_000,
        merged.histograms(),
        merged.counters());
  }

  /** The whole simulation at this window boundary (the next window starts at {@code resume}). */
  private SimSnapshot snapshot(long resume) {
    StateCodec c = codec();
    int n = runtimes.length;
    List<SimSnapshot.EntityState> states = new ArrayList<>(n);
    Metrics merged = new Metrics();
    if (baseMetrics != null) merged.merge(baseMetrics);
    merged.merge(metrics);
    for (int id = 0; id < n; id++) {
      EntityRuntime rt = runtimes[id];
      if (rt == null) {
        states.add(base.entities().get(id)); // never touched since the last snapshot
        continue;
      }
      states.add(
          new SimSnapshot.EntityState(id, rt.delivered(), rt.historyDigest(), c.writeEntity(rt)));
    }
    byte[] observed =
        c.writeObservation(
            new StateCodec.Observed(obs.checkers(), obs.violations(), obs.records()));
    RunOptions.Snapshots req = options.snapshot();
    return new SimSnapshot(
        SimSnapshot.FORMAT,
        sim.model(),
        req.settings() == null ? java.util.Map.of() : req.settings(),
        options.seed(),
        req.atNanos(),
        resume,
        windows,
        lastTime,
        c.fingerprint(),
        states,
        queue.sorted(),
        merged.snapshot(),
        observed);
  }

  static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }
}
