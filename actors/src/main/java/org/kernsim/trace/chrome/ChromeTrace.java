package org.kernsim.trace.chrome;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kernsim.trace.Entities;
import org.kernsim.trace.OutputFiles;
import org.kernsim.trace.Sends;
import org.kernsim.trace.TraceFile;

/**
 * Exports a trace as Chrome Trace Event JSON, which Perfetto (ui.perfetto.dev) and chrome://tracing
 * open, so that a run reads like a system trace:
 *
 * <ul>
 *   <li>one process per kind of entity (CPUs, kworkers, worker pools, kprobes, ...), one track
 *       (thread) per entity;
 *   <li>on each CPU's track, a slice per task from switch-in to switch-out ({@code
 *       CpuNote.Switch}), stop_machine with its phases and the interrupts-off stretch, time stolen
 *       by the fault plan, and kprobe hits;
 *   <li>on each kworker's track, a slice per work item from {@code process_one_work} to its end,
 *       and the stretches it spends on the idle list (and kicked but not yet running);
 *   <li>every delivered message as a zero-length slice on its receiver's track, and a flow arrow
 *       from a zero-length "send" slice on its sender's track, at the time it was sent (flow events
 *       v2: {@code bind_id}, {@code flow_out}, {@code flow_in});
 *   <li>counters: each pool's {@code nr_idle}, {@code nr_running}, worklist length and number of
 *       workers, the CPUs held by stop_machine, the kprobe optimizer's queue lengths;
 *   <li>violations as global instants with their message; every note as an instant on its track.
 * </ul>
 *
 * It streams: slices are written when they end, and the state it keeps is per entity (open slices,
 * the last deliveries of each entity for the flows), not per record.
 */
public final class ChromeTrace implements AutoCloseable {
  private static final int HISTORY = 1024;

  private final Path target;
  private final Path temp;
  private final OutputStream out;
  private final JsonGenerator json;
  private final ObjectMapper mapper = new ObjectMapper();
  private final Entities entities;
  private final Sends sends = new Sends(HISTORY);
  private final Map<String, Integer> pids = new LinkedHashMap<>();
  private final Map<Integer, Boolean> threads = new HashMap<>();
  private final Map<Integer, Slice> running = new HashMap<>(); // cpu entity -> task slice
  private final Map<Integer, Stopper> stoppers = new HashMap<>(); // cpu entity
  private final Map<Integer, Slice> work = new HashMap<>(); // kworker -> work item
  private final Map<Integer, Slice> idle = new HashMap<>(); // kworker -> on the idle list
  private final Map<Integer, Slice> kicked = new HashMap<>(); // kworker -> kicked, not yet run
  private final Map<Long, Slice> optimizerRuns = new HashMap<>();
  private long flows;
  private long slices;
  private long counters;
  private long cpusInStopper;
  private int optimizing;
  private int unoptimizing;
  private long first = -1;
  private long last;
  private long ordinal;

  /** An open slice: where, what, since when. */
  private record Slice(int entity, String name, String cat, long start, JsonNode args) {}

  private static final class Stopper {
    Slice all;
    Slice irqsOff;
    Slice phase;
  }

  public ChromeTrace(Path target, JsonNode header) {
    this.target = target;
    this.entities = Entities.of(header);
    try {
      this.temp = OutputFiles.temporaryFor(target);
      this.out = new BufferedOutputStream(Files.newOutputStream(temp), 1 << 16);
      this.json = new JsonFactory().createGenerator(out, JsonEncoding.UTF8);
      json.writeStartObject();
      json.writeStringField("displayTimeUnit", "ns");
      json.writeObjectFieldStart("otherData");
      json.writeStringField("generator", "kernsim trace --chrome");
      if (header != null) {
        json.writeStringField("scenario", header.path("scenario").asText());
        json.writeStringField("seed", header.path("seed").asText());
        json.writeStringField("replay", header.path("replay").asText());
      }
      json.writeEndObject();
      json.writeArrayFieldStart("traceEvents");
    } catch (IOException e) {
      throw OutputFiles.failed(target, e);
    }
  }

  /** How many flow arrows, slices and counter samples were written. */
  public long flows() {
    return flows;
  }

  public long slices() {
    return slices;
  }

