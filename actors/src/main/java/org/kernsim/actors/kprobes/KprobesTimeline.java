package org.kernsim.actors.kprobes;

import java.util.ArrayList;
import java.util.List;
import org.kernsim.engine.RecordCodec;
import org.kernsim.engine.TimelineSpec;
import org.kernsim.engine.Violation;
import org.kernsim.protocol.cpu.CpuNote;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.protocol.kprobes.KprobeNote;

/**
 * How a kprobes violation is shown: the last notes of the manager, the optimizer, CodeMemory and the
 * admin task (API calls, kprobe_mutex, kicks that armed the work, optimizer runs, stop_machines,
 * waits, kernel log lines); per-probe state changes, code writes, stopper entries and probe hits are
 * left out unless they are about the violation's entity (they are all in the trace file).
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
          if (p instanceof KprobeNote.ProbeHit || p instanceof KprobeNote.ViewPatched || p instanceof KprobeNote.CodeWritten) {
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
        if (r instanceof TraceRecord.Note n) return RecordCodec.describe(n.note());
        return base.cell(r);
      }
    };
  }
}
