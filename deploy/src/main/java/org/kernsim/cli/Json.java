package org.kernsim.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.Map;

/**
 * JSON output of the CLI: one object per command, on stdout, indented as Jackson's {@code
 * INDENT_OUTPUT} indents it. The commands build their output of maps, lists, strings, numbers and
 * booleans: those are written through Jackson's streaming generator, without the object mapper,
 * whose start is ~0.1 s of a fresh JVM's (docs/performance.md, "JSON without the object mapper").
 * Anything else in a value (a record, an enum) sends the whole value through the mapper, so that
 * what is written never depends on which way it went.
 */
final class Json {
  private static final JsonFactory FACTORY = new JsonFactory();

  /** Created on first use: most commands never need it. */
  private static final class Mapper {
    static final ObjectMapper INDENTED =
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  }

  private Json() {}

  static String write(Object value) {
    if (!plain(value)) return writeWithMapper(value);
    StringWriter out = new StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.useDefaultPrettyPrinter();
      write(g, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /** Through Jackson's object mapper, as all of it was written before. */
  static String writeWithMapper(Object value) {
    try {
      return Mapper.INDENTED.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether {@code v} is made only of what {@link #write(JsonGenerator, Object)} writes. */
  static boolean plain(Object v) {
    if (v == null
        || v instanceof String
        || v instanceof Boolean
        || v instanceof Integer
        || v instanceof Long
        || v instanceof Double
        || v instanceof Float
        || v instanceof Short
        || v instanceof Byte
        || v instanceof BigInteger
        || v instanceof BigDecimal
        || v instanceof int[]
        || v instanceof long[]
        || v instanceof double[]) return true;
    if (v instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        Object k = e.getKey();
        if (!(k instanceof String || k instanceof Integer || k instanceof Long)) return false;
        if (!plain(e.getValue())) return false;
      }
      return true;
    }
    if (v instanceof Collection<?> c) {
      for (Object o : c) if (!plain(o)) return false;
      return true;
    }
    return false;
  }

  private static void write(JsonGenerator g, Object v) throws IOException {
    if (v == null) g.writeNull();
    else if (v instanceof String s) g.writeString(s);
    else if (v instanceof Boolean b) g.writeBoolean(b);
    else if (v instanceof Integer i) g.writeNumber(i);
    else if (v instanceof Long l) g.writeNumber(l);
    else if (v instanceof Double d) g.writeNumber(d);
    else if (v instanceof Float f) g.writeNumber(f);
    else if (v instanceof Short s) g.writeNumber(s);
    else if (v instanceof Byte b) g.writeNumber(b);
    else if (v instanceof BigInteger b) g.writeNumber(b);
    else if (v instanceof BigDecimal b) g.writeNumber(b);
    else if (v instanceof int[] a) g.writeArray(a, 0, a.length);
    else if (v instanceof long[] a) g.writeArray(a, 0, a.length);
    else if (v instanceof double[] a) g.writeArray(a, 0, a.length);
    else if (v instanceof Map<?, ?> m) {
      g.writeStartObject();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        g.writeFieldName(String.valueOf(e.getKey()));
        write(g, e.getValue());
      }
      g.writeEndObject();
    } else if (v instanceof Collection<?> c) {
      g.writeStartArray();
      for (Object o : c) write(g, o);
      g.writeEndArray();
    } else throw new IllegalArgumentException("not plain: " + v.getClass());
  }
}
