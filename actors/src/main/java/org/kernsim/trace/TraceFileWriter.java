package org.kernsim.trace;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.zip.GZIPOutputStream;
import org.kernsim.engine.EndReason;
import org.kernsim.engine.RecordCodec;
import org.kernsim.engine.TraceNaming;
import org.kernsim.engine.TraceObserver;
import org.kernsim.protocol.engine.TraceRecord;

/**
 * Writes the canonical trace as JSON Lines, one record per line, in canonical order:
 *
 * <pre>
 * {"t":1200,"kind":"msg","at":"pool0","src":"cpu1","seq":7,"sendsFrom":31,"type":"QueueWork",
 *     "f":{"item":3},"n":{"item":"workload/1#3"}}
 * {"t":1200,"kind":"note","at":"pool0","type":"Picked","f":{"worker":5},"n":{"worker":"kworker/0:1"}}
 * {"t":1200,"kind":"violation","at":"pool0","checker":"W1","message":"..."}
 * {"kind":"end","t":1500,"records":3,"events":2,"endReason":"violation","traceSha256":"..."}
 * </pre>
 *
 * The first line is a header with the run's scenario, seed, settings, entity names and naming table
 * ({@link TraceNaming#describe}); {@code n} holds the names of the numbers in {@code f} that name
 * something (dotted paths for nested fields), and {@code sendsFrom} the receiver's send counter as
 * it took the message (what it sends while handling it is numbered from there). The last line,
 * written by {@link #complete} once the run has its {@code traceSha256}, counts the records: a file
 * without it was cut short. The file is written to a temporary name next to the target and renamed
 * when the run ends; after each completed window it is flushed, so a run that is cut short (a lost
 * node) leaves a file valid up to its last completed window, which {@link #abandon} renames into
 * place (without an end record). An interrupted run (SIGINT, SIGTERM) and a write error (a full
 * disk, a removed directory) leave no file at all.
 */
public final class TraceFileWriter implements TraceObserver, AutoCloseable {
  private final Path target;
  private final Path temp;
  private final JsonGenerator json;
  private final OutputStream out;
  private final IntFunction<String> names;
  private final TraceNaming naming;
  private final Map<String, Object> resolved = new LinkedHashMap<>();
  private long records;
  private long endNanos = -1;
  private EndReason endReason;
  private boolean closed;

  public TraceFileWriter(Path target, IntFunction<String> names, Map<String, Object> header) {
    this(target, names, TraceNaming.NONE, header);
  }

  /**
   * A trace of a run whose entities are named by {@code names} and whose fields by {@code naming}
   * (also written into the header, as {@code naming}).
   */
  public TraceFileWriter(
      Path target, IntFunction<String> names, TraceNaming naming, Map<String, Object> header) {
    this.target = target;
    this.names = names;
    this.naming = naming;
    try {
      this.temp = OutputFiles.temporaryFor(target);
      OutputStream os = new BufferedOutputStream(Files.newOutputStream(temp), 1 << 16);
      if (target.getFileName().toString().endsWith(".gz"))
        os = new GZIPOutputStream(os, 1 << 16, true);
      this.out = os;
      this.json = new JsonFactory().createGenerator(os, JsonEncoding.UTF8);
      json.setRootValueSeparator(null);
      json.writeStartObject();
      json.writeStringField("kind", "header");
      for (Map.Entry<String, Object> e : header.entrySet()) {
        json.writeFieldName(e.getKey());
        writeValue(e.getValue());
      }
      if (!header.containsKey("naming")) {
        json.writeFieldName("naming");
        writeValue(naming.describe());
      }
      json.writeEndObject();
      json.writeRaw('\n');
    } catch (IOException e) {
      throw OutputFiles.failed(target, e);
    }
  }

  @Override
  public void observe(TraceRecord r) {
    records++;
    try {
      json.writeStartObject();
      json.writeNumberField("t", r.time());
      if (r instanceof TraceRecord.Delivered d) {
        json.writeStringField("kind", "msg");
        json.writeStringField("at", names.apply(d.entity()));
        json.writeStringField("src", names.apply(d.src()));
        json.writeNumberField("seq", d.seq());
        json.writeNumberField("sendsFrom", d.sendsFrom());
        writeBody(d.payload());
      } else if (r instanceof TraceRecord.Note n) {
        json.writeStringField("kind", "note");
        json.writeStringField("at", names.apply(n.entity()));
        writeBody(n.note());
      } else if (r instanceof TraceRecord.Violation v) {
        json.writeStringField("kind", "violation");
        json.writeStringField("at", v.entity() < 0 ? "-" : names.apply(v.entity()));
        json.writeStringField("checker", v.checker());
        json.writeStringField("message", v.message());
      }
      json.writeEndObject();
      json.writeRaw('\n');
    } catch (IOException e) {
      throw broken(e);
    }
  }

  /** Writing failed (a full disk): the run ends, and no part of the file is left. */
  private OutputFiles.OutputFailed broken(IOException e) {
    discard();
    return OutputFiles.failed(target, e);
  }

