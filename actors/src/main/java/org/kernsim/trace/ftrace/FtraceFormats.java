package org.kernsim.trace.ftrace;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The events kernsim writes into a {@code trace.dat}, with the format files the kernel exposes in
 * tracefs ({@code events/SYSTEM/EVENT/format}) and that trace-cmd copies into its files: the
 * kernel's own {@code sched_switch}, {@code sched_waking}, {@code sched_wakeup}, {@code
 * sched_process_exit} and the four workqueue events, laid out as in Linux 6.x ({@code
 * include/trace/events/sched.h}, {@code include/trace/events/workqueue.h}: the workqueue name as a
 * {@code __data_loc} string, {@code workqueue_execute_end} with the function); kprobe events named
 * after the kernel functions a developer would probe to see the kick/cull race and kprobes
 * optimisation ({@code kick_pool}, {@code worker_enter_idle}, {@code set_worker_dying}, {@code
 * idle_cull_fn}, {@code kprobe_optimizer}, {@code text_poke}), in the layout of tracefs kprobe
 * events ({@code __probe_ip} and the fetched arguments); a {@code stop_machine} system for the
 * phases of {@code multi_cpu_stop()}; and ftrace's {@code print} (what {@code trace_marker} writes)
 * for violations.
 */
public final class FtraceFormats {
  private FtraceFormats() {}

  /** {@code events/header_page} of a 64-bit kernel with 4 KiB pages. */
  static final String HEADER_PAGE =
      "\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
          + "\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
          + "\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n"
          + "\tfield: char data;\toffset:16;\tsize:4080;\tsigned:1;\n";

  /** {@code events/header_event}. */
  static final String HEADER_EVENT =
      "# compressed entry header\n"
          + "\ttype_len    :    5 bits\n"
          + "\ttime_delta  :   27 bits\n"
          + "\tarray       :   32 bits\n"
          + "\n"
          + "\tpadding     : type == 29\n"
          + "\ttime_extend : type == 30\n"
          + "\ttime_stamp : type == 31\n"
          + "\tdata max type_len  == 28\n";

  /** The {@code common_flags} bit for "interrupts disabled" (TRACE_FLAG_IRQS_OFF). */
  public static final int IRQS_OFF = 0x01;

  /** How a field is stored. */
  enum Kind {
    INT, // 1, 2, 4 or 8 bytes, little endian
    CHARS, // a fixed char array, NUL-padded
    STRING // __data_loc char[]: a 4-byte (length << 16 | offset) and the string after the fields
  }

  record Field(String decl, String name, Kind kind, int size, boolean signed) {}

  /** One event type: its system, name, id, fields and print format. */
  public static final class Type {
    final String system;
    final String name;
    final int id;
    final List<Field> fields;
    final int[] offsets;
    final int fixed;
    final String print;

    Type(String system, String name, int id, String print, Field... fields) {
      this.system = system;
      this.name = name;
      this.id = id;
      this.print = print;
      this.fields = List.of(fields);
      this.offsets = new int[fields.length];
      int off = 8;
      for (int i = 0; i < fields.length; i++) {
        int align = fields[i].kind() == Kind.INT ? fields[i].size() : 1;
        if (fields[i].kind() == Kind.STRING) align = 4;
        off = (off + align - 1) / align * align;
        offsets[i] = off;
        off += fields[i].size();
      }
      this.fixed = off;
    }

    public String system() {
      return system;
    }

    public String name() {
      return name;
    }

    public int id() {
      return id;
    }

