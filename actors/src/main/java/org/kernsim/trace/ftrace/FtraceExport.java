package org.kernsim.trace.ftrace;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import org.kernsim.trace.Entities;
import org.kernsim.trace.OutputFiles;
import org.kernsim.trace.Sends;
import org.kernsim.trace.TraceFile;

/**
 * Exports a trace as a trace-cmd {@code trace.dat} ({@link TraceDat}), one CPU buffer per simulated
 * CPU, so that {@code trace-cmd report} and KernelShark read a simulated run as they read a real
 * capture:
 *
 * <ul>
 *   <li>{@code sched_switch} from the CPUs' context switches (the previous task's state from how it
 *       left: {@code I} for a kworker going idle, {@code S} for another sleep, {@code R+} when
 *       preempted, {@code X} when it exited), and to and from {@code migration/N} around
 *       stop_machine;
 *   <li>{@code sched_waking} on the waker's CPU when {@code wake_up_process()} was called (the time
 *       the {@code WakeUp} was sent), {@code sched_wakeup} when the task lands on its run queue,
 *       {@code sched_process_exit};
 *   <li>{@code workqueue_queue_work} and {@code workqueue_activate_work} at {@code insert_work()},
 *       {@code workqueue_execute_start} when the kworker calls the function, {@code
 *       workqueue_execute_end} when it returns;
 *   <li>kprobe events on {@code kick_pool}, {@code worker_enter_idle}, {@code set_worker_dying},
 *       {@code idle_cull_fn}, {@code kprobe_optimizer}, {@code text_poke} and probe hits; {@code
 *       stop_machine:multi_cpu_stop} at each phase; violations as {@code print} events.
 * </ul>
 *
 * Tasks are named by their entity name ({@code comm}, 15 characters at most) with pid {@code 1000 +
 * entity id}; an idle CPU runs {@code swapper/N} (pid 0). Events whose time is earlier than the
 * record that reveals them (a waking found at its {@code WakeUp}'s delivery) wait in a reorder
 * buffer of {@link #REORDER_NANOS} of virtual time (at most {@link #REORDER_EVENTS} events), so
 * each CPU buffer stays in time order while the export streams; an event later than that would be
 * is placed at its CPU's last time instead ({@link #moved}).
 */
public final class FtraceExport implements AutoCloseable {
  /** How far back in virtual time an event may be revealed and still be placed in order. */
  public static final long REORDER_NANOS = 10_000_000L;

  /** At most this many events wait in the reorder buffer (the oldest go out first). */
  public static final int REORDER_EVENTS = 100_000;

  private static final long WORK_CPU_UNBOUND = 8192;
  private static final int MAX_STRING = 2000;
  private static final long TEXT = 0xffffffff81000000L;

  /** Kernel functions kernsim names, at made-up addresses in its kallsyms. */
  private static final List<String> SYMBOLS =
      List.of(
          "_stext",
          "kernsim_workload_fn",
          "kernsim_long_work_fn",
          "kernsim_delayed_work_fn",
          "idle_cull_fn",
          "kprobe_optimizer",
          "wq_barrier_func",
          "kick_pool",
          "worker_enter_idle",
          "set_worker_dying",
          "text_poke",
          "kprobe_int3_handler",
          "multi_cpu_stop",
          "tracing_mark_write",
          "kernsim_external_fn");

  private final Path target;
  private final Path temp;
  private final JsonNode header;
  private final Entities entities;
  private final int cpus;
  private final int pidBase;
  private final TraceDat dat;
  private final Sends sends = new Sends(1024);
  private final ByteBuffer buf = ByteBuffer.allocate(8192).order(ByteOrder.LITTLE_ENDIAN);
  private final PriorityQueue<Pending> pending = new PriorityQueue<>();
  private final long[] lastTs;
  private final int[] running; // entity id, -1 idle, -2 the stopper (migration/N)
  private final boolean[] irqsOff;
  private final Map<Integer, Integer> taskCpu = new HashMap<>();
  private final Map<Integer, long[]> lastMsg = new HashMap<>(); // entity -> {src, seq, time}
  private final Map<Integer, String> lastMsgType = new HashMap<>();
  private final Map<Integer, long[]> pendingWaking = new HashMap<>(); // task -> {time, cpu}
  private final Map<Integer, long[]> leaving = new HashMap<>(); // cpu -> {task, time, state}
  private final Map<Integer, long[]> lastKick = new HashMap<>(); // pool -> {time, cpu}
  private final Map<Integer, long[]> executing = new HashMap<>(); // worker -> {work, fn}
  private final Map<Long, String> itemKinds = new HashMap<>();
  private final java.util.Set<Integer> idleWorkers = new java.util.HashSet<>();
  private final Map<Integer, String> comms = new TreeMap<>();
  private final Map<String, Long> symbols = new LinkedHashMap<>();
  private long order;
  private long events;
  private long moved;
  private long now;