  public long counters() {
    return counters;
  }

  /** Messages whose sending could not be placed (no arrow). */
  public long unplacedSends() {
    return sends.unknown();
  }

  /**
   * Takes one record of the trace, in file order. Every record must be given, so that messages can
   * be tied to where they were sent; only those with {@code shown} are drawn.
   */
  public void add(TraceFile.Line l, boolean shown) {
    ordinal++;
    int at = entities.id(l.at());
    boolean msg = l.kind().equals("msg");
    if (msg) sends.handled(at, l.json().path("sendsFrom").asLong(0), l.time(), ordinal);
    if (!shown) return;
    try {
      if (first < 0) first = l.time();
      last = Math.max(last, l.time());
      if (msg) message(l, at);
      else if (l.kind().equals("note")) note(l, at);
      else violation(l, at);
    } catch (IOException e) {
      throw OutputFiles.failed(target, e);
    }
  }

  // ------------------------------------------------------------------ messages

  private void message(TraceFile.Line l, int at) throws IOException {
    int src = entities.id(l.src());
    long flow = 0;
    if (src >= 0 && src != at) {
      Sends.Origin o = sends.origin(src, l.json().path("seq").asLong());
      if (o != null) {
        flow = ++flows;
        begin("send " + shortType(l.type()), "send", src, o.time(), 0);
        json.writeNumberField("bind_id", flow);
        json.writeBooleanField("flow_out", true);
        json.writeObjectFieldStart("args");
        json.writeStringField("to", l.at());
        json.writeStringField("type", l.type());
        json.writeEndObject();
        json.writeEndObject();
        slices++;
      }
    }
    begin(shortType(l.type()), src == at ? "timer" : "msg", at, l.time(), 0);
    if (flow > 0) {
      json.writeNumberField("bind_id", flow);
      json.writeBooleanField("flow_in", true);
    }
    args(l, l.src() != null && src != at ? "from" : null, l.src());
    json.writeEndObject();
    slices++;
    JsonNode f = l.json().path("f");
    JsonNode n = l.json().path("n");
    switch (l.type()) {
      case "StopMachineMessage.PhaseChanged" -> {
        // stop_machine phases reach each CPU as messages
        if (Entities.cpuIndex(l.at()) >= 0) phase(at, f.path("phase").asText(), l);
      }
      case "CpuMessage.Dispatch" -> {
        // the task runs on the CPU from here until it sends its Release
        int cpu = entities.id(n.path("cpu").asText(null));
        if (cpu >= 0 && at >= 0) {
          end(running.remove(cpu), l.time());
          running.put(cpu, new Slice(cpu, l.at(), "sched", l.time(), null));
        }
      }
      case "CpuMessage.Release" -> {
        Slice s = running.get(at);
        if (s != null && s.name().equals(n.path("task").asText())) {
          running.remove(at);
          Sends.Origin o = src >= 0 ? sends.origin(src, l.json().path("seq").asLong()) : null;
          end(
              new Slice(
                  s.entity(),
                  s.name(),
                  s.cat(),
                  s.start(),
                  mapper.createObjectNode().put("left", f.path("kind").asText())),
              o != null ? Math.max(s.start(), o.time()) : l.time());
        }
      }
      default -> {}
    }
  }

  // ------------------------------------------------------------------ notes