    /** The format file, as tracefs prints it. */
    public String formatText() {
      StringBuilder sb = new StringBuilder();
      sb.append("name: ").append(name).append('\n');
      sb.append("ID: ").append(id).append('\n');
      sb.append("format:\n");
      sb.append("\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n");
      sb.append("\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n");
      sb.append("\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n");
      sb.append("\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n");
      sb.append('\n');
      for (int i = 0; i < fields.size(); i++) {
        Field f = fields.get(i);
        sb.append("\tfield:")
            .append(f.decl())
            .append(";\toffset:")
            .append(offsets[i])
            .append(";\tsize:")
            .append(f.size())
            .append(";\tsigned:")
            .append(f.signed() ? 1 : 0)
            .append(";\n");
      }
      sb.append('\n');
      sb.append("print fmt: ").append(print).append('\n');
      return sb.toString();
    }

    /**
     * The event's bytes: the common fields, then {@code values} in field order (numbers for INT,
     * strings for CHARS and STRING). Returns the length written into {@code buf}.
     */
    int encode(ByteBuffer buf, int flags, int pid, Object... values) {
      buf.clear();
      buf.order(ByteOrder.LITTLE_ENDIAN);
      buf.putShort(0, (short) id);
      buf.put(2, (byte) flags);
      buf.put(3, (byte) 0);
      buf.putInt(4, pid);
      int end = fixed;
      for (int i = 0; i < fields.size(); i++) {
        Field f = fields.get(i);
        int off = offsets[i];
        Object v = values[i];
        switch (f.kind()) {
          case INT -> {
            long x = v instanceof Number n ? n.longValue() : 0;
            switch (f.size()) {
              case 1 -> buf.put(off, (byte) x);
              case 2 -> buf.putShort(off, (short) x);
              case 4 -> buf.putInt(off, (int) x);
              default -> buf.putLong(off, x);
            }
          }
          case CHARS -> {
            byte[] s = String.valueOf(v).getBytes(StandardCharsets.UTF_8);
            if (f.size() == 0) { // char buf[]: the rest of the event, NUL-terminated
              for (int k = 0; k < s.length; k++) buf.put(off + k, s[k]);
              buf.put(off + s.length, (byte) 0);
              end = Math.max(end, off + s.length + 1);
            } else {
              int n = Math.min(s.length, f.size() - 1);
              for (int k = 0; k < f.size(); k++) buf.put(off + k, k < n ? s[k] : 0);
            }
          }
          case STRING -> {
            byte[] s = String.valueOf(v).getBytes(StandardCharsets.UTF_8);
            int len = s.length + 1;
            buf.putInt(off, (len << 16) | end);
            for (int k = 0; k < s.length; k++) buf.put(end + k, s[k]);
            buf.put(end + s.length, (byte) 0);
            end += len;
          }
        }
      }
      return end;
    }
  }

  private static Field i32(String name) {
    return new Field("int " + name, name, Kind.INT, 4, true);
  }

  private static Field pid(String name) {
    return new Field("pid_t " + name, name, Kind.INT, 4, true);
  }

  private static Field comm(String name) {
    return new Field("char " + name + "[16]", name, Kind.CHARS, 16, false);
  }

  private static Field ptr(String name) {
    return new Field("void * " + name, name, Kind.INT, 8, false);
  }

  private static Field ulong(String name) {
    return new Field("unsigned long " + name, name, Kind.INT, 8, false);
  }

  private static Field u64(String name) {
    return new Field("u64 " + name, name, Kind.INT, 8, false);
  }

  private static Field u32(String name) {
    return new Field("u32 " + name, name, Kind.INT, 4, false);
  }

  private static Field s32(String name) {
    return new Field("s32 " + name, name, Kind.INT, 4, true);
  }

  private static Field str(String name) {
    return new Field("__data_loc char[] " + name, name, Kind.STRING, 4, false);
  }

  private static final String TASK_STATES =
      "(0x00000000 | 0x00000001 | 0x00000002 | 0x00000004 | 0x00000008 | 0x00000010 | 0x00000020"
          + " | 0x00000040)";

  public static final Type PRINT =
      new Type(
          "ftrace",
          "print",
          5,
          "\"%ps: %s\", REC->ip, REC->buf",
          ulong("ip"),
          new Field("char buf[]", "buf", Kind.CHARS, 0, true));

