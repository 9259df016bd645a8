package org.kernsim.engine;

import java.util.ArrayList;
import java.util.List;
import org.kernsim.protocol.engine.TraceRecord;

/**
 * How a model shows a violation as a timeline, in the spirit of the CPU A / CPU B tables of kernel
 * commit messages: which records become rows, which column each belongs to (a CPU, or an actor),
 * and what its cell says.
 */
public interface TimelineSpec {

  /** The rows for {@code violation}, in canonical order, from all the run's records. */
  List<TraceRecord> select(List<TraceRecord> records, Violation violation);

  /** The column a row belongs to ({@code cpu1}, {@code pool0}...). */
  String column(TraceRecord r);

  /** The text of a row's cell. */
  String cell(TraceRecord r);

  /** The default: the last {@code rows} notes up to the violation, one column per entity. */
  static TimelineSpec notes(Simulation sim, int rows) {
    return new TimelineSpec() {
      @Override
      public List<TraceRecord> select(List<TraceRecord> records, Violation v) {
        List<TraceRecord> out = new ArrayList<>();
        for (TraceRecord r : records) {
          if (r.time() > v.atNanos()) break;
          if (r instanceof TraceRecord.Note || r instanceof TraceRecord.Violation) out.add(r);
        }
        return out.size() <= rows ? out : out.subList(out.size() - rows, out.size());
      }

      @Override
      public String column(TraceRecord r) {
        return r.entity() < 0 ? "checker" : sim.entityName(r.entity());
      }

      @Override
      public String cell(TraceRecord r) {
        if (r instanceof TraceRecord.Note n) return RecordCodec.describe(n.note());
        if (r instanceof TraceRecord.Violation v)
          return "VIOLATION " + v.checker() + ": " + v.message();
        TraceRecord.Delivered d = (TraceRecord.Delivered) r;
        return "<- " + sim.entityName(d.src()) + " " + RecordCodec.describe(d.payload());
      }
    };
  }
}
