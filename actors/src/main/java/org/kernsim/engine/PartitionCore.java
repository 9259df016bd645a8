package org.kernsim.engine;

import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.kernsim.protocol.engine.Event;
import org.kernsim.protocol.engine.TraceRecord;

/**
 * One partition of a run: its entities and their pending events, run as a sequential simulation up
 * to a horizon. Every driver is built on it: the sequential driver runs one partition holding every
 * entity; the actor drivers run several, one per thread, and exchange the events that cross them
 * between rounds.
 *
 * <p>A round runs windows of at most the lookahead, each starting at the partition's earliest
 * pending event, until the horizon: in a window every entity with events before its end gets them
 * in canonical order {@code (time, src, seq)} (and its own events before the end, which it keeps
 * itself), one entity after the other. An event for another entity of this partition goes back into
 * its queue (it is due at or after the window's end: every message takes at least the lookahead);
 * an event for another partition waits in that partition's outbox until the driver moves it.
 * Because each entity sees exactly its own events in canonical order, its history — and so {@code
 * traceSha256} — does not depend on how entities are spread over partitions or on where the rounds
 * end.
 *
 * <p>Entities whose model says they do nothing at start ({@link Simulation#startsIdle}) are created
 * when their first event arrives; until then they cost nothing. All entities of a partition share
 * one {@link Metrics} (counters and histograms are sums) and one encoding buffer for the trace
 * hash.
 *
 * <p>Not thread-safe: one thread at a time (a driver hands the whole partition over).
 */
public final class PartitionCore {

  /** Told after each window of a round; false ends the round there. */
  public interface WindowListener {
    boolean windowDone(long end);
  }

  /**
   * Where an entity's runtime comes from when it is first needed: normally made fresh; in a run
   * resumed from a snapshot, restored (with the partition's metrics and encoding buffer).
   */
  public interface Runtimes {
    EntityRuntime make(int id, Metrics metrics, RecordCodec.Bytes scratch);
  }

  private final int index;
  private final Simulation sim;
  private final Placement placement;
  private final int[] members;
  private final EntityRuntime[] runtimes;
  private final long seed;
  private final RecordFilter filter;
  private final LinkFaults faults;
  private final long lookahead;
  private final WindowQueue queue;
  private final Metrics metrics = new Metrics();
  private final RecordCodec.Bytes scratch = new RecordCodec.Bytes();
  private final EntityRuntime.Outbox router = this::route;
  private final EntityRuntime.Recorder recorder;
  private final Consumer<Event> filer = this::file;
  private final EventBuffer[] outboxes;
  private final long[] sentMinTo;
  private final WindowSlices slices; // the window's events, one array for all entities
  private final RecordBuffer records = new RecordBuffer();

  private long delivered;
  private long lastTime = -1;
  private long windows;
  private int running = -1;
  private Runtimes source;

  public PartitionCore(
      int index, Simulation sim, Placement placement, long seed, RecordFilter filter) {
    this.index = index;
    this.sim = sim;
    this.placement = placement;
    this.members = placement.members(index);
    this.runtimes = new EntityRuntime[members.length];
    this.seed = seed;
    this.filter = filter;
    this.faults = sim.faults();
    this.lookahead = sim.lookahead();
    this.queue = new WindowQueue(lookahead);
    this.outboxes = new EventBuffer[placement.partitions()];
    this.sentMinTo = new long[placement.partitions()];
    Arrays.fill(sentMinTo, Long.MAX_VALUE);
    this.slices = new WindowSlices(members.length);
    this.recorder = records::add;
  }

  public int index() {
    return index;
  }

  /** The display name of entity {@code id}. */
  public String entityName(int id) {
    return sim.entityName(id);
  }