  public static final Type SCHED_SWITCH =
      new Type(
          "sched",
          "sched_switch",
          316,
          "\"prev_comm=%s prev_pid=%d prev_prio=%d prev_state=%s%s ==> next_comm=%s next_pid=%d"
              + " next_prio=%d\", REC->prev_comm, REC->prev_pid, REC->prev_prio, (REC->prev_state"
              + " & (((("
              + TASK_STATES
              + ") + 1) << 1) - 1)) ? __print_flags(REC->prev_state &"
              + " (((("
              + TASK_STATES
              + ") + 1) << 1) - 1), \"|\", { 0x00000001, \"S\" }, {"
              + " 0x00000002, \"D\" }, { 0x00000004, \"T\" }, { 0x00000008, \"t\" }, {"
              + " 0x00000010, \"X\" }, { 0x00000020, \"Z\" }, { 0x00000040, \"P\" }, {"
              + " 0x00000080, \"I\" }) : \"R\", REC->prev_state & ((("
              + TASK_STATES
              + ") + 1)"
              + " << 1) ? \"+\" : \"\", REC->next_comm, REC->next_pid, REC->next_prio",
          comm("prev_comm"),
          pid("prev_pid"),
          i32("prev_prio"),
          new Field("long prev_state", "prev_state", Kind.INT, 8, true),
          comm("next_comm"),
          pid("next_pid"),
          i32("next_prio"));

  private static final String WAKEUP_PRINT =
      "\"comm=%s pid=%d prio=%d target_cpu=%03d\", REC->comm, REC->pid, REC->prio,"
          + " REC->target_cpu";

  public static final Type SCHED_WAKING =
      new Type(
          "sched",
          "sched_waking",
          320,
          WAKEUP_PRINT,
          comm("comm"),
          pid("pid"),
          i32("prio"),
          i32("target_cpu"));

  public static final Type SCHED_WAKEUP =
      new Type(
          "sched",
          "sched_wakeup",
          319,
          WAKEUP_PRINT,
          comm("comm"),
          pid("pid"),
          i32("prio"),
          i32("target_cpu"));

  public static final Type SCHED_PROCESS_EXIT =
      new Type(
          "sched",
          "sched_process_exit",
          312,
          "\"comm=%s pid=%d prio=%d\", REC->comm, REC->pid, REC->prio",
          comm("comm"),
          pid("pid"),
          i32("prio"));

  public static final Type WQ_QUEUE_WORK =
      new Type(
          "workqueue",
          "workqueue_queue_work",
          480,
          "\"work struct=%p function=%ps workqueue=%s req_cpu=%d cpu=%d\", REC->work,"
              + " REC->function, __get_str(workqueue), REC->req_cpu, REC->cpu",
          ptr("work"),
          ptr("function"),
          str("workqueue"),
          i32("req_cpu"),
          i32("cpu"));

  public static final Type WQ_ACTIVATE_WORK =
      new Type(
          "workqueue",
          "workqueue_activate_work",
          479,
          "\"work struct %p\", REC->work",
          ptr("work"));

  public static final Type WQ_EXECUTE_START =
      new Type(
          "workqueue",
          "workqueue_execute_start",
          478,
          "\"work struct %p: function %ps\", REC->work, REC->function",
          ptr("work"),
          ptr("function"));

  public static final Type WQ_EXECUTE_END =
      new Type(
          "workqueue",
          "workqueue_execute_end",
          477,
          "\"work struct %p: function %ps\", REC->work, REC->function",
          ptr("work"),
          ptr("function"));

  private static Type kprobe(String name, int id, String print, Field... args) {
    Field[] all = new Field[args.length + 1];
    all[0] = ulong("__probe_ip");
    System.arraycopy(args, 0, all, 1, args.length);
    return new Type("kprobes", name, id, "\"(%lx)" + print, all);
  }

