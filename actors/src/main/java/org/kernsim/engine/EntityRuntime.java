package org.kernsim.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.IntFunction;
import java.util.random.RandomGenerator;
import org.kernsim.protocol.engine.Event;
import org.kernsim.protocol.engine.FaultInjected;
import org.kernsim.protocol.engine.TraceRecord;

/**
 * Runs one entity's logic and is the {@link Context} it sees. Driver-agnostic: a driver hands it
 * events in canonical order (one at a time, or a window's worth) and collects what it sends.
 *
 * <p>It owns everything that makes the entity's history deterministic: its random stream, its send
 * sequence, its timer generations, and the SHA-256 digest of every event it processed.
 */
public final class EntityRuntime implements Context {

  /** Where the runtime puts what the entity sends (and its own events beyond the window). */
  public interface Outbox {
    void emit(Event e);

    /**
     * Emits the event {@code (time, src, seq, dst, payload, timerKey, timerGen)}: an outbox that
     * keeps events as fields (the sequential driver's queue) takes them without an {@link Event}
     * object; by default one is made.
     */
    default void emit(
        long time, int src, long seq, int dst, Object payload, Object timerKey, int timerGen) {
      emit(new Event(time, src, seq, dst, payload, timerKey, timerGen));
    }
  }

  /** Where the runtime puts trace records (delivered messages, notes, violations). */
  public interface Recorder {
    void record(TraceRecord r);
  }

  private final int id;
  private final Entity logic;
  private SplitMix64 random;

  /** What the entity sees as its stream: {@link #random}, or a strategy's view of it. */
  private RandomGenerator view;

  /** A forked schedule's order of sources among same-time events (null: by entity id). */
  private int[] ranks;

  private final long lookahead;
  private final IntFunction<String> names;
  private final RecordFilter filter;
  private final LinkFaults faults;
  private long faultSeed;
  private SplitMix64 faultRandom;

  /**
   * Per receiver, the arrival time of the last message sent to it that is still in flight: no later
   * message to the same receiver arrives before it ({@link ChannelClock}), whatever latency was
   * drawn for it or however long the fault plan delayed it. Most entities have one channel in
   * flight at a time ({@code soleTo}, {@code soleAt}); the table (a {@link ChannelClock} table,
   * held here so that a send reads no object in between) is made when a second one is.
   */
  private long[] channels;

  private int soleTo = -1;
  private long soleAt;

  private Outbox outbox;
  private Recorder recorder;

  private long now;
  private long seq;
  private long lastTime = Long.MIN_VALUE;
  private int lastSrc;
  private long lastSeq;
  private long delivered;
  private long recordIndex;
  private int timerGen;
  private TimerTable timers; // created with the first timer
  private final Metrics metrics;

  /**
   * The history digest ({@link HistoryDigest}) as two fields of the runtime: its buffer (the
   * chaining value, then the current chunk; null until the first event is hashed) and the history's
   * bytes in the current chunk. An event's hash reads the runtime and that buffer, no digest object
   * in between, and {@link #warm} loads the buffer's line straight from here.
   */
  private byte[] digestBuf;

  private int digestLen;
  private boolean hashing = true;
  private final RecordCodec.Bytes bytes;

  /** Window mode: own events before {@code windowEnd} are handled locally in this window. */
  private long windowEnd = Long.MIN_VALUE;

  private PriorityQueue<Event> local;

  /** A runtime with metrics and an encoding buffer of its own. */
  public EntityRuntime(
      int id,
      Entity logic,
      long runSeed,
      long lookahead,
      IntFunction<String> names,
      RecordFilter filter,
      LinkFaults faults) {
    this(
        id,
        logic,
        runSeed,
        lookahead,
        names,
        filter,
        faults,
        new Metrics(),
        new RecordCodec.Bytes());
  }

