package org.kernsim.trace;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.zip.GZIPOutputStream;
import org.kernsim.engine.EndReason;
import org.kernsim.engine.RecordCodec;
import org.kernsim.engine.TraceObserver;
import org.kernsim.protocol.engine.TraceRecord;

/**
 * Writes the canonical trace as JSON Lines, one record per line, in canonical order:
 *
 * <pre>
 * {"t":1200,"kind":"msg","at":"pool0","src":"cpu1","seq":7,"type":"QueueWork","f":{"item":3}}
 * {"t":1200,"kind":"note","at":"pool0","type":"Picked","f":{"worker":5}}
 * {"t":1200,"kind":"violation","at":"pool0","checker":"W1","message":"..."}
 * </pre>
 *
 * The first line is a header with the run's scenario, seed and settings. The file is written to a
 * temporary name next to the target and renamed when the run ends; after each completed window it
 * is flushed, so a run that is cut short (a lost node) leaves a file valid up to its last completed
 * window, which {@link #abandon} renames into place.
 */
public final class TraceFileWriter implements TraceObserver, AutoCloseable {
  private final Path target;
  private final Path temp;
  private final JsonGenerator json;
  private final OutputStream out;
  private final IntFunction<String> names;
  private boolean closed;

  public TraceFileWriter(Path target, IntFunction<String> names, Map<String, Object> header) {
    this.target = target;
    this.names = names;
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
      json.writeEndObject();
      json.writeRaw('\n');
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write trace " + target + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void observe(TraceRecord r) {
    try {
      json.writeStartObject();
      json.writeNumberField("t", r.time());
      if (r instanceof TraceRecord.Delivered d) {
        json.writeStringField("kind", "msg");
        json.writeStringField("at", names.apply(d.entity()));
        json.writeStringField("src", names.apply(d.src()));
        json.writeNumberField("seq", d.seq());
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
      throw new UncheckedIOException(e);
    }
  }

  private void writeBody(Object payload) throws IOException {
    json.writeStringField("type", RecordCodec.typeName(payload));
    Map<String, Object> fields = RecordCodec.fields(payload);
    if (!fields.isEmpty()) {
      json.writeFieldName("f");
      writeValue(fields);
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
    try {
      json.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void finish(long endNanos, EndReason reason) {
    close();
  }

  /** Completes the file and moves it into place. */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    try {
      json.close();
      out.close();
      OutputFiles.publish(temp, target);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write trace " + target + ": " + e.getMessage(), e);
    }
  }

  /** The run failed: keep what was written up to the last completed window. */
  public void abandon() {
    close();
  }

  /** The run never started (bad input): leave no file behind. */
  public void discard() {
    if (closed) return;
    closed = true;
    try {
      json.close();
      out.close();
    } catch (IOException e) {
      // discarding anyway
    }
    try {
      Files.deleteIfExists(temp);
    } catch (IOException e) {
      // best effort
    }
  }
}