  public static final Type KICK_POOL =
      kprobe(
          "kick_pool",
          2001,
          " pool=\\\"%s\\\" worker=\\\"%s\\\" worker_pid=%d repeat=%u expired=%u\", REC->__probe_ip,"
              + " __get_str(pool), __get_str(worker), REC->worker_pid, REC->repeat, REC->expired",
          str("pool"),
          str("worker"),
          s32("worker_pid"),
          u32("repeat"),
          u32("expired"));

  public static final Type WORKER_ENTER_IDLE =
      kprobe(
          "worker_enter_idle",
          2002,
          " pool=\\\"%s\\\" worker=\\\"%s\\\" nr_idle=%u\", REC->__probe_ip, __get_str(pool),"
              + " __get_str(worker), REC->nr_idle",
          str("pool"),
          str("worker"),
          u32("nr_idle"));

  public static final Type SET_WORKER_DYING =
      kprobe(
          "set_worker_dying",
          2003,
          " pool=\\\"%s\\\" worker=\\\"%s\\\" worker_pid=%d\", REC->__probe_ip, __get_str(pool),"
              + " __get_str(worker), REC->worker_pid",
          str("pool"),
          str("worker"),
          s32("worker_pid"));

  public static final Type IDLE_CULL_FN =
      kprobe(
          "idle_cull_fn",
          2004,
          " pool=\\\"%s\\\" culled=%u nr_idle=%u nr_workers=%u\", REC->__probe_ip,"
              + " __get_str(pool), REC->culled, REC->nr_idle, REC->nr_workers",
          str("pool"),
          u32("culled"),
          u32("nr_idle"),
          u32("nr_workers"));

  public static final Type KPROBE_OPTIMIZER =
      kprobe("kprobe_optimizer", 2005, " run=%Lu\", REC->__probe_ip, REC->run", u64("run"));

  public static final Type TEXT_POKE =
      kprobe(
          "text_poke",
          2006,
          " addr=0x%Lx byte0=\\\"%s\\\" rel32=%u stop_op=%Ld\", REC->__probe_ip, REC->addr,"
              + " __get_str(byte0), REC->rel32, REC->stop_op",
          u64("addr"),
          str("byte0"),
          u32("rel32"),
          new Field("s64 stop_op", "stop_op", Kind.INT, 8, true));

  public static final Type KPROBE_HIT =
      kprobe(
          "kprobe_hit",
          2007,
          " probe=\\\"%s\\\" addr=0x%Lx path=\\\"%s\\\" handlers=%u\", REC->__probe_ip,"
              + " __get_str(probe), REC->addr, __get_str(path), REC->handlers",
          str("probe"),
          u64("addr"),
          str("path"),
          u32("handlers"));

  public static final Type STOP_MACHINE_PHASE =
      new Type(
          "stop_machine",
          "multi_cpu_stop",
          2101,
          "\"op=%llu state=%s\", REC->op, __get_str(state)",
          new Field("unsigned long long op", "op", Kind.INT, 8, false),
          str("state"));

  /** Every type, in the order they are written into the file. */
  public static List<Type> all() {
    List<Type> t = new ArrayList<>();
    t.add(PRINT);
    t.add(SCHED_SWITCH);
    t.add(SCHED_WAKING);
    t.add(SCHED_WAKEUP);
    t.add(SCHED_PROCESS_EXIT);
    t.add(WQ_QUEUE_WORK);
    t.add(WQ_ACTIVATE_WORK);
    t.add(WQ_EXECUTE_START);
    t.add(WQ_EXECUTE_END);
    t.add(KICK_POOL);
    t.add(WORKER_ENTER_IDLE);
    t.add(SET_WORKER_DYING);
    t.add(IDLE_CULL_FN);
    t.add(KPROBE_OPTIMIZER);
    t.add(TEXT_POKE);
    t.add(KPROBE_HIT);
    t.add(STOP_MACHINE_PHASE);
    return t;
  }
}