  private record Pending(long ts, long order, int cpu, byte[] data) implements Comparable<Pending> {
    @Override
    public int compareTo(Pending o) {
      int c = Long.compare(ts, o.ts);
      return c != 0 ? c : Long.compare(order, o.order);
    }
  }

  public FtraceExport(Path target, JsonNode header) {
    this.target = target;
    this.header = header;
    this.entities = Entities.of(header);
    int n = 0;
    for (int i = 0; i < entities.size(); i++)
      n = Math.max(n, Entities.cpuIndex(entities.name(i)) + 1);
    this.cpus = Math.max(1, n);
    this.pidBase = Math.max(1000, cpus + 100);
    this.lastTs = new long[cpus];
    this.running = new int[cpus];
    Arrays.fill(running, -1);
    this.irqsOff = new boolean[cpus];
    for (int i = 0; i < SYMBOLS.size(); i++) symbols.put(SYMBOLS.get(i), TEXT + 0x1000L * i);
    try {
      this.temp = OutputFiles.temporaryFor(target);
      this.dat = new TraceDat(cpus, OutputFiles.temporaryFor(target));
    } catch (IOException e) {
      throw OutputFiles.failed(target, e);
    }
  }

  /** Events written, and events moved later to keep a CPU's buffer in order. */
  public long events() {
    return events;
  }

  public long moved() {
    return moved;
  }

  /**
   * Takes one record, in file order; every record must be given, only {@code shown} are written.
   */
  public void add(TraceFile.Line l, boolean shown) {
    now = l.time();
    int at = entities.id(l.at());
    JsonNode f = l.json().path("f");
    JsonNode n = l.json().path("n");
    try {
      release(now - REORDER_NANOS);
      if (l.kind().equals("msg")) {
        sends.handled(at, l.json().path("sendsFrom").asLong(0), now, 0);
        int src = entities.id(l.src());
        lastMsg.put(at, new long[] {src, l.json().path("seq").asLong(), now});
        lastMsgType.put(at, l.type());
        message(l, at, src, f, n, shown);
      } else if (l.kind().equals("note")) {
        note(l, at, f, n, shown);
      } else if (shown) {
        int cpu = cpuOfEntity(at);
        String text =
            "VIOLATION " + l.type() + " at " + l.at() + ": " + l.json().path("message").asText();
        emit(cpu, now, FtraceFormats.PRINT, symbol("tracing_mark_write"), text);
      }
    } catch (IOException e) {
      throw OutputFiles.failed(target, e);
    }
  }

  // ------------------------------------------------------------------ messages