  private void note(TraceFile.Line l, int at) throws IOException {
    JsonNode f = l.json().path("f");
    JsonNode n = l.json().path("n");
    String type = l.type();
    switch (type) {
      case "CpuNote.StopperEntered" -> {
        int cpu = cpuEntity(f, n, at);
        end(running.remove(cpu), l.time());
        Stopper s = new Stopper();
        s.all =
            new Slice(cpu, "stop_machine op " + f.path("op").asLong(), "stop_machine", l.time(), f);
        s.phase = new Slice(cpu, "PREPARE", "stop_machine", l.time(), f);
        stoppers.put(cpu, s);
        counter(
            "stop_machine", "CPUs held by stop_machine", "cpus", ++cpusInStopper, l.time(), cpu);
      }
      case "CpuNote.StopperLeft" -> {
        int cpu = cpuEntity(f, n, at);
        Stopper s = stoppers.remove(cpu);
        if (s != null) {
          end(s.phase, l.time());
          end(s.irqsOff, l.time());
          end(s.all, l.time());
        }
        cpusInStopper = Math.max(0, cpusInStopper - 1);
        counter("stop_machine", "CPUs held by stop_machine", "cpus", cpusInStopper, l.time(), cpu);
      }
      case "CpuNote.TimeStolen" -> {
        int cpu = cpuEntity(f, n, at);
        end(running.remove(cpu), l.time());
        begin("time stolen (faults.preempt)", "fault", cpu, l.time(), f.path("nanos").asLong());
        json.writeEndObject();
        slices++;
      }
      case "KprobeNote.ProbeHit" -> {
        int cpu = cpuEntity(f, n, at);
        long start = f.path("startNanos").asLong(l.time());
        begin(
            "kprobe "
                + f.path("kind").asText()
                + " "
                + n.path("probe").asText(n.path("addr").asText()),
            "kprobe",
            cpu,
            start,
            l.time() - start);
        args(l, null, null);
        json.writeEndObject();
        slices++;
      }
      case "KprobeNote.OptimizerRunBegan" ->
          optimizerRuns.put(
              f.path("run").asLong(),
              new Slice(
                  at, "kprobe_optimizer() run " + f.path("run").asLong(), "kprobe", l.time(), f));
      case "KprobeNote.OptimizerRunEnded" ->
          end(optimizerRuns.remove(f.path("run").asLong()), l.time());
      case "KprobeNote.Transition" -> {
        String from = f.path("from").asText();
        String to = f.path("to").asText();
        if (from.equals("OPTIMIZING")) optimizing--;
        if (from.equals("UNOPTIMIZING")) unoptimizing--;
        if (to.equals("OPTIMIZING")) optimizing++;
        if (to.equals("UNOPTIMIZING")) unoptimizing++;
        counterPair(l.time(), at);
      }
      case "WqNote.WorkStarted" -> {
        int w = entities.id(n.path("worker").asText(null));
        if (w >= 0) {
          end(kicked.remove(w), l.time());
          end(idle.remove(w), l.time());
          end(work.remove(w), l.time());
          work.put(w, new Slice(w, n.path("item").asText("work"), "work", l.time(), n));
        }
      }
      case "WqNote.WorkCompleted" -> {
        int w = entities.id(n.path("worker").asText(null));
        if (w >= 0) end(work.remove(w), l.time());
      }
      case "WqNote.EnteredIdle" -> {
        int w = entities.id(n.path("worker").asText(null));
        if (w >= 0 && !idle.containsKey(w))
          idle.put(w, new Slice(w, "idle (on idle_list)", "idle", l.time(), n));
      }
      case "WqNote.Kicked" -> {
        int w = entities.id(n.path("worker").asText(null));
        if (w >= 0 && idle.containsKey(w) && !kicked.containsKey(w))
          kicked.put(
              w, new Slice(w, "kicked by kick_pool(), still on idle_list", "kick", l.time(), n));
      }
      case "WqNote.WokeUp", "WqNote.DieSeen" -> {
        int w = entities.id(n.path("worker").asText(null));
        if (w >= 0) {
          end(kicked.remove(w), l.time());
          end(idle.remove(w), l.time());
        }
      }
      case "WqNote.PoolState" -> {
        int pool = entities.id(n.path("pool").asText(l.at()));
        Map<String, Long> v = new LinkedHashMap<>();
        v.put("nr_idle", f.path("nrIdle").asLong());
        v.put("nr_running", f.path("nrRunning").asLong());
        v.put("worklist", f.path("worklist").asLong());
        v.put("nr_workers", f.path("nrWorkers").asLong());
        counters(entities.name(pool), v, l.time(), pool);
      }
      default -> {}
    }
    // every note is also an instant on its own track, with its fields and names
    instant(l, at, "t");
    // a kick, a cull and a reap are told on the kworker's own track too
    if (type.equals("WqNote.Kicked")
        || type.equals("WqNote.WorkerDying")
        || type.equals("WqNote.WorkerReaped")) {
      int w = entities.id(n.path("worker").asText(null));
      if (w >= 0 && w != at) instant(l, w, "t");
    }
  }