  private void writeBody(Object payload) throws IOException {
    String type = RecordCodec.typeName(payload);
    json.writeStringField("type", type);
    Map<String, Object> fields = RecordCodec.fields(payload);
    if (!fields.isEmpty()) {
      json.writeFieldName("f");
      writeValue(fields);
      resolved.clear();
      resolve(type, fields, "", resolved);
      if (!resolved.isEmpty()) {
        json.writeFieldName("n");
        writeValue(resolved);
      }
    }
  }

  /** The names of the numbers in {@code fields} (of a record of {@code type}), by dotted path. */
  @SuppressWarnings("unchecked")
  private void resolve(
      String type, Map<String, Object> fields, String prefix, Map<String, Object> out) {
    for (Map.Entry<String, Object> e : fields.entrySet()) {
      Object v = e.getValue();
      String path = prefix + e.getKey();
      if (v instanceof Map<?, ?> m) {
        Object t = m.get("type");
        resolve(t == null ? "" : t.toString(), (Map<String, Object>) m, path + ".", out);
      } else if (v instanceof List<?> list) {
        TraceNaming.Kind kind = naming.kind(type, e.getKey());
        if (kind != null) {
          List<String> ns = new ArrayList<>(list.size());
          boolean any = false;
          for (Object o : list) {
            String n = o instanceof Number x ? naming.name(kind, x.longValue(), names) : null;
            any |= n != null;
            ns.add(n);
          }
          if (any) out.put(path, ns);
        } else {
          for (int i = 0; i < list.size(); i++) {
            if (list.get(i) instanceof Map<?, ?> m) {
              Object t = m.get("type");
              resolve(
                  t == null ? "" : t.toString(),
                  (Map<String, Object>) m,
                  path + "[" + i + "].",
                  out);
            }
          }
        }
      } else if (v instanceof Integer || v instanceof Long) {
        TraceNaming.Kind kind = naming.kind(type, e.getKey());
        if (kind != null) {
          String n = naming.name(kind, ((Number) v).longValue(), names);
          if (n != null) out.put(path, n);
        }
      }
    }
  }

  private void writeValue(Object v) throws IOException {
    if (v == null) json.writeNull();
    else if (v instanceof Map<?, ?> m) {
      json.writeStartObject();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        json.writeFieldName(String.valueOf(e.getKey()));
        writeValue(e.getValue());
      }
      json.writeEndObject();
    } else if (v instanceof Iterable<?> it) {
      json.writeStartArray();
      for (Object o : it) writeValue(o);
      json.writeEndArray();
    } else if (v instanceof Integer i) json.writeNumber(i);
    else if (v instanceof Long l) json.writeNumber(l);
    else if (v instanceof Double d) json.writeNumber(d);
    else if (v instanceof Boolean b) json.writeBoolean(b);
    else json.writeString(String.valueOf(v));
  }

  @Override
  public void windowCompleted(long windowEnd) {
    if (closed) return;
    try {
      json.flush();
    } catch (IOException e) {
      throw broken(e);
    }
  }

  /**
   * The run ended: the end record waits for the run's hash ({@link #complete}); an interrupted run
   * leaves no file.
   */
  @Override
  public void finish(long endNanos, EndReason reason) {
    if (reason == EndReason.INTERRUPTED) {
      discard();
      return;
    }
    this.endNanos = endNanos;
    this.endReason = reason;
    windowCompleted(endNanos);
  }

  /**
   * The run is complete: writes the end record (the number of records, the run's events and {@code
   * traceSha256}), completes the file and moves it into place.
   */
  public void complete(String traceSha256, long events) {
    if (closed) return;
    try {
      json.writeStartObject();
      json.writeStringField("kind", "end");
      json.writeNumberField("t", Math.max(0, endNanos));
      json.writeNumberField("records", records);
      json.writeNumberField("events", events);
      if (endReason != null) json.writeStringField("endReason", endReason.json());
      json.writeStringField("traceSha256", traceSha256);
      json.writeEndObject();
      json.writeRaw('\n');
    } catch (IOException e) {
      throw broken(e);
    }
    close();
  }

  /** Completes the file as it is (without an end record) and moves it into place. */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    try {
      json.close();
      out.close();
      OutputFiles.publish(temp, target);
    } catch (IOException e) {
      OutputFiles.discard(temp);
      throw OutputFiles.failed(target, e);
    }
  }

  /**
   * The run failed: keep what was written up to the last completed window (nothing, if even that
   * cannot be written; the run's own failure is what is reported).
   */
  public void abandon() {
    try {
      close();
    } catch (RuntimeException e) {
      OutputFiles.discard(temp);
    }
  }

  /** The run failed or was interrupted: leave no file behind. */
  public void discard() {
    if (closed) return;
    closed = true;
    try {
      json.close();
      out.close();
    } catch (IOException | RuntimeException e) {
      // discarding anyway
    }
    OutputFiles.discard(temp);
  }
}
