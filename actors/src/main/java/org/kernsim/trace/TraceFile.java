package org.kernsim.trace;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import org.kernsim.scenario.BadInputException;

/**
 * Reads a trace written by {@code kernsim run --trace} (JSON Lines, optionally gzipped): a header
 * line, then one record per line. Problems are {@link BadInputException}s naming file and line.
 */
public final class TraceFile {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** One record: {@code kind} is msg, note or violation; {@code json} is the whole line. */
  public record Line(
      long lineNumber, long time, String kind, String at, String src, String type, JsonNode json) {}

  private TraceFile() {}

  /** Reads only the header line. */
  public static JsonNode header(Path file) {
    JsonNode[] h = new JsonNode[1];
    try {
      read(
          file,
          l -> {
            throw new HeaderRead();
          },
          j -> h[0] = j);
    } catch (HeaderRead done) {
      // stopped after the header
    }
    return h[0];
  }

  private static final class HeaderRead extends RuntimeException {
    HeaderRead() {
      super(null, null, false, false);
    }
  }

  /** The id of entity {@code name} from the header's entity table, or -1. */
  public static int entityId(JsonNode header, String name) {
    JsonNode names = header.get("entities");
    if (names == null) return -1;
    for (int i = 0; i < names.size(); i++) if (names.get(i).asText().equals(name)) return i;
    return -1;
  }

  /** Reads the header, then hands every record to {@code sink}, in file order. */
  public static JsonNode read(Path file, Consumer<Line> sink) {
    return read(file, sink, j -> {});
  }

  private static JsonNode read(Path file, Consumer<Line> sink, Consumer<JsonNode> onHeader) {
    try (InputStream raw = Files.newInputStream(file);
        InputStream in =
            file.getFileName().toString().endsWith(".gz")
                ? new GZIPInputStream(raw, 1 << 16)
                : raw;
        BufferedReader r =
            new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
      String first = r.readLine();
      if (first == null) throw bad(file, 1, "empty file, not a kernsim trace");
      JsonNode header = parse(file, 1, first);
      if (!"header".equals(header.path("kind").asText())) {
        throw bad(
            file, 1, "no kernsim trace header (is this a file written by 'kernsim run --trace'?)");
      }
      onHeader.accept(header);
      long n = 1;
      String line;
      while ((line = r.readLine()) != null) {
        n++;
        if (line.isBlank()) continue;
        JsonNode j = parse(file, n, line);
        String kind = j.path("kind").asText(null);
        if (kind == null || !j.has("t") || !j.get("t").canConvertToLong() || !j.has("at")) {
          throw bad(file, n, "not a kernsim trace record (needs t, kind, at)");
        }
        if (!kind.equals("msg") && !kind.equals("note") && !kind.equals("violation")) {
          throw bad(file, n, "unknown record kind '" + kind + "'");
        }
        String type =
            kind.equals("violation") ? j.path("checker").asText() : j.path("type").asText();
        sink.accept(
            new Line(
                n,
                j.get("t").asLong(),
                kind,
                j.get("at").asText(),
                j.path("src").asText(null),
                type,
                j));
      }
      return header;
    } catch (NoSuchFileException e) {
      throw new BadInputException("trace " + file + ": no such file");
    } catch (java.util.zip.ZipException e) {
      throw new BadInputException("trace " + file + ": not a gzip file (" + e.getMessage() + ")");
    } catch (IOException e) {
      throw new BadInputException("trace " + file + ": cannot read (" + e.getMessage() + ")");
    }
  }

  private static JsonNode parse(Path file, long n, String line) {
    try {
      JsonNode j = MAPPER.readTree(line);
      if (!(j instanceof ObjectNode)) throw bad(file, n, "not a JSON object");
      return j;
    } catch (JsonProcessingException e) {
      throw bad(file, n, "not valid JSON (" + e.getOriginalMessage() + ")");
    }
  }

  private static BadInputException bad(Path file, long line, String what) {
    return new BadInputException("trace " + file + ", line " + line + ": " + what);
  }

  /**
   * Whether {@code node} has a numeric field equal to {@code value} at any depth (the id of a
   * followed entity).
   */
  public static boolean hasNumber(JsonNode node, long value) {
    if (node == null) return false;
    if (node.isIntegralNumber()) return node.asLong() == value;
    if (node.isContainerNode()) {
      for (JsonNode c : node) if (hasNumber(c, value)) return true;
    }
    return false;
  }

  /** Whether {@code node} has a field {@code name} equal to {@code value} at any depth. */
  public static boolean hasField(JsonNode node, String name, String value) {
    if (node == null) return false;
    if (node.isObject()) {
      Iterator<java.util.Map.Entry<String, JsonNode>> it = node.fields();
      while (it.hasNext()) {
        var e = it.next();
        if (e.getKey().equals(name)
            && e.getValue().isValueNode()
            && e.getValue().asText().equals(value)) return true;
        if (hasField(e.getValue(), name, value)) return true;
      }
    } else if (node.isArray()) {
      for (JsonNode c : node) if (hasField(c, name, value)) return true;
    }
    return false;
  }
}