  private void phase(int cpu, String phase, TraceFile.Line l) throws IOException {
    Stopper s = stoppers.get(cpu);
    if (s == null) return;
    end(s.phase, l.time());
    s.phase = null;
    if (phase.equals("DISABLE_IRQ") && s.irqsOff == null)
      s.irqsOff = new Slice(cpu, "interrupts off", "irq", l.time(), null);
    if (!phase.equals("NONE")) s.phase = new Slice(cpu, phase, "stop_machine", l.time(), null);
  }

  private void violation(TraceFile.Line l, int at) throws IOException {
    int vpid = pid("violations");
    json.writeStartObject();
    json.writeStringField("name", "VIOLATION " + l.type());
    json.writeStringField("cat", "violation");
    json.writeStringField("ph", "i");
    json.writeStringField("s", "g");
    ts(l.time());
    json.writeNumberField("pid", vpid);
    json.writeNumberField("tid", 0);
    json.writeObjectFieldStart("args");
    json.writeStringField("checker", l.type());
    json.writeStringField("at", l.at());
    json.writeStringField("message", l.json().path("message").asText());
    json.writeEndObject();
    json.writeEndObject();
    if (at >= 0) instant(l, at, "t");
  }

  // ------------------------------------------------------------------ output

  private void instant(TraceFile.Line l, int entity, String scope) throws IOException {
    if (entity < 0) return;
    thread(entity);
    json.writeStartObject();
    json.writeStringField(
        "name", l.kind().equals("violation") ? "VIOLATION " + l.type() : shortType(l.type()));
    json.writeStringField("cat", l.kind());
    json.writeStringField("ph", "i");
    json.writeStringField("s", scope);
    ts(l.time());
    json.writeNumberField("pid", pid(entity));
    json.writeNumberField("tid", entity + 1);
    args(l, null, null);
    json.writeEndObject();
  }

  /** Starts an 'X' event (the caller adds fields and closes the object). */
  private void begin(String name, String cat, int entity, long start, long dur) throws IOException {
    thread(entity);
    json.writeStartObject();
    json.writeStringField("name", name);
    json.writeStringField("cat", cat);
    json.writeStringField("ph", "X");
    ts(start);
    json.writeFieldName("dur");
    json.writeNumber(micros(Math.max(0, dur)));
    json.writeNumberField("pid", pid(entity));
    json.writeNumberField("tid", entity + 1);
  }

  private void end(Slice s, long at) throws IOException {
    if (s == null) return;
    begin(s.name(), s.cat(), s.entity(), s.start(), at - s.start());
    if (s.args() != null && !s.args().isMissingNode()) {
      json.writeFieldName("args");
      mapper.writeTree(json, s.args());
    }
    json.writeEndObject();
    slices++;
  }

  private void args(TraceFile.Line l, String extraKey, String extraValue) throws IOException {
    json.writeObjectFieldStart("args");
    json.writeNumberField("t_ns", l.time());
    json.writeStringField("type", l.type());
    if (extraKey != null) json.writeStringField(extraKey, extraValue);
    String fields = TraceFile.fieldsText(l.json());
    if (!fields.isEmpty()) json.writeStringField("fields", fields);
    JsonNode f = l.json().get("f");
    if (f != null) {
      json.writeFieldName("f");
      mapper.writeTree(json, f);
    }
    if (l.kind().equals("violation"))
      json.writeStringField("message", l.json().path("message").asText());
    json.writeEndObject();
  }

  private void counter(String series, String name, String key, long value, long t, int entity)
      throws IOException {
    Map<String, Long> v = new LinkedHashMap<>();
    v.put(key, value);
    counters(name, v, t, entity);
  }

  private void counterPair(long t, int entity) throws IOException {
    Map<String, Long> v = new LinkedHashMap<>();
    v.put("optimizing_list", (long) Math.max(0, optimizing));
    v.put("unoptimizing_list", (long) Math.max(0, unoptimizing));
    counters("kprobe optimizer queues", v, t, entity);
  }