  /**
   * A runtime whose counters and histograms go to {@code metrics} and whose trace-hash encoding
   * uses {@code scratch}: both shared by the entities of one partition, which run one at a time.
   */
  public EntityRuntime(
      int id,
      Entity logic,
      long runSeed,
      long lookahead,
      IntFunction<String> names,
      RecordFilter filter,
      LinkFaults faults,
      Metrics metrics,
      RecordCodec.Bytes scratch) {
    this.id = id;
    this.logic = logic;
    this.random = new SplitMix64(streamSeed(runSeed, id));
    this.view = random;
    this.lookahead = lookahead;
    this.names = names;
    this.filter = filter;
    this.faults = faults == null ? LinkFaults.NONE : faults;
    this.faultSeed = streamSeed(~runSeed, id);
    this.metrics = metrics;
    this.bytes = scratch;
  }

  /**
   * What a snapshot keeps of a runtime besides its entity's logic: where its random streams are,
   * its send sequence, the key of the last event it processed, its counts, timers and digest.
   *
   * @param faultRandom the fault stream's position (when {@code faultStarted}), else its seed
   * @param digest the history digest's state (null: no event processed yet)
   * @param heldBack per receiver, the arrival of the last message to it still in flight (empty:
   *     none): the channel's order ({@link ChannelClock})
   */
  public record Saved(
      long random,
      boolean faultStarted,
      long faultRandom,
      long now,
      long seq,
      long lastTime,
      int lastSrc,
      long lastSeq,
      long delivered,
      long recordIndex,
      int timerGen,
      Map<Object, Integer> timers,
      byte[] digest,
      Map<Integer, Long> heldBack) {

    /** The same runtime state with other timers, digest state and held-back channels. */
    public Saved with(Map<Object, Integer> timers, byte[] digest, Map<Integer, Long> heldBack) {
      return new Saved(
          random,
          faultStarted,
          faultRandom,
          now,
          seq,
          lastTime,
          lastSrc,
          lastSeq,
          delivered,
          recordIndex,
          timerGen,
          timers,
          digest,
          heldBack);
    }
  }

  /** This runtime's state at a window boundary (nothing of the window is pending locally). */
  public Saved saved() {
    if (local != null && !local.isEmpty())
      throw new IllegalStateException(names.apply(id) + ": snapshot inside a window");
    if (!hashing) throw new IllegalStateException(names.apply(id) + ": history not hashed");
    return new Saved(
        random.state(),
        faultRandom != null,
        faultRandom != null ? faultRandom.state() : faultSeed,
        now,
        seq,
        lastTime,
        lastSrc,
        lastSeq,
        delivered,
        recordIndex,
        timerGen,
        timers == null ? new HashMap<>() : timers.toMap(),
        digestBuf == null ? null : HistoryDigest.state(digestBuf, digestLen),
        channelsInFlight());
  }

  /**
   * A runtime that goes on from {@code saved} with {@code logic} (the entity's restored state). Its
   * metrics start empty: they count what happens after the snapshot, and the run adds them to the
   * snapshot's merged metrics.
   */
  public static EntityRuntime restore(
      int id,
      Entity logic,
      Saved saved,
      long lookahead,
      IntFunction<String> names,
      RecordFilter filter,
      LinkFaults faults) {
    return restore(
        id, logic, saved, lookahead, names, filter, faults, new Metrics(), new RecordCodec.Bytes());
  }

  /**
   * As {@link #restore(int, Entity, Saved, long, IntFunction, RecordFilter, LinkFaults)}, with the
   * partition's shared metrics and encoding buffer.
   */
  public static EntityRuntime restore(
      int id,
      Entity logic,
      Saved saved,
      long lookahead,
      IntFunction<String> names,
      RecordFilter filter,
      LinkFaults faults,
      Metrics metrics,
      RecordCodec.Bytes scratch) {
    EntityRuntime rt =
        new EntityRuntime(id, logic, 0, lookahead, names, filter, faults, metrics, scratch);
    rt.random = new SplitMix64(saved.random());
    rt.view = rt.random;
    if (saved.faultStarted()) rt.faultRandom = new SplitMix64(saved.faultRandom());
    else rt.faultSeed = saved.faultRandom();
    rt.now = saved.now();
    rt.seq = saved.seq();
    rt.lastTime = saved.lastTime();
    rt.lastSrc = saved.lastSrc();
    rt.lastSeq = saved.lastSeq();
    rt.delivered = saved.delivered();
    rt.recordIndex = saved.recordIndex();
    rt.timerGen = saved.timerGen();
    if (!saved.timers().isEmpty()) rt.timers = TimerTable.of(saved.timers());
    if (saved.digest() != null) {
      HistoryDigest d = HistoryDigest.restore(saved.digest());
      rt.digestBuf = d.buffer();
      rt.digestLen = d.length();
    }
    Map<Integer, Long> inFlight = saved.heldBack();
    if (inFlight.size() == 1) {
      var e = inFlight.entrySet().iterator().next();
      rt.soleTo = e.getKey();
      rt.soleAt = e.getValue();
    } else if (inFlight.size() > 1) {
      rt.channels = ChannelClock.tableOf(inFlight);
    }
    return rt;
  }