  private void message(TraceFile.Line l, int at, int src, JsonNode f, JsonNode n, boolean shown)
      throws IOException {
    int cpuAt = Entities.cpuIndex(l.at());
    switch (l.type()) {
      case "CpuMessage.Release" -> {
        // the task left the CPU when it sent this; what runs next is told by the next Dispatch
        int task = f.path("task").asInt(-1);
        if (cpuAt >= 0 && task >= 0) {
          Sends.Origin o = src >= 0 ? sends.origin(src, l.json().path("seq").asLong()) : null;
          leaving.put(
              cpuAt,
              new long[] {task, o != null ? o.time() : now, state(task, f.path("kind").asText())});
          if (running[cpuAt] == task) running[cpuAt] = -1;
        }
      }
      case "CpuMessage.Dispatch" -> {
        // the task starts running on the CPU: sched_switch from whoever left it
        int cpu = entities.id(n.path("cpu").asText(null));
        int c = cpu >= 0 ? Entities.cpuIndex(entities.name(cpu)) : f.path("cpu").asInt(-1);
        if (c >= 0 && c < cpus && at >= 0) {
          long[] prev = leaving.remove(c);
          if (shown) switchTo(c, prev != null ? (int) prev[0] : -1, at, prev != null ? prev[2] : 0);
          running[c] = at;
          taskCpu.put(at, c);
        }
      }
      case "CpuMessage.Enqueue" -> {
        int task = f.path("task").asInt(-1);
        if (cpuAt >= 0 && task >= 0) {
          taskCpu.put(task, cpuAt);
          long[] w = pendingWaking.remove(task);
          if (w != null && shown) {
            int wcpu = w[1] >= 0 ? (int) w[1] : cpuAt;
            emit(wcpu, w[0], FtraceFormats.SCHED_WAKING, comm(task), pid(task), 120, cpuAt);
            emit(cpuAt, now, FtraceFormats.SCHED_WAKEUP, comm(task), pid(task), 120, cpuAt);
          }
        }
      }
      case "StopMachineMessage.PhaseChanged" -> {
        if (cpuAt >= 0) {
          String phase = f.path("phase").asText();
          if (phase.equals("DISABLE_IRQ")) irqsOff[cpuAt] = true;
          if (shown)
            emit(cpuAt, now, FtraceFormats.STOP_MACHINE_PHASE, f.path("op").asLong(), phase);
        }
      }
      case "PoolRequest.QueueWork", "PoolRequest.QueueWorkIfExecuting" -> {
        JsonNode item = f.path("item");
        itemKinds.put(item.path("id").asLong(), item.path("kind").asText());
      }
      case "PoolReply.Execute" -> {
        JsonNode item = f.path("item");
        long id = item.path("id").asLong();
        itemKinds.put(id, item.path("kind").asText());
        long fn = function(id, n.path("item.id").asText(""));
        executing.put(at, new long[] {work(id), fn});
        int cpu = cpuOfEntity(at);
        if (shown) emit(cpu, now, FtraceFormats.WQ_EXECUTE_START, work(id), fn);
      }
      case "PoolRequest.WorkDone" -> {
        int worker = f.path("worker").asInt(-1);
        long id = f.path("item").asLong();
        long[] x = executing.remove(worker);
        Sends.Origin o = src >= 0 ? sends.origin(src, l.json().path("seq").asLong()) : null;
        long t = o != null ? o.time() : now;
        if (shown)
          emit(
              cpuOfEntity(worker),
              t,
              FtraceFormats.WQ_EXECUTE_END,
              work(id),
              x != null ? x[1] : function(id, n.path("item").asText("")));
        itemKinds.remove(id);
      }
      default -> {}
    }
  }

  // ------------------------------------------------------------------ notes