  private void counters(String name, Map<String, Long> values, long t, int entity)
      throws IOException {
    if (entity < 0) return;
    thread(entity);
    json.writeStartObject();
    json.writeStringField("name", name);
    json.writeStringField("ph", "C");
    ts(t);
    json.writeNumberField("pid", pid(entity));
    json.writeNumberField("tid", entity + 1);
    json.writeObjectFieldStart("args");
    for (Map.Entry<String, Long> e : values.entrySet())
      json.writeNumberField(e.getKey(), e.getValue());
    json.writeEndObject();
    json.writeEndObject();
    counters++;
  }

  private int cpuEntity(JsonNode f, JsonNode n, int at) {
    String name = n.path("cpu").asText(null);
    int id = entities.id(name);
    return id >= 0 ? id : at;
  }

  private void ts(long nanos) throws IOException {
    json.writeFieldName("ts");
    json.writeNumber(micros(nanos));
  }

  /** Nanoseconds as exact microseconds ({@code 300000714.770}). */
  static String micros(long nanos) {
    long us = nanos / 1000;
    long frac = Math.abs(nanos % 1000);
    return us + "." + (frac < 10 ? "00" : frac < 100 ? "0" : "") + frac;
  }

  private static String shortType(String type) {
    return type;
  }

  private int pid(int entity) {
    return pid(process(entities.name(entity)));
  }

  private int pid(String process) {
    Integer p = pids.get(process);
    if (p == null) {
      p = pids.size() + 1;
      pids.put(process, p);
      try {
        meta("process_name", p, 0, "name", process);
        meta("process_sort_index", p, 0, "sort_index", processOrder(process));
      } catch (IOException e) {
        throw OutputFiles.failed(target, e);
      }
    }
    return p;
  }

  private void thread(int entity) throws IOException {
    if (threads.putIfAbsent(entity, Boolean.TRUE) != null) return;
    int p = pid(entity);
    meta("thread_name", p, entity + 1, "name", entities.name(entity));
    meta("thread_sort_index", p, entity + 1, "sort_index", entity);
  }

  private void meta(String what, int pid, int tid, String key, Object value) throws IOException {
    json.writeStartObject();
    json.writeStringField("name", what);
    json.writeStringField("ph", "M");
    json.writeNumberField("pid", pid);
    json.writeNumberField("tid", tid);
    json.writeObjectFieldStart("args");
    if (value instanceof Number x) json.writeNumberField(key, x.longValue());
    else json.writeStringField(key, String.valueOf(value));
    json.writeEndObject();
    json.writeEndObject();
  }

  /** The process (group of tracks) of an entity: its kind, in the kernel's words. */
  static String process(String entity) {
    String k = Entities.kind(entity);
    return switch (k) {
      case "cpu" -> "CPUs";
      case "kworker" -> "kworkers";
      case "pool" -> "worker pools";
      case "numa", "stop_machine", "rcu" -> "stop_machine and RCU";
      case "kprobe", "kprobe_manager", "code_memory", "admin" -> "kprobes";
      default -> k;
    };
  }

  private static int processOrder(String process) {
    List<String> order =
        List.of(
            "violations", "CPUs", "kworkers", "worker pools", "kprobes", "stop_machine and RCU");
    int i = order.indexOf(process);
    return i >= 0 ? i : order.size();
  }

  /** Closes the slices still open at the last record, and completes the file. */
  @Override
  public void close() {
    try {
      List<Slice> open = new ArrayList<>();
      open.addAll(running.values());
      open.addAll(work.values());
      open.addAll(kicked.values());
      open.addAll(idle.values());
      open.addAll(optimizerRuns.values());
      for (Stopper s : stoppers.values()) {
        if (s.phase != null) open.add(s.phase);
        if (s.irqsOff != null) open.add(s.irqsOff);
        open.add(s.all);
      }
      open.sort((a, b) -> Long.compare(b.start(), a.start())); // inner slices first
      for (Slice s : open) end(s, last);
      json.writeEndArray();
      json.writeEndObject();
      json.close();
      out.close();
      OutputFiles.publish(temp, target);
    } catch (IOException e) {
      throw OutputFiles.failed(target, e);
    }
  }

  /** The export failed: leave no file behind. */
  public void discard() {
    try {
      json.close();
      out.close();
    } catch (IOException | RuntimeException e) {
      // discarding anyway
    }
    OutputFiles.discard(temp);
  }
}