  /** Whether a class of entity overrides {@link Entity#start} (does something at time 0). */
  private static final ClassValue<Boolean> STARTS =
      new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
          try {
            return type.getMethod("start", Context.class).getDeclaringClass() != Entity.class;
          } catch (NoSuchMethodException e) {
            return true;
          }
        }
      };

  /** Creates the entities that act at start and runs their {@code start()} at time 0. */
  public void start() {
    for (int slot = 0; slot < members.length; slot++) {
      if (sim.startsIdle(members[slot])) continue;
      EntityRuntime rt = runtime(slot);
      running = rt.id();
      rt.start();
    }
    running = -1;
  }

  /**
   * Entities not created yet come from {@code source} from now on (a run resumed from a snapshot
   * restores them there); the run's start is then not run again.
   */
  public void restoreFrom(Runtimes source) {
    this.source = source;
  }

  /** Entity {@code id}'s runtime, made (or restored) now if it did not exist yet. */
  public EntityRuntime runtimeOf(int id) {
    return runtime(placement.slotOf(id));
  }

  /** Entity {@code id}'s runtime, or null if it has not been needed yet. */
  public EntityRuntime existing(int id) {
    return runtimes[placement.slotOf(id)];
  }

  /** Every pending event, in canonical global order (for a snapshot). */
  public List<Event> pending() {
    return queue.sorted();
  }

  private EntityRuntime runtime(int slot) {
    EntityRuntime rt = runtimes[slot];
    if (rt == null && source != null) {
      rt = source.make(members[slot], metrics, scratch);
      rt.bind(router, recorder);
      runtimes[slot] = rt;
    }
    if (rt == null) {
      int id = members[slot];
      Entity logic = sim.createEntity(id);
      if (sim.startsIdle(id) && STARTS.get(logic.getClass())) {
        throw new IllegalStateException(
            sim.entityName(id)
                + " is made on demand (startsIdle) but its "
                + logic.getClass().getSimpleName()
                + " has a start() of its own");
      }
      rt =
          new EntityRuntime(
              id, logic, seed, lookahead, sim::entityName, filter, faults, metrics, scratch);
      rt.bind(router, recorder);
      runtimes[slot] = rt;
    }
    return rt;
  }

  /** Adds an event for one of this partition's entities (from another partition). */
  public void add(Event e) {
    queue.add(e);
  }

  /** The earliest pending event's time ({@code Long.MAX_VALUE}: none). */
  public long minTime() {
    return queue.minTime();
  }

  /**
   * Runs every pending event (and every event they cause here) due before {@code horizon}, window
   * by window; the caller guarantees that no event due before the horizon can still arrive from
   * another partition.
   *
   * @param listener told after each window (null: none); it may end the round early
   * @return the windows run
   */
  public long runRound(long horizon, WindowListener listener) {
    long ran = 0;
    while (true) {
      long end = runNextWindow(horizon);
      if (end == Long.MIN_VALUE) break;
      ran++;
      if (listener != null && !listener.windowDone(end)) break;
    }
    return ran;
  }

  /**
   * Runs the next window — from the earliest pending event, at most the lookahead wide, ending at
   * the horizon at the latest — if that event is due before {@code horizon}.
   *
   * @return the window's end, or {@code Long.MIN_VALUE} if there was none to run
   */
  public long runNextWindow(long horizon) {
    long t = queue.minTime();
    if (t >= horizon) return Long.MIN_VALUE;
    long end = Math.min(saturatedAdd(t, lookahead), horizon);
    runWindow(t, end);
    windows++;
    return end;
  }

  private void runWindow(long start, long end) {
    queue.drainWindow(start, end, filer);
    int touched = slices.seal();
    Event[] events = slices.events();
    try {
      for (int i = 0; i < touched; i++) {
        int slot = slices.touched(i);
        EntityRuntime rt = runtime(slot);
        long before = rt.delivered();
        running = rt.id();
        int from = slices.from(slot);
        rt.runWindow(events, from, from + slices.count(slot), end);
        long n = rt.delivered() - before;
        if (n > 0) {
          delivered += n;
          if (rt.now() > lastTime) lastTime = rt.now();
        }
      }
    } finally {
      slices.clear();
    }
    running = -1;
  }

  /** Files an event of the window under its entity. */
  private void file(Event e) {
    slices.add(placement.slotOf(e.dst()), e);
  }

  private void route(Event e) {
    int p = placement.partitionOf(e.dst());
    if (p == index) {
      queue.add(e);
    } else {
      EventBuffer box = outboxes[p];
      if (box == null) box = outboxes[p] = new EventBuffer(16);
      box.add(e);
      if (e.time() < sentMinTo[p]) sentMinTo[p] = e.time();
    }
  }

  /** The events waiting for partition {@code p} (null or empty: none); see {@link #clearOutbox}. */
  public EventBuffer outbox(int p) {
    return outboxes[p];
  }

  /** The earliest event waiting for partition {@code p}. */
  public long sentMinTo(int p) {
    return sentMinTo[p];
  }

  public void clearOutbox(int p) {
    if (outboxes[p] != null) outboxes[p].clear();
    sentMinTo[p] = Long.MAX_VALUE;
  }

  /** Moves the trace records produced since the last call into {@code into} (unsorted). */
  public void drainRecords(List<TraceRecord> into) {
    records.drainTo(into);
  }

  public boolean hasRecords() {
    return records.size > 0;
  }

  /** The entity whose logic is running (or was, if it threw), or -1. */
  public int running() {
    return running;
  }

  public long delivered() {
    return delivered;
  }

  /** Virtual time of the last delivered event (-1: none). */
  public long lastTime() {
    return lastTime;
  }

  public long windows() {
    return windows;
  }

  public Metrics metrics() {
    return metrics;
  }

  /** Calls {@code visitor} for every entity that was created, in slot (id) order. */
  public void forEachEntity(java.util.function.Consumer<EntityRuntime> visitor) {
    for (EntityRuntime rt : runtimes) if (rt != null) visitor.accept(rt);
  }

  /** The entities that exist so far (the rest have not had an event yet). */
  public int created() {
    int n = 0;
    for (EntityRuntime rt : runtimes) if (rt != null) n++;
    return n;
  }

  public static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }

  /** A growable array of events that keeps its capacity. */
  public static final class EventBuffer {
    Event[] a;
    int size;

    EventBuffer(int capacity) {
      a = new Event[capacity];
    }

    void add(Event e) {
      if (size == a.length) a = Arrays.copyOf(a, size * 2);
      a[size++] = e;
    }

    public int size() {
      return size;
    }

    public Event get(int i) {
      return a[i];
    }

    void clear() {
      Arrays.fill(a, 0, size, null);
      size = 0;
    }
  }

  /** Trace records in production order. */
  private static final class RecordBuffer {
    TraceRecord[] a = new TraceRecord[16];
    int size;

    void add(TraceRecord r) {
      if (size == a.length) a = Arrays.copyOf(a, size * 2);
      a[size++] = r;
    }

    void drainTo(List<TraceRecord> into) {
      for (int i = 0; i < size; i++) into.add(a[i]);
      Arrays.fill(a, 0, size, null);
      size = 0;
    }
  }
}