  private void note(TraceFile.Line l, int at, JsonNode f, JsonNode n, boolean shown)
      throws IOException {
    switch (l.type()) {
      case "CpuNote.Switch" -> {
        // a CPU going idle (what it dispatches next is told by the Dispatch messages)
        int cpu = f.path("cpu").asInt();
        if (cpu < 0 || cpu >= cpus || f.path("to").asInt(-1) >= 0) return;
        long[] prev = leaving.remove(cpu);
        int from = f.path("from").asInt(-1);
        if (prev != null && prev[0] == from) {
          if (shown) switchAt(cpu, prev[1], from, -1, prev[2]);
          running[cpu] = -1;
        }
      }
      case "CpuNote.TimeStolen" -> {
        int cpu = f.path("cpu").asInt();
        if (cpu < 0 || cpu >= cpus) return;
        long[] prev = leaving.remove(cpu);
        if (shown) {
          if (prev != null) switchAt(cpu, prev[1], (int) prev[0], -1, prev[2]);
          emit(
              cpu,
              now,
              FtraceFormats.PRINT,
              symbol("tracing_mark_write"),
              "kernsim: time stolen for " + f.path("nanos").asLong() + " ns (faults.preempt)");
        }
        running[cpu] = -1;
      }
      case "CpuNote.StopperEntered" -> {
        int cpu = f.path("cpu").asInt();
        if (cpu < 0 || cpu >= cpus) return;
        long[] prev = leaving.remove(cpu);
        if (shown) switchTo(cpu, prev != null ? (int) prev[0] : -1, -2, prev != null ? prev[2] : 0);
        running[cpu] = -2;
        if (shown)
          emit(cpu, now, FtraceFormats.STOP_MACHINE_PHASE, f.path("op").asLong(), "PREPARE");
      }
      case "CpuNote.StopperLeft" -> {
        int cpu = f.path("cpu").asInt();
        if (cpu < 0 || cpu >= cpus) return;
        if (shown) {
          emit(cpu, now, FtraceFormats.STOP_MACHINE_PHASE, f.path("op").asLong(), "done");
        }
        irqsOff[cpu] = false;
        if (shown) switchTo(cpu, -2, -1, 0x01);
        running[cpu] = -1;
      }
      case "CpuNote.TaskWoken" -> {
        int task = f.path("task").asInt(-1);
        int waker = f.path("waker").asInt(-1);
        long[] m = lastMsg.get(at);
        long t = now;
        if (m != null && m[2] == now && "WakeUp".equals(lastMsgType.get(at))) {
          Sends.Origin o = sends.origin((int) m[0], m[1]);
          if (o != null) t = o.time();
        }
        int wcpu = wakerCpu(waker, t);
        if (task >= 0) pendingWaking.put(task, new long[] {t, wcpu});
      }
      case "CpuNote.TaskExited" -> {
        int task = f.path("task").asInt(-1);
        if (shown && task >= 0)
          emit(
              cpuOfEntity(task), now, FtraceFormats.SCHED_PROCESS_EXIT, comm(task), pid(task), 120);
      }
      case "WqNote.WorkQueued" -> {
        int cpu = f.path("cpu").asInt(0);
        long item = f.path("item").asLong();
        int pool = f.path("pool").asInt(-1);
        String poolName = n.path("pool").asText("");
        boolean unbound = poolName.endsWith("-u");
        long w = work(item);
        long fn = function(item, n.path("item").asText(""));
        if (shown) {
          emit(
              cpu,
              now,
              FtraceFormats.WQ_QUEUE_WORK,
              w,
              fn,
              unbound ? "events_unbound" : "events",
              unbound ? WORK_CPU_UNBOUND : cpu,
              unbound ? -1 : poolCpu(poolName, cpu));
          emit(cpu, now, FtraceFormats.WQ_ACTIVATE_WORK, w);
        }
        if (pool >= 0) lastKick.remove(pool);
      }
      case "WqNote.Kicked" -> {
        int cpu = f.path("cpu").asInt(0);
        int worker = f.path("worker").asInt(-1);
        lastKick.put(f.path("pool").asInt(-1), new long[] {now, cpu});
        if (shown)
          emit(
              cpu,
              now,
              FtraceFormats.KICK_POOL,
              symbol("kick_pool"),
              n.path("pool").asText(""),
              n.path("worker").asText(""),
              worker >= 0 ? pid(worker) : -1,
              f.path("repeat").asBoolean() ? 1 : 0,
              f.path("expired").asBoolean() ? 1 : 0);
      }
      case "WqNote.EnteredIdle" -> {
        int worker = f.path("worker").asInt(-1);
        idleWorkers.add(worker);
        if (shown)
          emit(
              f.path("cpu").asInt(0),
              now,
              FtraceFormats.WORKER_ENTER_IDLE,
              symbol("worker_enter_idle"),
              n.path("pool").asText(""),
              n.path("worker").asText(""),
              f.path("nrIdle").asInt());
      }
      case "WqNote.WokeUp", "WqNote.DieSeen" -> idleWorkers.remove(f.path("worker").asInt(-1));
      case "WqNote.WorkerDying" -> {
        int worker = f.path("worker").asInt(-1);
        if (shown)
          emit(
              f.path("cpu").asInt(0),
              now,
              FtraceFormats.SET_WORKER_DYING,
              symbol("set_worker_dying"),
              n.path("pool").asText(""),
              n.path("worker").asText(""),
              worker >= 0 ? pid(worker) : -1);
      }
      case "WqNote.CullPass" -> {
        if (shown)
          emit(
              f.path("cpu").asInt(0),
              now,
              FtraceFormats.IDLE_CULL_FN,
              symbol("idle_cull_fn"),
              n.path("pool").asText(""),
              f.path("culled").asInt(),
              f.path("nrIdle").asInt(),
              f.path("nrWorkers").asInt());
      }
      case "KprobeNote.OptimizerRunBegan" -> {
        if (shown)
          emit(
              cpuOfEntity(at),
              now,
              FtraceFormats.KPROBE_OPTIMIZER,
              symbol("kprobe_optimizer"),
              f.path("run").asLong());
      }
      case "KprobeNote.CodeWritten" -> {
        if (shown)
          emit(
              cpuOfEntity(at),
              now,
              FtraceFormats.TEXT_POKE,
              symbol("text_poke"),
              f.path("addr").asLong(),
              f.path("firstByte").asText(),
              f.path("rel32").asBoolean() ? 1 : 0,
              f.path("stopOp").asLong(-1));
      }
      case "KprobeNote.ProbeHit" -> {
        int cpu = f.path("cpu").asInt(0);
        if (shown)
          emit(
              cpu,
              f.path("startNanos").asLong(now),
              FtraceFormats.KPROBE_HIT,
              symbol("kprobe_int3_handler"),
              n.path("probe").asText(n.path("addr").asText("")),
              f.path("addr").asLong(),
              f.path("kind").asText(),
              f.path("handlers").asInt());
      }
      default -> {}
    }
  }

