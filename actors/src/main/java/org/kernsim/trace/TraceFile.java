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
 * line, one record per line, and an end record with the record count and the run's {@code
 * traceSha256}. Problems are {@link BadInputException}s naming file and line. A file that stops
 * early (no end record, a half-written last line, a cut gzip stream) is read up to where it stops
 * and reported as truncated ({@link Scan#truncated}). Reading streams: memory does not grow with
 * the file.
 */
public final class TraceFile {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** One record: {@code kind} is msg, note or violation; {@code json} is the whole line. */
  public record Line(
      long lineNumber, long time, String kind, String at, String src, String type, JsonNode json) {}

  /**
   * What a read found: the header, the end record (null if the file has none), the number of
   * records read and why the file is incomplete (null if it is complete).
   */
  public record Scan(JsonNode header, JsonNode end, long records, String truncated) {
    /** One line for the user when the file is incomplete, else null. */
    public String warning(Path file) {
      return truncated == null ? null : "trace " + file + " is truncated: " + truncated;
    }
  }

  /** Told how far a read has come: bytes of the file read, and its size. */
  public interface ProgressListener {
    void progress(long bytesRead, long totalBytes);
  }

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
          j -> {
            h[0] = j;
            throw new HeaderRead();
          },
          null);
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
    return scan(file, sink, null).header();
  }

  /**
   * Reads the header, hands every record to {@code sink} in file order, and reports the end record
   * and whether the file is complete; {@code progress} (may be null) follows the bytes read.
   */
  public static Scan scan(Path file, Consumer<Line> sink, ProgressListener progress) {
    return read(file, sink, j -> {}, progress);
  }

  private static Scan read(
      Path file, Consumer<Line> sink, Consumer<JsonNode> onHeader, ProgressListener progress) {
    long total;
    try {
      total = Files.size(file);
    } catch (NoSuchFileException e) {
      throw new BadInputException("trace " + file + ": no such file");
    } catch (IOException e) {
      throw new BadInputException("trace " + file + ": cannot read (" + e.getMessage() + ")");
    }
    JsonNode header = null;
    JsonNode end = null;
    long records = 0;
    long n = 1;
    String truncated = null;
    try (CountingStream raw = new CountingStream(Files.newInputStream(file), total, progress);
        InputStream in =
            file.getFileName().toString().endsWith(".gz")
                ? new GZIPInputStream(raw, 1 << 16)
                : raw;
        BufferedReader r =
            new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
      String first = r.readLine();
      if (first == null) throw bad(file, 1, "empty file, not a kernsim trace");
      header = parse(file, 1, first);
      if (!"header".equals(header.path("kind").asText())) {
        throw bad(
            file, 1, "no kernsim trace header (is this a file written by 'kernsim run --trace'?)");
      }
      onHeader.accept(header);
      String line;
      String next = null;
      while ((line = next != null ? next : readLine(r)) != null) {
        next = null;
        n++;
        if (line.isBlank()) continue;
        JsonNode j;
        try {
          j = MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
          next = readLine(r);
          if (next == null) { // a half-written last line: the writer was stopped mid-record
            truncated = "its last line (" + n + ") is incomplete";
            break;
          }
          throw bad(file, n, "not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (!(j instanceof ObjectNode)) throw bad(file, n, "not a JSON object");
        String kind = j.path("kind").asText(null);
        if (end != null) throw bad(file, n, "a record after the end record");
        if ("end".equals(kind)) {
          end = j;
          continue;
        }
        if (kind == null || !j.has("t") || !j.get("t").canConvertToLong() || !j.has("at")) {
          throw bad(file, n, "not a kernsim trace record (needs t, kind, at)");
        }
        if (!kind.equals("msg") && !kind.equals("note") && !kind.equals("violation")) {
          throw bad(file, n, "unknown record kind '" + kind + "'");
        }
        String type =
            kind.equals("violation") ? j.path("checker").asText() : j.path("type").asText();
        records++;
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
    } catch (NoSuchFileException e) {
      throw new BadInputException("trace " + file + ": no such file");
    } catch (java.util.zip.ZipException e) {
      throw new BadInputException("trace " + file + ": not a gzip file (" + e.getMessage() + ")");
    } catch (TruncatedGzip e) {
      truncated = "the gzip stream stops after line " + n;
    } catch (IOException e) {
      throw new BadInputException("trace " + file + ": cannot read (" + e.getMessage() + ")");
    }
    if (truncated == null && end == null)
      truncated = "no end record after " + records + " records (the run was cut short)";
    if (truncated == null && end.has("records") && end.get("records").asLong() != records) {
      truncated =
          "the end record counts "
              + end.get("records").asLong()
              + " records, the file has "
              + records;
    }
    return new Scan(header, end, records, truncated);
  }

  /** A gzip stream that ends before its trailer (the writer was stopped). */
  private static final class TruncatedGzip extends IOException {
    TruncatedGzip(Throwable cause) {
      super(cause);
    }
  }

  private static String readLine(BufferedReader r) throws IOException {
    try {
      return r.readLine();
    } catch (java.io.EOFException e) {
      throw new TruncatedGzip(e);
    }
  }

  /** Counts the bytes read from the file, for progress. */
  private static final class CountingStream extends java.io.FilterInputStream {
    private final long total;
    private final ProgressListener listener;
    private long count;
    private long reported;

    CountingStream(InputStream in, long total, ProgressListener listener) {
      super(in);
      this.total = total;
      this.listener = listener;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) advance(1);
      return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      int k = super.read(buf, off, len);
      if (k > 0) advance(k);
      return k;
    }

    private void advance(long k) {
      count += k;
      if (listener != null && count - reported >= (1 << 20)) {
        reported = count;
        listener.progress(count, total);
      }
    }

    @Override
    public void close() throws IOException {
      if (listener != null) listener.progress(count, total);
      super.close();
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

  /**
   * Whether the names {@code n} of a record (dotted paths to names, or lists of names) hold a name
   * equal to {@code value} at a path whose last field is {@code field} (any field if null).
   */
  public static boolean hasName(JsonNode n, String field, String value) {
    if (n == null || !n.isObject()) return false;
    Iterator<java.util.Map.Entry<String, JsonNode>> it = n.fields();
    while (it.hasNext()) {
      var e = it.next();
      if (field != null && !namesField(e.getKey(), field)) continue;
      JsonNode v = e.getValue();
      if (v.isTextual() && v.asText().equals(value)) return true;
      if (v.isArray())
        for (JsonNode x : v) if (x.isTextual() && x.asText().equals(value)) return true;
    }
    return false;
  }

  /**
   * The fields of a record in a line, with names in place of the numbers that name something:
   * {@code pool=pool-u worker=kworker/u:3 item=workload/3#10 worklist=0}.
   */
  public static String fieldsText(JsonNode json) {
    JsonNode f = json.get("f");
    if (f == null) return "";
    StringBuilder sb = new StringBuilder();
    fieldsText(f, json.get("n"), "", sb);
    return sb.toString();
  }

  private static void fieldsText(JsonNode f, JsonNode n, String prefix, StringBuilder sb) {
    Iterator<java.util.Map.Entry<String, JsonNode>> it = f.fields();
    while (it.hasNext()) {
      var e = it.next();
      String path = prefix + e.getKey();
      JsonNode v = e.getValue();
      if (e.getKey().equals("type") && !prefix.isEmpty()) continue;
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != '{') sb.append(' ');
      sb.append(e.getKey()).append('=');
      JsonNode name = n == null ? null : n.get(path);
      if (name != null && !name.isNull()) {
        sb.append(name.isTextual() ? name.asText() : name.toString());
      } else if (v.isObject()) {
        sb.append(v.path("type").asText("")).append('{');
        fieldsText(v, n, path + ".", sb);
        sb.append('}');
      } else if (v.isArray() && v.size() > 0 && v.get(0).isObject()) {
        sb.append('[');
        for (int i = 0; i < v.size(); i++) {
          if (i > 0) sb.append(", ");
          sb.append(v.get(i).path("type").asText("")).append('{');
          fieldsText(v.get(i), n, path + "[" + i + "].", sb);
          sb.append('}');
        }
        sb.append(']');
      } else {
        sb.append(v.isTextual() ? v.asText() : v.toString());
      }
    }
  }

  /**
   * Whether the name at {@code path} is one of field {@code field}: the path's last field, or the
   * record it belongs to when that field is its {@code id} ({@code item.id} is the {@code item}).
   */
  static boolean namesField(String path, String field) {
    String last = lastField(path);
    if (last.equals(field)) return true;
    if (!last.equals("id") || path.length() <= 3) return false;
    String parent = path.substring(0, path.length() - 3);
    int b = parent.indexOf('[');
    return lastField(b < 0 ? parent : parent.substring(0, b)).equals(field);
  }

  /** {@code item.id} -> {@code id}; {@code dying[2].worker} -> {@code worker}. */
  static String lastField(String path) {
    int dot = path.lastIndexOf('.');
    return dot < 0 ? path : path.substring(dot + 1);
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
