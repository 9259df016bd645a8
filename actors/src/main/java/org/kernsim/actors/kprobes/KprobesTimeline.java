package org.kernsim.actors.kprobes;

import java.util.ArrayList;
import java.util.List;
import org.kernsim.engine.RecordCodec;
import org.kernsim.engine.TimelineSpec;
import org.kernsim.engine.Violation;
import org.kernsim.protocol.cpu.CpuNote;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.protocol.kprobes.KprobeNote;
import org.kernsim.scenario.Durations;

/**
 * How a kprobes violation is shown: the last notes of the manager, the optimizer, CodeMemory and
 * the admin task (API calls, kprobe_mutex, kicks that armed the work, optimizer runs,
 * stop_machines, waits, kernel log lines); per-probe state changes, code writes, stopper entries
 * and probe hits are left out unless they are about the violation's entity (they are all in the
 * trace file).
 */
final class KprobesTimeline {
  private KprobesTimeline() {}

  static TimelineSpec spec(KprobesSim sim) {
    TimelineSpec base = TimelineSpec.notes(sim, 40);
    return new TimelineSpec() {
      @Override
      public List<TraceRecord> select(List<TraceRecord> records, Violation v) {
        List<TraceRecord> out = new ArrayList<>();
        for (TraceRecord r : records) {
          if (r.time() > v.atNanos()) break;
          if (r instanceof TraceRecord.Violation) {
            out.add(r);
            continue;
          }
          if (!(r instanceof TraceRecord.Note n)) continue;
          Object p = n.note();
          // per-probe detail: the state changes are in the trace file; the timeline keeps the story
          if (p instanceof KprobeNote.Transition || p instanceof KprobeNote.OpUnreachable) continue;
          if (p instanceof KprobeNote.Kicked k && !k.scheduled()) continue;
          // optimizer=workqueue: the pools' counters after every section are in the trace file
          if (p instanceof org.kernsim.protocol.workqueue.WqNote.PoolState) continue;
          if (p instanceof KprobeNote.ProbeHit
              || p instanceof KprobeNote.ViewPatched
              || p instanceof KprobeNote.CodeWritten) {
            if (!sim.entityName(r.entity()).equals(v.entity())) continue;
          }
          if (p instanceof CpuNote && !sim.entityName(r.entity()).equals(v.entity())) continue;
          out.add(r);
        }
        return out.size() <= 40 ? out : out.subList(out.size() - 40, out.size());
      }

      @Override
      public String column(TraceRecord r) {
        return base.column(r);
      }

      @Override
      public String cell(TraceRecord r) {
        if (r instanceof TraceRecord.Note n) return describe(sim, n.note());
        return base.cell(r);
      }
    };
  }

  /** A note in the kernel's words (everything else: its record form). */
  static String describe(KprobesSim sim, Object note) {
    if (note instanceof KprobeNote.ApiEntered a)
      return sim.entityName(a.requester()) + " calls " + a.op() + "()";
    if (note instanceof KprobeNote.ApiReturned a) {
      return a.op()
          + "() returns "
          + a.result()
          + (a.result() == -16 ? " (-EBUSY)" : "")
          + " to "
          + sim.entityName(a.requester());
    }
    if (note instanceof KprobeNote.MutexAcquired m) return "mutex_lock(&kprobe_mutex): " + m.what();
    if (note instanceof KprobeNote.MutexReleased m)
      return "mutex_unlock(&kprobe_mutex): " + m.what();
    if (note instanceof KprobeNote.Kicked k) {
      return "kick_kprobe_optimizer(): "
          + (k.scheduled()
              ? "schedule_delayed_work, fires at " + Durations.pretty(k.fireAt())
              : "already pending")
          + (k.underMutex() ? "" : " (WITHOUT kprobe_mutex)");
    }
    if (note instanceof KprobeNote.OptimizerRunBegan b)
      return "kprobe_optimizer() run " + b.run() + " begins";
    if (note instanceof KprobeNote.OptimizerRunEnded e) {
      return "kprobe_optimizer() run "
          + e.run()
          + " ends: optimizing_list "
          + e.optimizing()
          + ", unoptimizing_list "
          + e.unoptimizing()
          + (e.rekicked() ? "; kicks itself again" : "; complete_all(&optimizer_comp)");
    }
    if (note instanceof KprobeNote.WaitReturned w) {
      return "wait_for_kprobe_optimizer() ("
          + w.mode()
          + ") returns: optimizing_list "
          + w.optimizing()
          + ", unoptimizing_list "
          + w.unoptimizing();
    }
    if (note instanceof KprobeNote.StopMachineCalled c)
      return c.function() + ": stop_machine() for " + c.probes() + " probe(s)";
    if (note instanceof KprobeNote.AggrFreed f)
      return f.function() + ": free_aggr_kprobe(op " + f.op() + " @" + f.addr() + ")";
    if (note instanceof KprobeNote.ScriptStep st) return "admin: " + st.text();
    if (note instanceof KprobeNote.ScriptDone) return "admin: script done";
    if (note instanceof KprobeNote.Printk p) return "printk: \"" + p.line() + "\"";
    if (note instanceof KprobeNote.ProbeHit h) {
      return "executes @"
          + h.addr()
          + " via "
          + h.kind().name().toLowerCase(java.util.Locale.ROOT)
          + ", "
          + h.handlers()
          + " handler(s)";
    }
    return RecordCodec.describe(note);
  }
}
