package org.kernsim.engine;

import org.kernsim.protocol.engine.Event;

/**
 * Runs a simulation on the calling thread: one global queue in canonical order {@code (time, dst,
 * src, seq)}. It is the explorer's driver (thousands of seeds, one per core) and the reference the
 * actor drivers are held to: it emulates the same windows, so a run that stops at a violation stops
 * at the same place and produces the same {@code traceSha256}.
 */
public final class SequentialDriver {

  private SequentialDriver() {}

  public static RunResult run(Simulation sim, RunOptions options) {
    long wallStart = System.nanoTime(); // wall time is reported, never read by the model
    int n = sim.entityCount();
    long lookahead = sim.lookahead();
    Observation obs = new Observation(sim.checkers(), options.observers(), sim::entityName);
    RecordFilter filter = obs.filter(options.recordAll());
    EventHeap queue = new EventHeap(Math.max(16, n));
    EntityRuntime[] runtimes = new EntityRuntime[n];
    EntityRuntime.Outbox outbox = queue::add;
    EntityRuntime.Recorder recorder = obs::accept;
    LinkFaults faults = sim.faults();
    for (int id = 0; id < n; id++) {
      runtimes[id] =
          new EntityRuntime(
              id, sim.createEntity(id), options.seed(), lookahead, sim::entityName, filter, faults);
      runtimes[id].bind(outbox, recorder);
    }
    for (EntityRuntime rt : runtimes) rt.start();

    long until = options.until();
    long windowEnd = Long.MIN_VALUE;
    long windows = 0;
    long lastTime = 0;
    EndReason reason;
    while (true) {
      Event e = queue.peek();
      if (e == null || e.time() >= windowEnd) {
        if (windows > 0) obs.windowCompleted(windowEnd);
        if (options.stopAtFirstViolation() && obs.violated()) {
          reason = EndReason.VIOLATION;
          break;
        }
        if (StopRequest.requested()) {
          reason = EndReason.INTERRUPTED;
          break;
        }
        if (e == null) {
          reason = EndReason.QUIESCENT;
          break;
        }
        if (e.time() >= until) {
          reason = EndReason.LIMIT;
          break;
        }
        windowEnd = Math.min(saturatedAdd(e.time(), lookahead), until);
        windows++;
      }
      queue.poll();
      EntityRuntime rt = runtimes[e.dst()];
      long before = rt.delivered();
      rt.deliver(e);
      if (rt.delivered() != before) lastTime = e.time();
    }
    long end = reason == EndReason.LIMIT ? until : lastTime;
    obs.finish(end, reason);

    TraceHash hash = new TraceHash();
    Metrics merged = new Metrics();
    long events = 0;
    for (EntityRuntime rt : runtimes) {
      hash.add(rt.id(), rt.delivered(), rt.historyDigest());
      merged.merge(rt.metrics());
      events += rt.delivered();
    }
    return new RunResult(
        events,
        lastTime,
        hash.sha256(),
        obs.violations(),
        Simulations.report(sim, merged, obs.checkers()),
        reason,
        windows,
        (System.nanoTime() - wallStart) / 1_000_000,
        merged.histograms());
  }

  static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }
}