  /**
   * A runtime of the same entity, run and partition that goes on from {@code saved} with {@code
   * logic}: the same metrics object (its counters are the caller's to set back) and encoding
   * buffer, bound to the same outbox and recorder. A speculative round undone (ADR 108).
   */
  public EntityRuntime restored(Saved saved, Entity logic) {
    EntityRuntime rt = restore(id, logic, saved, lookahead, names, filter, faults, metrics, bytes);
    rt.bind(outbox, recorder);
    return rt;
  }

  /**
   * Replaces the entity's random streams (a forked schedule: the same state, different draws from
   * here on). {@code modelSeed} seeds the model's stream, {@code faultSeed} the fault plan's.
   */
  public void reseed(long modelSeed, long faultSeed) {
    this.random = new SplitMix64(modelSeed);
    this.view = random;
    this.faultRandom = null;
    this.faultSeed = faultSeed;
  }

  /**
   * Lets an exploration strategy see the entity's draws: {@code wrap} gets the model's stream and
   * returns what the entity draws from (a {@link Latency.Chooser} picks its delays).
   */
  public void perturb(java.util.function.Function<SplitMix64, RandomGenerator> wrap) {
    this.view = wrap.apply(random);
  }

  /**
   * Orders same-time events from different sources by {@code ranks[src]} instead of by source id (a
   * forked schedule's permutation; events of one source keep their order).
   */
  public void ranks(int[] ranks) {
    this.ranks = ranks;
  }

  /** The seed of entity {@code id}'s stream: a mix of the run seed and the id. */
  public static long streamSeed(long runSeed, long id) {
    return mix64(mix64(runSeed) ^ (0x9E3779B97F4A7C15L * (id + 1)));
  }

  static long mix64(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }

  public void bind(Outbox outbox, Recorder recorder) {
    this.outbox = outbox;
    this.recorder = recorder;
  }

  public int id() {
    return id;
  }

  public Entity logic() {
    return logic;
  }

  public long delivered() {
    return delivered;
  }

  public Metrics metrics() {
    return metrics;
  }

  /** Runs {@link Entity#start} at virtual time 0. */
  public void start() {
    now = 0;
    logic.start(this);
  }

  /**
   * Runs one window: delivers {@code events[0..count)} (sorted in canonical order, all before
   * {@code end}) merged with the entity's own events that fall before {@code end}.
   */
  public void runWindow(Event[] events, int count, long end) {
    runWindow(events, 0, count, end);
  }

  /**
   * Runs one window: delivers {@code events[from..to)} (sorted in canonical order, all before
   * {@code end}; a slice of an array the partition's entities share) merged with the entity's own
   * events that fall before {@code end}.
   */
  public void runWindow(Event[] events, int from, int to, long end) {
    windowEnd = end;
    try {
      int i = from;
      while (true) {
        Event next = null;
        Event mine = local == null ? null : local.peek();
        if (i < to) {
          next = events[i];
          if (mine != null && Event.compareAtDestination(mine, next) < 0) {
            next = local.poll();
          } else {
            i++;
          }
        } else if (mine != null) {
          next = local.poll();
        } else {
          break;
        }
        deliver(next);
      }
    } finally {
      windowEnd = Long.MIN_VALUE;
    }
  }

  /** Delivers one event (the window path ends here). */
  public void deliver(Event e) {
    deliver(e.time(), e.src(), e.seq(), e.payload(), e.timerKey(), e.timerGen());
  }

