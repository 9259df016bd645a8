package org.kernsim.trace;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Exports trace records as Chrome Trace Event JSON, which Perfetto (ui.perfetto.dev) and
 * chrome://tracing open: one track per entity (CPUs first), one instant event per record, named
 * after its type, with its fields as arguments; violations are global instant events.
 */
public final class ChromeTrace implements AutoCloseable {
  private final Path target;
  private final Path temp;
  private final OutputStream out;
  private final JsonGenerator json;
  private final Map<String, Integer> tids = new LinkedHashMap<>();
  private final ObjectMapper mapper = new ObjectMapper();

  public ChromeTrace(Path target) {
    this.target = target;
    try {
      this.temp = OutputFiles.temporaryFor(target);
      this.out = Files.newOutputStream(temp);
      this.json = new JsonFactory().createGenerator(out, JsonEncoding.UTF8);
      json.writeStartObject();
      json.writeStringField("displayTimeUnit", "ns");
      json.writeArrayFieldStart("traceEvents");
    } catch (IOException e) {
      throw OutputFiles.failed(target, e);
    }
  }

  private int tid(String entity) {
    return tids.computeIfAbsent(entity, e -> tids.size() + 1);
  }

  public void add(TraceFile.Line l) {
    try {
      json.writeStartObject();
      json.writeStringField(
          "name", l.kind().equals("violation") ? "VIOLATION " + l.type() : l.type());
      json.writeStringField("cat", l.kind());
      json.writeStringField("ph", "i");
      json.writeStringField("s", l.kind().equals("violation") ? "g" : "t");
      json.writeNumberField("ts", l.time() / 1000.0);
      json.writeNumberField("pid", 1);
      json.writeNumberField("tid", tid(l.at()));
      json.writeFieldName("args");
      json.writeStartObject();
      json.writeNumberField("t_ns", l.time());
      if (l.src() != null) json.writeStringField("from", l.src());
      JsonNode f = l.json().get("f");
      if (f != null) {
        json.writeFieldName("fields");
        mapper.writeTree(json, f);
      }
      if (l.kind().equals("violation"))
        json.writeStringField("message", l.json().path("message").asText());
      json.writeEndObject();
      json.writeEndObject();
    } catch (IOException e) {
      throw OutputFiles.failed(target, e);
    }
  }

  @Override
  public void close() {
    try {
      for (Map.Entry<String, Integer> e : tids.entrySet()) {
        json.writeStartObject();
        json.writeStringField("name", "thread_name");
        json.writeStringField("ph", "M");
        json.writeNumberField("pid", 1);
        json.writeNumberField("tid", e.getValue());
        json.writeObjectFieldStart("args");
        json.writeStringField("name", e.getKey());
        json.writeEndObject();
        json.writeEndObject();
        json.writeStartObject();
        json.writeStringField("name", "thread_sort_index");
        json.writeStringField("ph", "M");
        json.writeNumberField("pid", 1);
        json.writeNumberField("tid", e.getValue());
        json.writeObjectFieldStart("args");
        json.writeNumberField("sort_index", sortIndex(e.getKey(), e.getValue()));
        json.writeEndObject();
        json.writeEndObject();
      }
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

  /** CPUs first, in numeric order, then everything else in order of appearance. */
  private static int sortIndex(String name, int tid) {
    if (name.matches("cpu\\d+")) return Integer.parseInt(name.substring(3));
    return 1_000_000 + tid;
  }
}