  // ------------------------------------------------------------------ helpers

  private void switchTo(int cpu, int from, int to, long state) throws IOException {
    switchAt(cpu, now, from, to, state);
  }

  private void switchAt(int cpu, long t, int from, int to, long state) throws IOException {
    emitAs(
        taskPid(cpu, from),
        cpu,
        t,
        FtraceFormats.SCHED_SWITCH,
        taskComm(cpu, from),
        taskPid(cpu, from),
        taskPrio(from),
        state,
        taskComm(cpu, to),
        taskPid(cpu, to),
        taskPrio(to));
  }

  private String taskComm(int cpu, int task) {
    if (task == -1) return "swapper/" + cpu;
    if (task == -2) {
      comms.put(2 + cpu, "migration/" + cpu);
      return "migration/" + cpu;
    }
    return comm(task);
  }

  private int taskPid(int cpu, int task) {
    if (task == -1) return 0; // swapper/N
    if (task == -2) return 2 + cpu; // migration/N, the stopper thread
    return pid(task);
  }

  private static int taskPrio(int task) {
    return task == -2 ? 0 : 120;
  }

  private int pid(int entity) {
    return pidBase + entity;
  }

  private String comm(int entity) {
    String c = entities.name(entity);
    if (c.length() > 15) c = c.substring(0, 15);
    comms.putIfAbsent(pid(entity), c);
    return c;
  }

  /** The CPU an entity runs on: where it last ran or was enqueued, else its own index, else 0. */
  private int cpuOfEntity(int entity) {
    Integer c = taskCpu.get(entity);
    if (c != null) return c;
    int i = Entities.cpuIndex(entities.name(entity));
    if (i >= 0) return i;
    for (int cpu = 0; cpu < cpus; cpu++) if (running[cpu] == entity) return cpu;
    return 0;
  }

  /** The CPU a wake-up was issued on: the waker's, or for a pool the CPU that kicked it. */
  private int wakerCpu(int waker, long t) {
    long[] k = lastKick.get(waker);
    if (k != null && k[0] == t) return (int) k[1];
    Integer c = taskCpu.get(waker);
    return c != null ? c : -1;
  }

  private static int poolCpu(String pool, int fallback) {
    if (pool.startsWith("pool")) {
      try {
        return Integer.parseInt(pool.substring(4));
      } catch (NumberFormatException e) {
        return fallback;
      }
    }
    return fallback;
  }

  /**
   * A task's {@code prev_state} as it leaves the CPU: {@code I} (TASK_REPORT_IDLE) for a kworker
   * going idle, {@code S} for another sleep, {@code R+} when preempted, {@code R} when it yields,
   * {@code X} when it exits.
   */
  private long state(int task, String releaseKind) {
    return switch (releaseKind) {
      case "BLOCK" -> idleWorkers.contains(task) ? 0x80 : 0x01;
      case "PREEMPTED" -> 0x100;
      case "EXIT" -> 0x10;
      default -> 0;
    };
  }

  /** A work_struct address for a work item (stable, distinct, in the direct map). */
  private static long work(long item) {
    long owner = item >>> 32;
    long n = item & 0xFFFF_FFFFL;
    return 0xffff888000000000L + ((owner & 0xFFFFF) << 24) + ((n & 0x3FFFF) << 6);
  }