  /**
   * Delivers the event that the sequential driver's queue holds as keys and {@code ref}: the
   * payload of a message ordered by its own source {@code srcKey}, or a {@link PendingEvent}.
   */
  void deliver(long time, int srcKey, long seq, Object ref) {
    if (ref instanceof PendingEvent) {
      PendingEvent p = (PendingEvent) ref;
      deliver(time, p.src, seq, p.payload, p.timerKey, p.timerGen);
    } else {
      deliver(time, srcKey, seq, ref, null, 0);
    }
  }

  private void deliver(
      long time, int from, long number, Object payload, Object timerKey, int timerGen) {
    if (timerKey != null) {
      int at = timers == null ? -1 : timers.indexOf(timerKey);
      if (at < 0 || timers.generation(at, timerKey) != timerGen)
        return; // cancelled or restarted: never fires
      timers.removeAt(at, timerKey);
    }
    int src = ranks == null ? from : ranks[from];
    if (time < lastTime
        || (time == lastTime && (src < lastSrc || (src == lastSrc && number <= lastSeq)))) {
      throw new IllegalStateException(
          "causality violated at "
              + names.apply(id)
              + ": event ("
              + time
              + ","
              + from
              + ","
              + number
              + ") after ("
              + lastTime
              + ","
              + lastSrc
              + ","
              + lastSeq
              + ")");
    }
    lastTime = time;
    lastSrc = src;
    lastSeq = number;
    now = time;
    delivered++;
    if (hashing) hash(time, from, number, timerKey != null, payload);
    if (filter.wants(payload.getClass())) {
      recorder.record(
          new TraceRecord.Delivered(now, id, recordIndex++, from, number, payload, seq));
    }
    logic.receive(this, payload);
  }

  /**
   * Reads the first places that delivering {@code e} here will read (the event and its payload,
   * this runtime, its history buffer and channel table) and returns something of them: a driver
   * calls it for the next event before delivering the current one, so that the cache misses of the
   * two overlap. Changes nothing.
   */
  int warm(Event e) {
    return warm(e.payload());
  }

  /**
   * As {@link #warm(Event)} for the event whose queue reference ({@code CalendarHeap}) is {@code
   * ref}.
   */
  int warm(Object ref) {
    Object p = ref instanceof PendingEvent ? ((PendingEvent) ref).payload : ref; // a timer's too
    int w = p != null && p.getClass() == Event.class ? 1 : 0;
    byte[] b = digestBuf;
    int at = 32 + digestLen; // where the next hash writes
    if (b != null) w += b[at < b.length ? at : 0];
    long[] t = channels;
    if (t != null) w += (int) t[0];
    return w + (int) delivered;
  }

  private void hash(long time, int src, long number, boolean timer, Object payload) {
    bytes.reset();
    bytes.putLong(time).putInt(src).putLong(number);
    if (timer) bytes.put((byte) 1);
    RecordCodec.encode(payload, bytes);
    byte[] buf = digestBuf;
    if (buf == null) buf = HistoryDigest.empty();
    int n = bytes.length();
    digestBuf = HistoryDigest.update(buf, digestLen, bytes.array(), 0, n);
    digestLen = (digestLen + n) % HistoryDigest.CHUNK;
  }

  /**
   * The digest of this entity's history so far (null if it never processed an event).
   *
   * @throws IllegalStateException if the history is not hashed ({@link #skipTraceHash})
   */
  public byte[] historyDigest() {
    if (!hashing) throw new IllegalStateException(names.apply(id) + ": history not hashed");
    return digestBuf == null ? null : HistoryDigest.digest(digestBuf, digestLen);
  }

  /**
   * Stops hashing this entity's history (a run whose {@code traceSha256} nothing reads: {@link
   * RunOptions#traceHash}); its digest is then gone and {@link #historyDigest} refuses.
   */
  public void skipTraceHash() {
    hashing = false;
    digestBuf = null;
  }

  // ---------------------------------------------------------------- Context

  @Override
  public long now() {
    return now;
  }

  @Override
  public int self() {
    return id;
  }

  @Override
  public RandomGenerator random() {
    return view;
  }

  @Override
  public void send(int to, Object message, Latency latency) {
    sendAfter(to, message, latency.sample(view));
  }