  private long function(long item, String name) {
    String kind = itemKinds.getOrDefault(item, "");
    if (kind.equals("IDLE_CULL") || name.startsWith("idle_cull_work"))
      return symbol("idle_cull_fn");
    if (kind.equals("BARRIER") || name.startsWith("barrier")) return symbol("wq_barrier_func");
    if (kind.equals("LONG")) return symbol("kernsim_long_work_fn");
    if (kind.equals("DELAYED") || name.startsWith("dwork"))
      return symbol("kernsim_delayed_work_fn");
    if (kind.equals("EXTERNAL")) {
      return name.startsWith("kprobe") ? symbol("kprobe_optimizer") : symbol("kernsim_external_fn");
    }
    return symbol("kernsim_workload_fn");
  }

  private long symbol(String name) {
    return symbols.get(name);
  }

  private void emit(int cpu, long ts, FtraceFormats.Type type, Object... values)
      throws IOException {
    if (cpu < 0 || cpu >= cpus) cpu = 0;
    emitAs(
        running[cpu] >= 0 ? pid(running[cpu]) : running[cpu] == -2 ? 2 + cpu : 0,
        cpu,
        ts,
        type,
        values);
  }

  /** An event on {@code cpu} in the context of task {@code pid} ({@code common_pid}). */
  private void emitAs(int pid, int cpu, long ts, FtraceFormats.Type type, Object... values)
      throws IOException {
    if (cpu < 0 || cpu >= cpus) cpu = 0;
    Object[] v = values;
    for (int i = 0; i < v.length; i++) {
      if (v[i] instanceof String s && s.length() > MAX_STRING) v[i] = s.substring(0, MAX_STRING);
    }
    int len = type.encode(buf, irqsOff[cpu] ? FtraceFormats.IRQS_OFF : 0, pid, v);
    byte[] data = Arrays.copyOf(buf.array(), len);
    pending.add(new Pending(ts, order++, cpu, data));
    if (pending.size() > REORDER_EVENTS) release(pending.peek().ts());
  }

  private void release(long upTo) throws IOException {
    while (!pending.isEmpty() && pending.peek().ts() <= upTo) {
      Pending p = pending.poll();
      long ts = p.ts();
      if (ts < lastTs[p.cpu()]) {
        ts = lastTs[p.cpu()];
        moved++;
      }
      lastTs[p.cpu()] = ts;
      dat.event(p.cpu(), ts, p.data(), p.data().length);
      events++;
    }
  }

  /** Writes the file. */
  @Override
  public void close() {
    try {
      release(Long.MAX_VALUE);
      List<TraceDat.Format> formats = new ArrayList<>();
      for (FtraceFormats.Type t : FtraceFormats.all())
        formats.add(new TraceDat.Format(t.system(), t.name(), t.id(), t.formatText()));
      StringBuilder ks = new StringBuilder();
      for (Map.Entry<String, Long> e : symbols.entrySet())
        ks.append(Long.toHexString(e.getValue())).append(" T ").append(e.getKey()).append('\n');
      StringBuilder cl = new StringBuilder();
      for (Map.Entry<Integer, String> e : comms.entrySet())
        cl.append(e.getKey()).append(' ').append(e.getValue()).append('\n');
      Map<Integer, byte[]> options = new LinkedHashMap<>();
      String uname =
          "kernsim "
              + header.path("scenario").asText()
              + " seed "
              + header.path("seed").asText()
              + " (simulated)";
      options.put(5, (uname + "\0").getBytes(StandardCharsets.UTF_8)); // TRACECMD_OPTION_UNAME
      options.put(4, "[local] global\0".getBytes(StandardCharsets.UTF_8)); // TRACECLOCK
      dat.finish(temp, formats, ks.toString(), cl.toString(), options);
      dat.close();
      OutputFiles.publish(temp, target);
    } catch (IOException e) {
      discard();
      throw OutputFiles.failed(target, e);
    }
  }

  /** The export failed: leave no file behind. */
  public void discard() {
    try {
      dat.close();
    } catch (IOException e) {
      // best effort
    }
    OutputFiles.discard(temp);
  }
}