  @Override
  public void sendAfter(int to, Object message, long delayNanos) {
    if (message == null) throw new IllegalArgumentException("null message from " + names.apply(id));
    long delay = delayNanos;
    if (to != id) {
      if (faults != LinkFaults.NONE && now < faults.until()) {
        if (faultRandom == null) faultRandom = new SplitMix64(faultSeed);
        long extra = faults.extraDelay(id, to, message, now, faultRandom);
        if (extra != 0) {
          String type = RecordCodec.typeName(message);
          if (extra < 0) {
            seq++; // the message was sent, and lost
            trace(new FaultInjected("drop", id, to, type, 0));
            count("faultsDropped", 1);
            return;
          }
          delay += extra;
          trace(new FaultInjected("delay", id, to, type, extra));
          count("faultsDelayed", 1);
        }
      }
      delay = arrival(to, now + delay) - now;
      if (delay < lookahead) {
        throw new IllegalStateException(
            names.apply(id)
                + " sent "
                + RecordCodec.typeName(message)
                + " to "
                + names.apply(to)
                + " with delay "
                + delay
                + " ns, below the lookahead "
                + lookahead
                + " ns");
      }
    } else if (delay < 1) {
      throw new IllegalStateException(names.apply(id) + " sent itself a message with delay < 1 ns");
    }
    enqueue(now + delay, to, message, null, 0);
  }

  /**
   * When a message to {@code to} that would arrive at {@code at} arrives: after its channel's last.
   */
  private long arrival(int to, long at) {
    long[] t = channels;
    if (t != null) {
      if (ChannelClock.full(t)) channels = t = ChannelClock.room(t, now);
      return ChannelClock.hold(t, to, at);
    }
    if (soleTo == to) {
      if (soleAt > at) at = soleAt;
    } else if (soleTo >= 0 && soleAt > now) {
      channels = t = ChannelClock.table(8);
      ChannelClock.hold(t, soleTo, soleAt);
      soleTo = -1;
      return ChannelClock.hold(t, to, at);
    }
    soleTo = to;
    soleAt = at;
    return at;
  }

  private Map<Integer, Long> channelsInFlight() {
    if (channels != null) return ChannelClock.inFlight(channels, now);
    Map<Integer, Long> m = new HashMap<>();
    if (soleTo >= 0 && soleAt > now) m.put(soleTo, soleAt);
    return m;
  }

  @Override
  public void startTimer(Object key, long delayNanos, Object message) {
    if (delayNanos < 1) throw new IllegalStateException("timer delay must be >= 1 ns: " + key);
    int gen = ++timerGen;
    if (timers == null) timers = new TimerTable();
    timers.put(key, gen);
    enqueue(now + delayNanos, id, message, key, gen);
  }

  @Override
  public void cancelTimer(Object key) {
    if (timers != null) timers.remove(key);
  }

  @Override
  public boolean timerActive(Object key) {
    return timers != null && timers.contains(key);
  }

  /** Sends {@code (time, dst, payload, timer)} with the next sequence number. */
  private void enqueue(long time, int dst, Object payload, Object timerKey, int timerGen) {
    long number = seq++;
    if (dst == id && time < windowEnd) {
      if (local == null) local = new PriorityQueue<>(Event::compareAtDestination);
      local.add(new Event(time, id, number, dst, payload, timerKey, timerGen));
    } else {
      outbox.emit(time, id, number, dst, payload, timerKey, timerGen);
    }
  }

  @Override
  public void trace(Object note) {
    if (filter.wants(note.getClass())) {
      recorder.record(new TraceRecord.Note(now, id, recordIndex++, note));
    }
  }

  @Override
  public boolean tracing() {
    return filter.any();
  }

  @Override
  public void violation(String checker, String message) {
    recorder.record(new TraceRecord.Violation(now, id, recordIndex++, checker, message));
  }

  @Override
  public void count(String metric, long delta) {
    metrics.count(metric, delta);
  }

  @Override
  public void record(String metric, long value) {
    metrics.record(metric, value);
  }

  @Override
  public boolean faultsActive() {
    return now < faults.until();
  }

  @Override
  public String name(int entity) {
    return names.apply(entity);
  }

  List<Event> drainLocal() {
    List<Event> out = new ArrayList<>();
    if (local != null) while (!local.isEmpty()) out.add(local.poll());
    return out;
  }
}
